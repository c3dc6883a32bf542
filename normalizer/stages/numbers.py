"""Numbers: cardinals, decimals, ordinals, fractions, percentages, years, ranges, phone
numbers and Roman numerals, read from the digits the earlier stages left.

>>> from normalizer.pipeline import load
>>> load().normalize("In 1995, 3-5 of the 97% said Henry VIII was 1st.").text
'In nineteen ninety-five, three to five of the ninety-seven percent said Henry the Eighth was first.'
"""

from __future__ import annotations

import regex

from .. import verbalize
from ..rules import alternation
from ..verbalize import Style
from .base import RuleStage, Sayer, group_text

# Defines built from tables: NAME -> (table, the case forms of its words that count).
# "In 1990" and "CHAPTER IX" count; the numeral "I" needs a capitalized cue ("Part I").
WORD_DEFINES = {
    "YEAR_CUES": ("year_cues", ("lower", "title", "upper")),
    "MONTHS": ("months", ("title", "upper")),
    "COUNT_WORDS": ("count_words", ("lower",)),
    "NOT_PLURALS": ("not_plurals", ("lower",)),
    "RATIO_CUES": ("ratio_cues", ("lower", "title")),
    "ROMAN_CUES": ("roman_cues", ("title", "upper", "lower")),
    "ROMAN_CUES_CAPITALIZED": ("roman_cues", ("title", "upper")),
    "REGNAL_NAMES": ("regnal_names", ("title", "upper")),
    "NUMBER_PAIRS": ("number_pairs", ("lower",)),
    "STREET_WORDS": ("street_words", ("title", "upper")),
    "DIGIT_CUES": ("digit_cues", ("title", "upper", "lower")),
    "NOT_NAMES": ("not_names", ("title",)),
    "CALIBER_WORDS": ("caliber_words", ("lower", "title")),
    "NUMBERED_BOOKS": ("numbered_books", ("title", "upper")),
}


def _variants(word: str, cases: tuple[str, ...]) -> set[str]:
    forms = {"lower": word.lower(), "title": word[:1].upper() + word[1:], "upper": word.upper()}
    return {forms[case] for case in cases}




def title_words(text: str) -> str:
    """'the twenty-fourth' -> 'the Twenty-Fourth': a numeral in a name is capitalized."""
    return " ".join(word if word == "the" else "-".join(part[:1].upper() + part[1:]
                                                        for part in word.split("-"))
                    for word in text.split(" "))


def say_roman_name(match: regex.Match, group: str | None, args: dict, style: Style) -> str:
    """A Roman numeral in a name or heading: "Chapter IV" -> "Four", "Henry VIII" -> "the
    Eighth" (`args.ordinal`; `args.article: false` drops "the"). Capitalized like a name,
    also after a word in capitals ("CHAPTER IX" -> "CHAPTER Nine"): a word in capitals
    would be spelled out by the letters stage on a second run."""
    value = verbalize.roman_value(group_text(match, group))
    if value is None:
        return match.group(0)
    words = (verbalize.ordinal if args.get("ordinal") else verbalize.cardinal)(str(value), style=style)
    if args.get("ordinal") and args.get("article", True):
        words = "the " + words
    return title_words(words)


def say_times(match: regex.Match, group: str | None, args: dict, style: Style) -> str:
    """The "x" of a multiplier ("10x"): "x", or "times" with the style `x_as_times`.

    >>> from dataclasses import replace
    >>> from normalizer.pipeline import Pipeline, read_spec
    >>> spec = read_spec()
    >>> Pipeline(replace(spec, style=replace(spec.style, x_as_times=True))).normalize("a 10x gain").text
    'a ten times gain'
    """
    return "times" if style.x_as_times else "x"


def say_year_range(match: regex.Match, group: str | None, args: dict, style: Style) -> str:
    """Groups `first` and `last`; a two-digit last year takes the first one's century
    ("1974-75" -> "nineteen seventy-four to nineteen seventy-five")."""
    first, last = match.group("first"), match.group("last")
    if len(last) == 2:
        last = first[:2] + last
    return f"{verbalize.year(first, style=style)} to {verbalize.year(last, style=style)}"


def say_short_year(match: regex.Match, group: str | None, args: dict, style: Style) -> str:
    """Two digits of a year: "95" -> "ninety-five", "05" -> "oh five"."""
    return verbalize.two_digit_year(group_text(match, group), style=style)


