"""Symbols left between words: "Q&A" -> "Q and A", "a + b" -> "a plus b".

>>> from normalizer.edits import Edit, apply_edits
>>> from normalizer.pipeline import load
>>> stage = load().stage("symbols")
>>> text = "Q&A: is a + b = c, and/or x < y?"
>>> apply_edits(text, [edit for edit in stage(text) if isinstance(edit, Edit)])
'Q and A: is a plus b equals c, and or x less than y?'
"""

from __future__ import annotations

import regex

from ..verbalize import Style
from .base import RuleStage


# No space is added after opening or before closing punctuation; none before a sign that
# a rule here reads either, since that rule's word ends with a space of its own.
OPENING = frozenset("([{\"'")
CLOSING = frozenset(".,;:!?)]}\"'")
SIGNS = frozenset("&+=×*<>≤≥°~%")


def say_spaced(match: regex.Match, group, args: dict, style: Style) -> str:
    """`args.word`, apart from what it touches: "Q&A" -> "Q and A", "Q & A" -> "Q and A",
    "(5%)" -> "(5 percent)", "&%" -> "and percent", "@×" -> "@ times"."""
    text, start, end = match.string, match.start(), match.end()
    previous = text[start - 1] if start > 0 else " "
    following = text[end] if end < len(text) else " "
    before = "" if previous.isspace() or previous in OPENING or previous in SIGNS else " "
    after = "" if following.isspace() or following in CLOSING else " "
    return before + args["word"] + after


class SymbolsStage(RuleStage):
    """The symbols stage (rules/symbols.yaml).

    - "&" is "and": "Q&A" -> "Q and A", "R&D" -> "R and D", "Simon & Schuster".
    - Arithmetic and comparison: "a + b = c" -> "a plus b equals c", "x < y" -> "x less
      than y", "C++" -> "C plus plus", "A+" -> "A plus".
    - "@" alone is "at", a bare "°" is "degrees", "~" is "about", "%" left over is "percent".
    - A slash between words is not said: "and/or" -> "and or"; "C#" -> "C sharp".
    - Emphasis asterisks and bullets are dropped: "*really*" -> "really".
    """

    def sayers(self):
        return {**super().sayers(), "spaced": say_spaced}
