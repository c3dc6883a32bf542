"""Numbers with units: "104 GB" -> "one hundred four gigabytes", "5 km/h" -> "five kilometers per hour".

>>> from normalizer.pipeline import load
>>> load().normalize("It was 72°F, 1 kg and a 12-in gun.").text
'It was seventy-two degrees Fahrenheit, one kilogram and a twelve-inch gun.'
"""

from __future__ import annotations

import regex

from .. import verbalize
from ..prefilter import compile_pattern
from ..verbalize import Style
from .base import RuleStage
from ..rules import alternation
from .money import SIGN_WORDS, optional_group


class MeasuresStage(RuleStage):
    """A number and a unit symbol: tables and rules in rules/measures.yaml.

    - Units from the table, case-sensitive: "104 GB" -> "one hundred four gigabytes",
      "1 Gb" -> "one gigabit", "3 GHz" -> "three gigahertz", "72°F" -> "seventy-two
      degrees Fahrenheit", "-5 °C" -> "minus five degrees Celsius".
    - Singular for exactly one: "1 kg" -> "one kilogram", "1.5 kg" -> "one point five kilograms".
    - Compound units: "5 km/h" -> "five kilometers per hour", "1,000 kg/m³" -> "one thousand
      kilograms per cubic meter", "50 m²" -> "fifty square meters", "2 sq ft" -> "two square feet".
    - Before a noun, singular: "a 12-in gun" -> "a twelve-inch gun", "a 5 kg bag" -> "a five
      kilogram bag".
    - Ranges: "3-5 km" -> "three to five kilometers".
    - Units that are also words ("in", "m", "s", "W") only in the contexts the rules give them:
      "3.875 in (98 mm)" is inches, "3 in a row" is not; primes only as feet and inches
      together: "6'2\"" -> "six feet two inches".
    """

    TABLES = frozenset({"units", "ambiguous", "lengths", "powers", "prefixes", "per_words",
                        "determiners", "not_nouns", "meter_cues"})

    def __init__(self, name: str, rules: list, tables: dict | None = None,
                 style: Style = verbalize.DEFAULT_STYLE, index=None):
        tables = tables or {}
        defines = self.table_defines(tables)
        # Splits a matched unit ("sq ft", "kg/m³", "GB/day") into the parts the table reads.
        self.unit_parts = compile_pattern(
            r"(?:(?P<prefix>{PREFIX})\s?)?(?P<base>{ANY})(?P<power>{POWER})?"
            r"(?:/(?:(?P<base2>{ANY})(?P<power2>{POWER})?|(?P<per>{PER_WORD})))?".format(**defines))
        super().__init__(name, rules, tables, style, index)

    @classmethod
    def table_defines(cls, tables: dict) -> dict[str, str]:
        units = tables.get("units", {})
        for written, row in units.items():
            if not (isinstance(row, list) and len(row) == 2 and all(isinstance(w, str) for w in row)):
                raise ValueError(f"unit {written!r} must be [singular, plural]")
        for key in ("ambiguous", "lengths"):
            missing = set(tables.get(key, [])) - set(units)
            if missing:
                raise ValueError(f"{key} lists {', '.join(sorted(missing))}, not in units")
        ambiguous = set(tables.get("ambiguous", []))
        defines = {
            "ANY": alternation(units),
            "SAFE": alternation(set(units) - ambiguous),
            "LENGTH": alternation(tables.get("lengths", [])),
            "POWER": alternation(tables.get("powers", {})),
            "PREFIX": alternation(tables.get("prefixes", {})),
            "PER_WORD": alternation(tables.get("per_words", [])),
            "DETERMINER": alternation(tables.get("determiners", [])),
            "NOT_NOUN": alternation(tables.get("not_nouns", [])),
            "METER_CUE": alternation(tables.get("meter_cues", [])),
        }
        # Most specific first: "sq ft", "kg/m³" and "m²" before the plain units.
        defines["UNIT"] = ("(?:{PREFIX})\\s?(?:{LENGTH})"
                           "|(?:{ANY})(?:{POWER})?/(?:(?:{ANY})(?:{POWER})?|(?:{PER_WORD})(?!\\p{{L}}))"
                           "|(?:{LENGTH})(?:{POWER})"
                           "|(?:{SAFE})").format(**defines)
        return defines

    def sayers(self):
        return {**super().sayers(), "measure": self.say_measure}

    def say_measure(self, match: regex.Match, group: str | None, args: dict, style: Style) -> str:
        """The groups `amount`, optional `amount2` (a range), `sign`, and `unit`."""
        amount, amount2 = match.group("amount"), optional_group(match, "amount2")
        number = verbalize.number_words(amount, style=style)
        if amount2:
            number += " to " + verbalize.number_words(amount2, style=style)
        singular = bool(args.get("adjectival")) or (not amount2 and verbalize.is_one(amount))
        unit = self._unit_words(match.group("unit"), singular)
        sign = SIGN_WORDS.get(optional_group(match, "sign") or "")
        if args.get("hyphen"):
            return " ".join(filter(None, [sign, number])) + "-" + unit
        return " ".join(filter(None, [sign, number, unit]))

    def _unit_words(self, written: str, singular: bool) -> str:
        parts = self.unit_parts.fullmatch(written)
        words = self._part(parts["base"], parts["power"], parts["prefix"], 0 if singular else 1)
        if parts["base2"]:
            words += " per " + self._part(parts["base2"], parts["power2"], None, 0)
        elif parts["per"]:
            words += " per " + parts["per"]
        return words

    def _part(self, base: str, power: str | None, prefix: str | None, form: int) -> str:
        words = self.tables["units"][" ".join(base.split())][form]
        if prefix:
            return f"{self.tables['prefixes'][prefix]} {words}"
        if not power:
            return words
        before, after = self.tables["powers"][power]
        return f"{before} {words}" if base in self.tables["lengths"] else f"{words} {after}"
