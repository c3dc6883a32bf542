"""Tables for normalizer.verbalize: every SPEC number reading, each style knob, the edges."""

import dataclasses
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from normalizer import verbalize as v
from normalizer.verbalize import Style

REPO = Path(__file__).resolve().parents[1]
BRITISH = Style(and_in_numbers=True)
NO_HYPHENS = Style(hyphens=False)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("23", "twenty-three"),
        ("104", "one hundred four"),
        ("100,000", "one hundred thousand"),
        ("1905", "one thousand nine hundred five"),
        ("1,000,005", "one million five"),
        ("2,000,100", "two million one hundred"),
        ("-5", "minus five"),
        ("\N{MINUS SIGN}5", "minus five"),
        ("+3", "plus three"),
        ("0", "zero"),
        ("007", "seven"),
        ("1" + "0" * 35, "one hundred decillion"),
        ("1" + "0" * 36, " ".join(["one"] + ["zero"] * 36)),
    ],
)
def test_cardinal(text, expected):
    assert v.cardinal(text) == expected


@pytest.mark.parametrize(
    "text, style, expected",
    [
        ("23", NO_HYPHENS, "twenty three"),
        ("104", BRITISH, "one hundred and four"),
        ("1905", BRITISH, "one thousand nine hundred and five"),
        ("101,000", BRITISH, "one hundred and one thousand"),
        ("1,000,005", BRITISH, "one million and five"),
        ("123", Style(and_in_numbers=True, hyphens=False), "one hundred and twenty three"),
    ],
)
def test_cardinal_style(text, style, expected):
    assert v.cardinal(text, style=style) == expected


@pytest.mark.parametrize("text", ["", "-", "abc", "1,23", "12,34,567", "1.5", "1 000", "٣"])
def test_cardinal_rejects(text):
    with pytest.raises(ValueError):
        v.cardinal(text)


@pytest.mark.parametrize("style", [Style(), BRITISH, NO_HYPHENS])
def test_no_punctuation_ever(style):
    # SPEC: num2words' ", " between groups must never reach the output.
    for n in [*range(0, 3000, 7), 10**6 + 1, 123_456_789_012, 10**35 + 5]:
        for words in (v.cardinal(str(n), style=style), v.ordinal(str(n), style=style)):
            assert words.replace(" ", "").replace("-", "").isalpha(), words
            assert words == words.lower()
            if not style.and_in_numbers:
                assert "and" not in words.split(), words


@pytest.mark.parametrize(
    "text, expected",
    [
        ("3.5", "three point five"),
        ("0.75", "zero point seven five"),
        (".5", "point five"),
        ("1,234.05", "one thousand two hundred thirty-four point zero five"),
        ("-2.5", "minus two point five"),
        ("-.5", "minus point five"),
        ("12", "twelve"),
        ("2.50", "two point five zero"),
    ],
)
def test_decimal_and_number_words(text, expected):
    assert v.decimal(text) == expected
    assert v.number_words(text) == expected


def test_decimal_style():
    assert v.decimal("123.4", style=BRITISH) == "one hundred and twenty-three point four"
    assert v.decimal("23.4", style=NO_HYPHENS) == "twenty three point four"


@pytest.mark.parametrize("text", ["5.", ".", "1.2.3", "1,2.5"])
def test_decimal_rejects(text):
    with pytest.raises(ValueError):
        v.decimal(text)


@pytest.mark.parametrize(
    "text, style, expected",
    [
        ("1", Style(), "first"),
        ("21", Style(), "twenty-first"),
        ("103", Style(), "one hundred third"),
        ("12", Style(), "twelfth"),
        ("100", Style(), "one hundredth"),
        ("1,000", Style(), "one thousandth"),
        ("21", NO_HYPHENS, "twenty first"),
        ("103", BRITISH, "one hundred and third"),
    ],
)
def test_ordinal(text, style, expected):
    assert v.ordinal(text, style=style) == expected


@pytest.mark.parametrize("text", ["-1", "1.5", "x"])
def test_ordinal_rejects(text):
    with pytest.raises(ValueError):
        v.ordinal(text)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("1995", "nineteen ninety-five"),
        ("2023", "twenty twenty-three"),
        ("2005", "two thousand five"),
        ("2000", "two thousand"),
        ("1900", "nineteen hundred"),
        ("1901", "nineteen oh one"),
        ("2010", "twenty ten"),
        ("1066", "ten sixty-six"),
        ("1000", "one thousand"),
        ("2100", "twenty-one hundred"),
        ("800", "eight hundred"),
        ("1200", "twelve hundred"),
        ("476", "four seventy-six"),
        ("905", "nine oh five"),
        ("33", "thirty-three"),
        ("10000", "ten thousand"),
    ],
)
def test_year(text, expected):
    assert v.year(text) == expected


