"""Titles, street words, Latin abbreviations: "Dr. Smith" -> "Doctor Smith", "e.g." -> "for example".

>>> from normalizer.edits import Edit, apply_edits
>>> from normalizer.pipeline import load
>>> stage = load().stage("abbreviations")
>>> text = "Dr. Smith of St. Louis lives on Elm St. with cats, dogs, etc."
>>> apply_edits(text, [edit for edit in stage(text) if isinstance(edit, Edit)])
'Doctor Smith of Saint Louis lives on Elm Street with cats, dogs, et cetera.'
"""

from __future__ import annotations

import regex

from ..rules import Rule
from ..verbalize import DEFAULT_STYLE, Style
from .base import RuleStage, group_text
from ..rules import alternation

# Table -> the {NAME} its abbreviations are matched by; True where a capitalized first
# letter is also accepted ("E.g.", "Vol. 2").
TABLE_DEFINES = {"titles": ("TITLE", False), "streets": ("STREET", False),
                 "suffixes": ("SUFFIX", False), "words": ("WORD", True),
                 "closing_words": ("CLOSING", True), "numbered": ("NUMBERED", True)}


def spellings(table: dict, capitalized: bool) -> dict[str, str]:
    """Each written form of a table's abbreviations -> what is said."""
    forms = {}
    for written, said in table.items():
        if not (isinstance(written, str) and isinstance(said, str)):
            raise ValueError(f"{written!r}: {said!r} must map text to text (quote 'No')")
        forms[written] = said
        if capitalized and len(written) > 1:
            forms.setdefault(written[0].upper() + written[1:], said)
    return forms


class AbbreviationsStage(RuleStage):
    """The abbreviations stage (rules/abbreviations.yaml).

    - Titles before a name: "Mr." -> "Mister", "Dr. Smith" -> "Doctor Smith", "St. Louis"
      -> "Saint Louis"; street words after one: "Elm St." -> "Elm Street".
    - After a name: "Jr." -> "Junior", "Acme Inc." -> "Acme Incorporated".
    - Anywhere: "e.g." -> "for example", "i.e." -> "that is", "etc." -> "et cetera", "vs."
      -> "versus"; before a number: "No. 5" -> "number 5".
    - Dotted capitals are spelled: "U.S." -> "U S".
    - No stray period is left, and a period that also ends the sentence stays:
      "Dr. John." -> "Doctor John.", "..., etc." -> "..., et cetera.".
    """

    TABLES = frozenset(TABLE_DEFINES) | {"sentence_starters"}

    def __init__(self, name: str, rules: list[Rule], tables: dict | None = None,
                 style: Style = DEFAULT_STYLE, index=None):
        tables = tables or {}
        self.forms = {table: spellings(tables.get(table, {}), capitalized)
                      for table, (_, capitalized) in TABLE_DEFINES.items()}
        super().__init__(name, rules, tables, style, index)

    @classmethod
    def table_defines(cls, tables: dict) -> dict[str, str]:
        defines = {define: alternation(list(spellings(tables.get(table, {}), capitalized)))
                   for table, (define, capitalized) in TABLE_DEFINES.items()}
        return {**defines, "STARTER": alternation(tables.get("sentence_starters", []))}

    def sayers(self):
        return {**super().sayers(), "expand": self.say_expand, "initials": say_initials}

    def say_expand(self, match: regex.Match, group, args: dict, style: Style) -> str:
        """Group `abbr` (or `group`) looked up in `args.table`, and the sentence's period if
        the rule's group `end` took it."""
        said = self.forms[args["table"]][group_text(match, group or "abbr")]
        return said + (match.groupdict().get("end") or "")


def say_initials(match: regex.Match, group, args: dict, style: Style) -> str:
    """Letters written with periods, spelled: "U.S" -> "U S"."""
    return " ".join(char for char in group_text(match, group) if char.isalpha())
