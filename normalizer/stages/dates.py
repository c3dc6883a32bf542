"""Dates and times: "Jan 5, 2023" -> "January fifth, twenty twenty-three", "3:30pm" -> "three thirty p m".

>>> from normalizer.pipeline import load
>>> load().normalize("On 2023-01-05 at 3:30pm EST.").text
'On January fifth, twenty twenty-three at three thirty p m E S T.'
"""

from __future__ import annotations

from typing import Iterable

import regex

from .. import verbalize
from ..rules import Rule, alternation
from ..verbalize import DEFAULT_STYLE, Style
from .base import RuleStage, group_text




def spellings(words: Iterable[str]) -> list[str]:
    """Each word as written in the table (Title case) and in capitals ("JAN 5")."""
    return [variant for word in words for variant in (word, word.upper())]


def name_lookup(rows: list[list[str]]) -> dict[str, str]:
    """Lowercase name or abbreviation, and 1-based position, -> full name."""
    lookup = {}
    for number, (name, *abbreviations) in enumerate(rows, 1):
        lookup[str(number)] = name
        for spelling in (name, *abbreviations):
            lookup[spelling.lower()] = name
    return lookup


class DatesStage(RuleStage):
    """Dates and times, with the month, weekday, meridiem and time zone tables of dates.yaml.

    - A month name or abbreviation next to a day or a year is a date: "Jan. 5" -> "January
      fifth", "Sept 2023" -> "September twenty twenty-three"; "May I" is not.
    - A date with a day and a year is "January fifth, twenty twenty-three" however it is
      written: "Jan 5, 2023", "2023-01-05", "5 January 2023" (SPEC), "5/8/2023" (month first,
      flagged when the day could be the month).
    - "the 5th of January" keeps its order: "the fifth of January".
    - Times: "3:30pm" -> "three thirty p m", "10:00" -> "ten o'clock", "3:05" -> "three oh
      five", "14:45" -> "fourteen forty-five", "10:30:15" -> "ten thirty and fifteen seconds",
      "3pm EST" -> "three p m E S T", "10-11am" -> "ten to eleven a m"; "0:02:01" (zero
      hours: a timestamp) -> "two minutes and one second".
    - The period of "p.m." or "Oct." stays where it also ends the sentence.
    """

    TABLES = frozenset({"months", "weekdays", "meridiems", "zones", "continuing_words"})

    def __init__(self, name: str, rules: list[Rule], tables: dict | None = None,
                 style: Style = DEFAULT_STYLE, index=None):
        tables = tables or {}
        self.months = name_lookup(tables.get("months", []))
        self.weekdays = name_lookup(tables.get("weekdays", []))
        self.meridiems = tables.get("meridiems", {})
        self.zones = tables.get("zones", {})
        super().__init__(name, rules, tables, style, index)

    @classmethod
    def table_defines(cls, tables: dict) -> dict[str, str]:
        months, weekdays = tables["months"], tables["weekdays"]
        month_names = [row[0] for row in months]
        weekday_names = [row[0] for row in weekdays]
        return {
            "MONTH": rf"(?:{alternation(spellings(month_names))}|"
                     rf"(?:{alternation(spellings(a for row in months for a in row[1:]))})\.?)(?!\w)",
            "WEEKDAY_ABBR": rf"(?:{alternation(spellings(a for row in weekdays for a in row[1:]))})(?!\w)",
            "ZONE": alternation(tables["zones"]),
            "CONTINUES": alternation([*tables["continuing_words"], *month_names, *weekday_names,
                                      *tables["zones"]]),
        }

    def sayers(self):
        return {**super().sayers(), "month": self.say_month, "weekday": self.say_weekday,
                "date_year": say_date_year, "clock": self.say_clock, "meridiem": self.say_meridiem}

    def say_month(self, match: regex.Match, group: str | None, args: dict, style: Style) -> str:
        """A month name, abbreviation or number as its full name; capitals stay capitals."""
        return self._full_name(self.months, group_text(match, group))

    def say_weekday(self, match: regex.Match, group: str | None, args: dict, style: Style) -> str:
        return self._full_name(self.weekdays, group_text(match, group))

    @staticmethod
    def _full_name(lookup: dict[str, str], written: str) -> str:
        key = written.rstrip(".").lower()
        name = lookup[key.lstrip("0") if key.isdigit() else key]
        return name.upper() if written.rstrip(".").isupper() and len(written) > 1 else name

    def say_meridiem(self, match: regex.Match, group: str | None, args: dict, style: Style) -> str:
        """The spoken form of a.m./p.m. however written ("PM", "p. m."), by its first letter."""
        return self.meridiems[group_text(match, group)[0].lower()]

    def say_clock(self, match: regex.Match, prefix: str | None, args: dict, style: Style) -> str:
        """The time in the groups hour, minute, second, meridiem, zone (+ offset), or in
        from_hour, from_minute, from_meridiem with `{clock:from}` (the start of a range)."""
        groups = match.groupdict()
        key = f"{prefix}_" if prefix else ""
        hour, minute, second = groups.get(key + "hour"), groups.get(key + "minute"), groups.get(key + "second")
        meridiem = groups.get(key + "meridiem")
        # On the hour, "o'clock" is not said next to a.m./p.m., "o'clock", "noon", nor at the
        # start of a range ("10:00-11:30" -> "ten to eleven thirty").
        if minute == "00" and not second and (meridiem or prefix or groups.get("oclock_after") is not None):
            minute = None
        words = [verbalize.clock(hour, minute, second, style=style)]
        if meridiem:
            words.append(self.say_meridiem(match, key + "meridiem", args, style))
        if not prefix and groups.get("zone"):
            words.append(self.zones[groups["zone"]])
            if groups.get("offset"):
                words.append(verbalize.cardinal(groups["offset"], style=style))
        return " ".join(words)


def say_date_year(match: regex.Match, group: str | None, args: dict, style: Style) -> str:
    """A year of a numeric date: four digits as a year, two as written ("00" -> "oh oh")."""
    text = group_text(match, group)
    if len(text) == 2:
        return verbalize.two_digit_year(text, style=style)
    return verbalize.year(text, style=style)
