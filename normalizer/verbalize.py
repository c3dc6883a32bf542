"""Number words for the default English profile: digits in, speakable lowercase words out.

Every stage that says a number calls this module, so the SPEC's number conventions
(no commas, no "and", hyphenated tens, years in pairs) are pinned here once, by `Style`.
It is the only module that imports num2words, and it does so on the first number it
reads, not at import. Inputs are always digit strings, never floats (floats lose digits).

>>> cardinal("1,905"), year("1905"), ordinal("21"), fraction("3", "4")
('one thousand nine hundred five', 'nineteen oh five', 'twenty-first', 'three quarters')
"""

import functools
from dataclasses import dataclass

import regex


@dataclass(frozen=True, slots=True)
class Style:
    """The SPEC *style* choices; `pipeline.yaml` sets them, every verbalizer takes one.

    - and_in_numbers: "one hundred and four" (British, "and" before the tens and units
      of each group) instead of "one hundred four". Default off, as in the SPEC table.
    - hyphens: "twenty-three" instead of "twenty three". Default on: the standard
      spelling, and the one the SPEC uses.
    - x_as_times: "10x" read as "ten times" instead of "ten x". Default off, as in the
      SPEC table. Read by the numbers stage, not here.
    - capitalize_sentence_start: "Seven billion ..." at the start of a sentence
      (SPEC, Keep). Default on. Read by the capitalize stage, not here.
    """

    and_in_numbers: bool = False
    hyphens: bool = True
    x_as_times: bool = False
    capitalize_sentence_start: bool = True


DEFAULT_STYLE = Style()

# Past 36 digits num2words says "undecillion" and beyond (and overflows at 10**303): words
# no speaker uses. A digit string that long is an ID or a constant, so read it digit by digit.
MAX_CARDINAL_DIGITS = 36

DIGIT_WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")

SIGN_WORDS = {"": "", "-": "minus", "\N{MINUS SIGN}": "minus", "+": "plus"}

GROUPED_RE = regex.compile(r"[0-9]{1,3}(?:,[0-9]{3})+")   # thousands grouped: "1,234"
# Optional sign, integer part with or without well-formed thousands commas, optional decimals.
NUMBER_RE = regex.compile(
    rf"(?P<sign>[-+\N{{MINUS SIGN}}]?)(?P<whole>{GROUPED_RE.pattern}|[0-9]*)(?:\.(?P<frac>[0-9]+))?"
)
DIGITS_RE = regex.compile(r"[0-9]+")
ONE_RE = regex.compile(r"[-+\N{MINUS SIGN}]?0*1")
ROMAN_RE = regex.compile(r"M{0,3}(?:CM|CD|D?C{0,3})(?:XC|XL|L?X{0,3})(?:IX|IV|V?I{0,3})")
ROMAN_VALUES = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100, "D": 500, "M": 1000}


@functools.cache
def _converter():
    # Lazy: the num2words package builds all of its languages on first import (about
    # 30 ms); a run whose text has no numbers never pays for it. One converter, reused.
    from num2words.lang_EN import Num2Word_EN

    return Num2Word_EN()


@functools.lru_cache(maxsize=65536)
def _int_words(number: str, style: Style, as_ordinal: bool = False) -> str:
    # num2words/lang_EN.py:merge joins groups with ", " and puts "and" before every
    # tens/units part that follows a hundred or a scale word (British usage). Commas
    # always go (SPEC: no punctuation added inside a verbalization); "and" goes unless
    # the style asks for it, and hyphens become spaces when the style says so.
    value = int(number)
    raw = _converter().to_ordinal(value) if as_ordinal else _converter().to_cardinal(value)
    words = raw.replace(",", "").split()
    if not style.and_in_numbers:
        words = [word for word in words if word != "and"]
    text = " ".join(words)
    return text if style.hyphens else text.replace("-", " ")


def _parse(text: str) -> tuple[str, str, str | None]:
    """Split a number string into (sign word, integer digits, decimal digits or None)."""
    match = NUMBER_RE.fullmatch(text)
    if match is None or not (match["whole"] or match["frac"]):
        raise ValueError(f"not a number: {text!r}")
    return SIGN_WORDS[match["sign"]], match["whole"].replace(",", ""), match["frac"]


def _whole(number: str, style: Style) -> str:
    number = number.lstrip("0") or "0"
    if len(number) > MAX_CARDINAL_DIGITS:
        return digits(number)
    return _int_words(number, style)


def _join(*parts: str) -> str:
    return " ".join(part for part in parts if part)