@pytest.mark.parametrize(
    "text, style, expected",
    [
        ("1995", NO_HYPHENS, "nineteen ninety five"),
        ("2005", BRITISH, "two thousand and five"),
        ("1905", BRITISH, "nineteen oh five"),
        ("2100", NO_HYPHENS, "twenty one hundred"),
    ],
)
def test_year_style(text, style, expected):
    assert v.year(text, style=style) == expected


@pytest.mark.parametrize("text", ["1,995", "-1995", "19.95", ""])
def test_year_rejects(text):
    with pytest.raises(ValueError):
        v.year(text)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("1990", "nineteen nineties"),
        ("90", "nineties"),
        ("80", "eighties"),
        ("2000", "two thousands"),
        ("1900", "nineteen hundreds"),
        ("2010", "twenty tens"),
        ("2020", "twenty twenties"),
    ],
)
def test_decade(text, expected):
    assert v.decade(text) == expected


@pytest.mark.parametrize(
    "text, zero, expected",
    [("555", "zero", "five five five"), ("2001", "oh", "two oh oh one"), ("2001", "zero", "two zero zero one")],
)
def test_digits(text, zero, expected):
    assert v.digits(text, zero=zero) == expected


@pytest.mark.parametrize(
    "numerator, denominator, style, expected",
    [
        ("1", "2", Style(), "one half"),
        ("3", "4", Style(), "three quarters"),
        ("2", "3", Style(), "two thirds"),
        ("5", "8", Style(), "five eighths"),
        ("1", "100", Style(), "one one hundredth"),
        ("3", "2", Style(), "three halves"),
        ("1", "4", Style(), "one quarter"),
        ("7", "10", Style(), "seven tenths"),
        ("-1", "3", Style(), "minus one third"),
        ("3", "1", Style(), "three over one"),
        ("1", "21", NO_HYPHENS, "one twenty first"),
        ("1", "105", BRITISH, "one one hundred and fifth"),
        ("21", "22", Style(), "twenty-one twenty-seconds"),
    ],
)
def test_fraction(numerator, denominator, style, expected):
    assert v.fraction(numerator, denominator, style=style) == expected


@pytest.mark.parametrize(
    "number, one",
    [("1", True), ("+1", True), ("-1", True), ("01", True), ("1.0", False), ("1.5", False), ("0", False), ("11", False)],
)
def test_is_one_and_plural_noun(number, one):
    assert v.is_one(number) is one
    assert v.plural_noun("kilogram", "kilograms", number) == ("kilogram" if one else "kilograms")


@pytest.mark.parametrize("text, expected", [("GPT", "G P T"), ("ISBN", "I S B N"), ("Ab", "A b"), ("A", "A")])
def test_letters(text, expected):
    assert v.letters(text) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("XIV", 14), ("IV", 4), ("VIII", 8), ("II", 2), ("MIX", 1009), ("MCMXCIV", 1994), ("MMMCMXCIX", 3999),
        ("IIII", None), ("IC", None), ("VV", None), ("xiv", None), ("", None), ("MMMM", None), ("XIVa", None),
    ],
)
def test_roman_value(text, expected):
    assert v.roman_value(text) == expected


def test_style_is_frozen_and_defaults():
    assert v.DEFAULT_STYLE == Style(and_in_numbers=False, hyphens=True, x_as_times=False, capitalize_sentence_start=True)
    with pytest.raises(dataclasses.FrozenInstanceError):
        v.DEFAULT_STYLE.hyphens = False


@pytest.mark.parametrize(
    "call",
    [
        lambda: v.cardinal("7" * 100_000),
        lambda: v.decimal("7" * 50_000 + "." + "7" * 50_000).replace(" point", ""),
        lambda: v.ordinal("7" * 100_000),
        lambda: v.year("7" * 100_000),
    ],
    ids=["cardinal", "decimal", "ordinal", "year"],
)
def test_long_digit_strings_read_digit_by_digit_in_linear_time(call):
    # Python refuses int() on more than 4300 digits, num2words overflows at 10**303:
    # long strings must never reach either.
    start = time.perf_counter()
    words = call().split()
    assert time.perf_counter() - start < 5   # a guard against a hang, not a speed target
    assert len(words) == 100_000
    assert set(words) <= {"seven", "seventh"}


def test_import_does_not_import_num2words():
    code = (
        "import sys, normalizer.verbalize as v\n"
        "assert not [m for m in sys.modules if m.startswith('num2words')], 'imported at import'\n"
        "v.cardinal('12')\n"
        "assert 'num2words.lang_EN' in sys.modules, 'lazy import never happened'\n"
    )
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
