"""Money: "$2 million" -> "two million dollars", "£20" -> "twenty pounds".

>>> from normalizer.pipeline import load
>>> load().normalize("A $1.4 billion loan, not $3.50.").text
'A one point four billion dollar loan, not three dollars fifty cents.'
"""

from __future__ import annotations

import regex

from .. import verbalize
from ..rules import alternation
from ..verbalize import Style
from .base import RuleStage

NUMBER_PARTS_RE = regex.compile(r"(?P<whole>[0-9,]*)(?:\.(?P<frac>[0-9]+))?")
SIGN_WORDS = {"-": "minus", "\N{MINUS SIGN}": "minus", "+": "plus"}




def optional_group(match: regex.Match, name: str) -> str | None:
    """A group's text, or None when no rule of the stage has the group or it did not match."""
    try:
        return match.group(name)
    except IndexError:
        return None


class MoneyStage(RuleStage):
    """Amounts with a currency: tables and rules in rules/money.yaml.

    - Symbol or code before the number: "$2 million" -> "two million dollars",
      "USD 100" -> "one hundred dollars"; after it: "100 USD", "10 €", "5¢" -> "five cents".
    - Cents: "$3.50" -> "three dollars fifty cents", "$0.50" -> "fifty cents",
      "$1.00" -> "one dollar", "$1.01" -> "one dollar one cent".
    - Scales: "$1.5B" -> "one point five billion dollars", "$8K" -> "eight thousand dollars".
    - Singular for exactly one ("$1" -> "one dollar"), and before a noun
      ("a $5 bill" -> "a five dollar bill").
    - Ranges: "$5-10" -> "five to ten dollars"; rates: "$5/hr" -> "five dollars per hour".
    """

    TABLES = frozenset({"currencies", "place", "scales", "per", "determiners", "nouns", "not_nouns"})

    @classmethod
    def table_defines(cls, tables: dict) -> dict[str, str]:
        currencies = tables.get("currencies", {})
        for written, row in currencies.items():
            if not (isinstance(row, list) and len(row) in (2, 4)
                    and all(isinstance(word, str) for word in row)):
                raise ValueError(f"currency {written!r} must be [singular, plural] or "
                                 f"[singular, plural, minor singular, minor plural]")
        place = tables.get("place", {})
        unknown = set(place.values()) - {"before", "after", "both"}
        if unknown:
            raise ValueError(f"place must be before, after or both; found {', '.join(unknown)}")

        def where(written: str) -> str:
            return place.get(written, "both" if written.isalpha() else "before")

        scales = tables.get("scales", {})
        before = [written for written in currencies if where(written) != "after"]
        return {
            "CURRENCY_BEFORE": alternation(before),
            # Split so that the common rules start with a symbol, not with any capital letter.
            "CURRENCY_SYMBOL": alternation(w for w in before if not w[0].isalpha()),
            "CURRENCY_LETTERED": alternation(w for w in before if w[0].isalpha()),
            "CURRENCY_AFTER": alternation(w for w in currencies if where(w) != "before"),
            "SCALE_WORD": alternation(w for w, say in scales.items() if w == say),
            "SCALE_SPACED": alternation(w for w, say in scales.items() if w != say and len(w) > 1),
            "SCALE_ATTACHED": alternation(w for w, say in scales.items() if w != say),
            "PER": alternation(tables.get("per", {})),
            "DETERMINER": alternation(tables.get("determiners", [])),
            "MONEY_NOUN": alternation(tables.get("nouns", [])),
            "NOT_NOUN": alternation(tables.get("not_nouns", [])),
        }

    def sayers(self):
        return {**super().sayers(), "money": self.say_money}

    def say_money(self, match: regex.Match, group: str | None, args: dict, style: Style) -> str:
        """Groups: `currency` or `currency_after`, `amount`; optional `amount2`, `scale`, `per`, `sign`."""
        written = optional_group(match, "currency") or match.group("currency_after")
        row = self.tables["currencies"][written]
        scale_written = optional_group(match, "scale")
        scale = self.tables["scales"][scale_written] if scale_written else None
        adjectival = bool(args.get("adjectival"))
        amounts = [match.group("amount")]
        if optional_group(match, "amount2"):
            amounts.append(match.group("amount2"))
        if len(amounts) == 2 and not any(self._minor_split(a, row, scale) for a in amounts):
            numbers = " to ".join(verbalize.number_words(a, style=style) for a in amounts)
            words = [numbers, scale, row[0] if adjectival else row[1]]
        else:
            words = [" to ".join(self._read(a, row, scale, adjectival, style) for a in amounts)]
        per = optional_group(match, "per")
        if per:
            words += ["per", self.tables["per"][per]]
        sign = optional_group(match, "sign")
        return " ".join(word for word in [SIGN_WORDS.get(sign or ""), *words] if word)

    @staticmethod
    def _minor_split(amount: str, row: list, scale: str | None) -> tuple[str, str] | None:
        """(whole, cents) when the amount is read in major and minor units ("3.50")."""
        parts = NUMBER_PARTS_RE.fullmatch(amount)
        if scale or len(row) < 4 or parts is None or len(parts["frac"] or "") != 2:
            return None
        return parts["whole"] or "0", parts["frac"]

    def _read(self, amount: str, row: list, scale: str | None, adjectival: bool,
              style: Style) -> str:
        def unit(singular: str, plural: str, number: str) -> str:
            return singular if adjectival else verbalize.plural_noun(singular, plural, number)

        split = self._minor_split(amount, row, scale)
        if split is None:
            number = verbalize.number_words(amount, style=style)
            noun = row[1] if scale and not adjectival else unit(row[0], row[1], amount)
            return " ".join(word for word in (number, scale, noun) if word)
        whole, cents = split
        words = []
        if int(whole.replace(",", "")):
            words += [verbalize.cardinal(whole, style=style), unit(row[0], row[1], whole)]
        if int(cents) or not words:
            words += [verbalize.cardinal(cents, style=style), unit(row[2], row[3], cents)]
        return " ".join(words)