def cardinal(text: str, *, style: Style = DEFAULT_STYLE) -> str:
    """
    >>> cardinal("23"), cardinal("104"), cardinal("100,000"), cardinal("007")
    ('twenty-three', 'one hundred four', 'one hundred thousand', 'seven')
    >>> cardinal("-5"), cardinal("+3"), cardinal("0")
    ('minus five', 'plus three', 'zero')
    >>> cardinal("1905", style=Style(and_in_numbers=True, hyphens=False))
    'one thousand nine hundred and five'
    >>> from num2words import num2words  # the raw quirks this module strips
    >>> num2words(1905), num2words(1905, to="year"), num2words(2005, to="year")
    ('one thousand, nine hundred and five', 'nineteen oh-five', 'two thousand and five')

    An integer, with an optional sign and thousands commas. Leading zeros are not
    spoken. More than 36 significant digits are read digit by digit, in linear time.
    Raises ValueError for anything else (use `number_words` for decimals).
    """
    sign, whole, frac = _parse(text)
    if frac is not None or not whole:
        raise ValueError(f"not an integer: {text!r}")
    return _join(sign, _whole(whole, style))


def decimal(text: str, *, style: Style = DEFAULT_STYLE) -> str:
    """
    >>> decimal("3.5"), decimal("0.75"), decimal(".5")
    ('three point five', 'zero point seven five', 'point five')
    >>> decimal("1,234.05"), decimal("-2.5"), decimal("12")
    ('one thousand two hundred thirty-four point zero five', 'minus two point five', 'twelve')

    The integer part is a cardinal, the decimals are read digit by digit. A number
    without a point reads as its cardinal.
    """
    sign, whole, frac = _parse(text)
    whole_words = _whole(whole, style) if whole else ""
    if frac is None:
        return _join(sign, whole_words)
    return _join(sign, whole_words, "point", digits(frac))


def number_words(text: str, *, style: Style = DEFAULT_STYLE) -> str:
    """
    >>> number_words("-1,000"), number_words("2.50")
    ('minus one thousand', 'two point five zero')

    The reading of any plain number a rule captured: a cardinal for an integer, a
    decimal reading when there is a point. Trailing decimal zeros are kept: the
    writer chose to show them.
    """
    return decimal(text, style=style)


def ordinal(text: str, *, style: Style = DEFAULT_STYLE) -> str:
    """
    >>> ordinal("1"), ordinal("12"), ordinal("21"), ordinal("103"), ordinal("100")
    ('first', 'twelfth', 'twenty-first', 'one hundred third', 'one hundredth')
    >>> ordinal("103", style=Style(and_in_numbers=True))
    'one hundred and third'

    A non-negative integer, thousands commas allowed. Past 36 digits the digits are
    read one by one and only the last one is ordinal ("one two ... third").
    """
    sign, whole, frac = _parse(text)
    if sign or frac is not None or not whole:
        raise ValueError(f"not an ordinal number: {text!r}")
    whole = whole.lstrip("0") or "0"
    if len(whole) > MAX_CARDINAL_DIGITS:
        return _join(digits(whole[:-1]), _int_words(whole[-1], style, as_ordinal=True))
    return _int_words(whole, style, as_ordinal=True)


def year(text: str, *, style: Style = DEFAULT_STYLE) -> str:
    """
    >>> year("1995"), year("2023"), year("2010"), year("1066")
    ('nineteen ninety-five', 'twenty twenty-three', 'twenty ten', 'ten sixty-six')
    >>> year("2005"), year("2000"), year("1900"), year("1901"), year("1200")
    ('two thousand five', 'two thousand', 'nineteen hundred', 'nineteen oh one', 'twelve hundred')
    >>> year("476"), year("905"), year("800"), year("33")
    ('four seventy-six', 'nine oh five', 'eight hundred', 'thirty-three')

    Years are read in pairs (SPEC), as num2words' `to="year"` does, minus its
    hyphenated "oh-five" and its "two thousand and five":
    - the last two digits 01-09 are "oh" and a digit ("nineteen oh one"), except after
      a round thousand, where speakers say "two thousand five";
    - 00 is "hundred" ("nineteen hundred"), or the cardinal after a round thousand;
    - 3-digit years follow the same rule with a one-digit first part ("four
      seventy-six", "nine oh five", "eight hundred"): that is how "476 AD" is said,
      and it keeps "in 476" apart from the quantity "four hundred seventy-six";
    - 1-2 and 5+ digit years are cardinals.
    """
    if DIGITS_RE.fullmatch(text) is None:
        raise ValueError(f"not a year: {text!r}")
    number = text.lstrip("0") or "0"
    if len(number) not in (3, 4):
        return _whole(number, style)
    head, tail = number[:-2], number[-2:]
    if head.endswith("0") and tail.startswith("0"):
        return _int_words(number, style)  # 2000, 2005: "two thousand five"
    head_words = _int_words(head, style)
    if tail == "00":
        return f"{head_words} hundred"
    if tail.startswith("0"):
        return f"{head_words} oh {DIGIT_WORDS[int(tail)]}"
    return f"{head_words} {_int_words(tail, style)}"