def say_mixed_fraction(match: regex.Match, group: str | None, args: dict, style: Style) -> str:
    """Groups `whole`, `numerator`, `denominator`: "2 1/2" -> "two and a half"."""
    return verbalize.mixed_fraction(match.group("whole"), match.group("numerator"),
                                    match.group("denominator"), style=style)


def say_pair(match: regex.Match, group: str | None, args: dict, style: Style) -> str:
    """Two numbers around a slash said one after the other: "50/50" -> "fifty fifty"."""
    return " ".join(verbalize.cardinal(side, style=style)
                    for side in group_text(match, group).split("/"))


def say_fraction(match: regex.Match, group: str | None, args: dict, style: Style) -> str:
    """Groups `numerator` and `denominator`, thousands commas allowed ("1/28,000")."""
    return verbalize.fraction(match.group("numerator").replace(",", ""),
                              match.group("denominator").replace(",", ""), style=style)


def say_version(match: regex.Match, group: str | None, args: dict, style: Style) -> str:
    """A dotted number: "3.11.2" -> "three point one one point two"."""
    return verbalize.dotted_number(group_text(match, group), style=style)


class NumbersStage(RuleStage):
    """The numbers stage: rules from rules/numbers.yaml.

    - cardinals and decimals: "100,000" -> "one hundred thousand", ".5" -> "point five",
      "-5" -> "minus five", "+3" -> "plus three", "~40" -> "about forty"
    - ordinals, fractions, percentages: "103rd" -> "one hundred third", "5/8" -> "five
      eighths", "2 1/2" -> "two and a half", "3.5%" -> "three point five percent"
    - years only with a year cue: "in 1995" -> "in nineteen ninety-five", "2000 people"
      stays a cardinal; decades: "1990s" -> "nineteen nineties", "'90s" -> "nineties";
      house numbers in pairs like years: "214 Neely Street" -> "two fourteen Neely Street"
    - ranges and pairs: "1990-1995" -> "nineteen ninety to nineteen ninety-five", "3-5" ->
      "three to five", "24/7" -> "twenty-four seven", "16:9" -> "sixteen to nine"
    - digit strings: "555-123-4567" -> "five five five, one two three, four five six seven",
      "02139" -> "zero two one three nine"
    - multipliers: "10x" -> "ten x" ("ten times" with the style `x_as_times`), "2x3" ->
      "two by three"
    - Roman numerals only after a cue word or a name, or heading a line: "World War II" ->
      "World War Two", "Louis XIV" -> "Louis the Fourteenth", "XVII." -> "Seventeen.";
      never the pronoun "I", never "MIX" or "an IV drip"
    """

    TABLES = frozenset(table for table, _ in WORD_DEFINES.values()) | {"vulgar_fractions"}

    @classmethod
    def table_defines(cls, tables: dict) -> dict[str, str]:
        defines = {}
        for name, (key, cases) in WORD_DEFINES.items():
            words = tables.get(key, [])
            if not isinstance(words, list) or not all(isinstance(w, str) for w in words):
                raise ValueError(f"'{key}' must be a list of words")
            forms = {form for word in words for form in _variants(word, cases)}
            defines[name] = alternation(sorted(forms)) if forms else "(?!)"
        vulgar = tables.get("vulgar_fractions", {})
        if not isinstance(vulgar, dict):
            raise ValueError("'vulgar_fractions' must map characters to 'numerator/denominator'")
        defines["VULGAR_FRACTIONS"] = alternation(list(vulgar)) if vulgar else "(?!)"
        return defines

    def sayers(self) -> dict[str, Sayer]:
        vulgar = {char: value.split("/") for char, value in
                  self.tables.get("vulgar_fractions", {}).items()}

        def say_vulgar(match: regex.Match, group: str | None, args: dict, style: Style) -> str:
            numerator, denominator = vulgar[match.group("vulgar")]
            whole = match.group("whole")
            if whole:
                return verbalize.mixed_fraction(whole, numerator, denominator, style=style)
            return verbalize.fraction(numerator, denominator, style=style)

        return {**super().sayers(), "fraction": say_fraction, "mixed_fraction": say_mixed_fraction,
                "vulgar_fraction": say_vulgar, "pair_numbers": say_pair, "times": say_times,
                "year_range": say_year_range, "short_year": say_short_year,
                "version": say_version, "roman_name": say_roman_name}
