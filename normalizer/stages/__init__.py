"""The stage registry: pipeline files name stages by these keys.

`rules` is the plain rule-driven stage for a user's own stages; the others are the built-in
concerns, each with its own rule file of the same name.
"""

from .base import RuleStage
from .abbreviations import AbbreviationsStage
from .dates import DatesStage
from .electronic import ElectronicStage
from .letters import LettersStage
from .measures import MeasuresStage
from .money import MoneyStage
from .numbers import NumbersStage
from .symbols import SymbolsStage

STAGES: dict[str, type[RuleStage]] = {
    "rules": RuleStage,
    "cleanup": RuleStage,
    "asr_fixes": RuleStage,
    "electronic": ElectronicStage,
    "abbreviations": AbbreviationsStage,
    "dates": DatesStage,
    "money": MoneyStage,
    "measures": MeasuresStage,
    "letters": LettersStage,
    "numbers": NumbersStage,
    "symbols": SymbolsStage,
    "residue": RuleStage,
}