def decade(text: str, *, style: Style = DEFAULT_STYLE) -> str:
    """
    >>> decade("1990"), decade("90"), decade("2010"), decade("80")
    ('nineteen nineties', 'nineties', 'twenty tens', 'eighties')
    >>> decade("2000"), decade("1900")
    ('two thousands', 'nineteen hundreds')

    The digits of a decade without its "s" ("1990s" -> "1990"): the year reading with
    its last word made plural.
    """
    return plural_words(year(text, style=style))


def two_digit_year(text: str, *, style: Style = DEFAULT_STYLE) -> str:
    """
    >>> two_digit_year("99"), two_digit_year("05"), two_digit_year("00")
    ('ninety-nine', 'oh five', 'oh oh')

    A year written with two digits ("10/10/00", "6/25/05"), said as written: a leading
    zero is "oh". The century is not guessed.
    """
    if DIGITS_RE.fullmatch(text) is None or len(text) != 2:
        raise ValueError(f"not a two-digit year: {text!r}")
    if text.startswith("0"):
        return digits(text, zero="oh")
    return _int_words(text, style)


def clock(hour: str, minute: str | None = None, second: str | None = None, *,
          style: Style = DEFAULT_STYLE) -> str:
    """
    >>> clock("3", "30"), clock("3", "05"), clock("14", "45"), clock("3")
    ('three thirty', 'three oh five', 'fourteen forty-five', 'three')
    >>> clock("10", "00"), clock("09", "00"), clock("14", "00"), clock("0", "30")
    ("ten o'clock", "nine o'clock", 'fourteen hundred', 'zero thirty')
    >>> clock("10", "30", "15"), clock("10", "30", "01"), clock("0", "02", "01")
    ('ten thirty and fifteen seconds', 'ten thirty and one second', 'two minutes and one second')

    A time of day from its digit fields (SPEC: "3:05" is "three oh five", "10:00" is
    "ten o'clock", "14:45" is "fourteen forty-five"):
    - no minute field: the bare hour (the caller adds "a m", "p m");
    - minutes 01-09 are "oh" and a digit;
    - on the hour a 12-hour clock (1-12) says "o'clock", a 24-hour one (0, 13-23) "hundred";
    - seconds follow as "and fifteen seconds"; with zero hours ("0:02:01", a timestamp
      in a recording) the time is elapsed time, read as minutes and seconds.
    """
    if second is not None and int(hour) == 0:
        said = [f"{_whole(number, style)} {plural_noun(unit, unit + 's', number)}"
                for number, unit in ((minute, "minute"), (second, "second")) if int(number)]
        return " and ".join(said) or "zero seconds"
    hour_words = _whole(hour, style)
    if minute is None:
        text = hour_words
    elif minute == "00":
        text = hour_words + (" o'clock" if 1 <= int(hour) <= 12 else " hundred")
    elif minute.startswith("0"):
        text = f"{hour_words} oh {DIGIT_WORDS[int(minute)]}"
    else:
        text = f"{hour_words} {_int_words(minute, style)}"
    if second is not None and int(second):
        text += f" and {_whole(second, style)} {plural_noun('second', 'seconds', second)}"
    return text


def digits(text: str, *, zero: str = "zero") -> str:
    """
    >>> digits("555"), digits("2001", zero="oh")
    ('five five five', 'two oh oh one')

    Each digit as a word: phone numbers, codes, digit strings too long for a cardinal.
    """
    if DIGITS_RE.fullmatch(text) is None:
        raise ValueError(f"not a digit string: {text!r}")
    words = (zero,) + DIGIT_WORDS[1:]
    return " ".join([words[ord(char) - 48] for char in text])


