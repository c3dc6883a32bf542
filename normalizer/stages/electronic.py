"""URLs, e-mail addresses, file names and handles, read out: "example.com" -> "example dot com".

>>> from normalizer.edits import Edit, apply_edits
>>> from normalizer.pipeline import load
>>> stage = load().stage("electronic")
>>> text = "Mail a@b.org or see https://x.io/docs and run.c."
>>> apply_edits(text, [edit for edit in stage(text) if isinstance(edit, Edit)])
'Mail a at b dot org or see x dot i o slash docs and run dot c.'
"""

from __future__ import annotations

import regex

from .. import verbalize
from ..rules import Rule
from ..verbalize import DEFAULT_STYLE, Style
from .base import RuleStage, group_text
from ..rules import alternation

# An address is read piece by piece: runs of letters, runs of digits, single symbols.
PIECE_RE = regex.compile(r"(?P<digits>[0-9]+)|(?P<word>[^\W_0-9]+)|(?P<symbol>.)")
# Where a hashtag's words meet: "BlackLives", "AIArt", "COVID19", "big_data".
TAG_BREAK_RE = regex.compile(
    r"(?<=\p{Lu}\p{Ll}+|\p{Ll}{2})(?=\p{Lu})|(?<=\p{Lu})(?=\p{Lu}\p{Ll})"
    r"|(?<=\p{L})(?=[0-9])|(?<=[0-9])(?=\p{L})|_+")


class ElectronicStage(RuleStage):
    """The electronic stage (rules/electronic.yaml).

    - Web addresses: "https://x.io/docs" -> "x dot i o slash docs", "www.google.com" ->
      "w w w dot google dot com"; a sentence period after one stays ("Visit example.com.").
    - E-mail addresses and handles: "a@b.org" -> "a at b dot org", "@karpathy" -> "at karpathy".
    - File names: "run.c" -> "run dot c", "main.py" -> "main dot p y".
    - Hashtags: "#BlackLivesMatter" -> "hashtag Black Lives Matter".
    """

    TABLES = frozenset({"tlds", "extensions", "spelled", "spoken", "symbols"})

    def __init__(self, name: str, rules: list[Rule], tables: dict | None = None,
                 style: Style = DEFAULT_STYLE, index=None):
        tables = tables or {}
        self.spelled = frozenset(tables.get("spelled", []))
        self.spoken = dict(tables.get("spoken", {}))
        self.symbols = dict(tables.get("symbols", {}))
        super().__init__(name, rules, tables, style, index)

    @classmethod
    def table_defines(cls, tables: dict) -> dict[str, str]:
        return {"TLD": alternation(tables.get("tlds", [])),
                "EXTENSION": alternation(tables.get("extensions", []))}

    def sayers(self):
        return {**super().sayers(), "address": self.say_address, "words": say_words}

    def say_address(self, match: regex.Match, group, args: dict, style: Style) -> str:
        """Group `address` piece by piece; a trailing slash is not said."""
        address = match["address"].rstrip("/")
        words: list[str] = []
        after_dot = False
        for piece in PIECE_RE.finditer(address):
            text = piece.group()
            if piece.lastgroup == "digits":
                words.append(verbalize.digits(text))
            elif piece.lastgroup == "word":
                words.append(self.piece(text, after_dot))
            else:
                words.append(self.symbols.get(text, text))
            after_dot = text == "."
        return " ".join(words)

    def piece(self, word: str, after_dot: bool) -> str:
        lower = word.lower()
        if lower in self.spoken:
            return self.spoken[lower]
        if lower in self.spelled and (after_dot or lower == "www"):
            return verbalize.letters(word)
        return word


def say_words(match: regex.Match, group, args: dict, style: Style) -> str:
    """The words run together in a tag, apart: "BlackLivesMatter" -> "Black Lives Matter"."""
    return TAG_BREAK_RE.sub(" ", group_text(match, group)).strip()