def fraction(numerator: str, denominator: str, *, style: Style = DEFAULT_STYLE) -> str:
    """
    >>> fraction("1", "2"), fraction("3", "2"), fraction("1", "4"), fraction("3", "4")
    ('one half', 'three halves', 'one quarter', 'three quarters')
    >>> fraction("2", "3"), fraction("5", "8"), fraction("7", "10"), fraction("1", "100")
    ('two thirds', 'five eighths', 'seven tenths', 'one one hundredth')
    >>> fraction("1", "21", style=Style(hyphens=False))
    'one twenty first'

    The numerator is a cardinal (sign allowed), the denominator an ordinal, plural
    unless the numerator is one. Denominators 0, 1 and very long ones read "over".
    """
    top = cardinal(numerator, style=style)
    if DIGITS_RE.fullmatch(denominator) is None:
        raise ValueError(f"not a denominator: {denominator!r}")
    bottom = denominator.lstrip("0") or "0"
    if bottom in ("0", "1") or len(bottom) > MAX_CARDINAL_DIGITS:
        return f"{top} over {_whole(bottom, style)}"
    one = is_one(numerator)
    if bottom == "2":
        return f"{top} {'half' if one else 'halves'}"
    if bottom == "4":
        return f"{top} {'quarter' if one else 'quarters'}"
    return f"{top} {ordinal(bottom, style=style)}{'' if one else 's'}"


def mixed_fraction(whole: str, numerator: str, denominator: str, *,
                   style: Style = DEFAULT_STYLE) -> str:
    """
    >>> mixed_fraction("2", "1", "2"), mixed_fraction("1", "3", "4"), mixed_fraction("5", "1", "8")
    ('two and a half', 'one and three quarters', 'five and an eighth')
    >>> mixed_fraction("3", "1", "100")
    'three and a hundredth'

    A whole number and a fraction, as speakers say it: a numerator of one is "a"
    ("two and a half", not "two and one half"), "an" before a vowel.
    """
    part = fraction(numerator, denominator, style=style)
    if is_one(numerator) and " over " not in part:
        rest = part.split(" ", 1)[1].removeprefix("one ")  # "a hundredth"
        part = ("an " if rest[:1] in "aeiou" else "a ") + rest
    return f"{cardinal(whole, style=style)} and {part}"


def dotted_number(text: str, *, style: Style = DEFAULT_STYLE) -> str:
    """
    >>> dotted_number("3.11"), dotted_number("3.11.2"), dotted_number("1,234.5.6")
    ('three point one one', 'three point one one point two', 'one thousand two hundred thirty-four point five point six')

    A version or section number: the first part a cardinal (its thousands may be grouped),
    every later part read digit by digit after "point", the way a decimal's digits are read.
    """
    head, *rest = text.split(".")
    if GROUPED_RE.fullmatch(head):
        head = head.replace(",", "")
    if DIGITS_RE.fullmatch(head) is None or not rest or not all(DIGITS_RE.fullmatch(p) for p in rest):
        raise ValueError(f"not a dotted number: {text!r}")
    return " point ".join([_whole(head, style)] + [digits(part) for part in rest])


def is_one(number: str) -> bool:
    """
    >>> is_one("1"), is_one("-1"), is_one("01"), is_one("1.0"), is_one("0")
    (True, True, True, False, False)

    Whether a number string is exactly one, so its noun is singular ("1 kilogram",
    "1.5 kilograms"; SPEC, Money and measures).
    """
    return ONE_RE.fullmatch(number) is not None


def plural_noun(singular: str, plural: str, number: str) -> str:
    """
    >>> plural_noun("dollar", "dollars", "1"), plural_noun("dollar", "dollars", "1.0")
    ('dollar', 'dollars')

    The noun form that agrees with `number` (see `is_one`).
    """
    return singular if is_one(number) else plural


def plural_words(words: str) -> str:
    """
    >>> plural_words("one hundred"), plural_words("seventy"), plural_words("six")
    ('one hundreds', 'seventies', 'sixes')

    Number words made plural on their last word ("two A100s" -> "two A one hundreds").
    """
    if words.endswith("y"):
        return words[:-1] + "ies"
    if words.endswith(("x", "s")):
        return words + "es"
    return words + "s"


def letters(text: str) -> str:
    """
    >>> letters("GPT"), letters("ab")
    ('G P T', 'a b')

    Spells a token out letter by letter, case kept, one space between letters.
    """
    return " ".join([char for char in text if not char.isspace()])


def roman_value(text: str) -> int | None:
    """
    >>> roman_value("XIV"), roman_value("MIX"), roman_value("IIII"), roman_value("IC"), roman_value("xiv")
    (14, 1009, None, None, None)

    The value of an uppercase Roman numeral in canonical form (1 to 3999), else None.
    Whether a well-formed one is a numeral or a word ("MIX", "I") is for the caller.
    """
    if not text or ROMAN_RE.fullmatch(text) is None:
        return None
    values = [ROMAN_VALUES[char] for char in text]
    # A smaller value before a larger one is subtracted (IV = 5 - 1).
    return sum(-v if v < nxt else v for v, nxt in zip(values, values[1:] + [0]))
