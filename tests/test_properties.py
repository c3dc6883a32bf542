"""Properties over generated input (hypothesis): whatever the text or the manifest, the
normalizer finishes, accounts for every change and writes the manifest back byte for byte.

Each property runs against a small fixed pipeline of our own (MINI, below: it does not move
while the bundled rules are being written) and, where the property holds for any pipeline,
against the bundled default pipeline too. Budgets are small for CI; `bench/fuzz.py` runs
the same properties for longer.
"""

from __future__ import annotations

import json
import tempfile
import textwrap
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import normalizer
from normalizer import replay
from normalizer.runner import CHUNK, RunOptions, run

# A pipeline whose rules are known and stay put: deletion, growth, a cascade between stages,
# sentence-start capitalization, a flag, a verbalizer on a group.
MINI = {
    "pipeline.yaml": """
        line_timeout: 5
        stages:
          - {name: clean, kind: rules, rules: [clean.yaml]}
          - {name: expand, kind: rules, rules: [expand.yaml]}
          - {name: words, kind: rules, rules: [words.yaml]}
    """,
    "clean.yaml": r"""
        rules:
          - id: zero-width
            pattern: '\u200b+'
            replace: ''
            examples: [["a\u200bb", "ab"]]
    """,
    "expand.yaml": r"""
        rules:
          - id: dollars
            pattern: '\$(?P<n>[0-9]{1,3})(?![0-9])'
            replace: '{cardinal:n} dollars'
            examples: [["$5", "Five dollars"]]
          - id: number
            pattern: '(?<![\w.,$])[0-9]{1,6}(?![\w.,])'
            replace: '{cardinal}'
            examples: [["7 cats", "Seven cats"]]
          - id: acronym
            pattern: '(?<!\w)(?P<l>[A-Z]{2,4})(?!\w)'
            replace: '{letters:l}'
            examples: [["a GPU", "a G P U"]]
          - id: ampersand
            pattern: '(?<=\s)&(?=\s)'
            replace: 'and'
            examples: [["you & me", "you and me"]]
          - id: hash
            pattern: '#'
            flag: a hash sign, not read
            examples: [["#", "#"]]
    """,
    "words.yaml": r"""
        rules:
          - id: bucks
            words: [dollars]
            replace: bucks
            examples: [["five dollars", "five bucks"]]
    """,
}
# Characters none of MINI's rules can start a match on ("\w" excludes "$", "&", "#" ...).
MINI_INERT = st.characters(exclude_categories=("Nd", "Lu"), exclude_characters="$&#\u200b")


def write_mini(directory: Path) -> Path:
    for name, text in MINI.items():
        (directory / name).write_text(textwrap.dedent(text), encoding="utf-8")
    return directory / "pipeline.yaml"


@pytest.fixture(scope="module")
def mini(tmp_path_factory):
    return normalizer.load(write_mini(tmp_path_factory.mktemp("mini")))


# Text: every code point (control characters, NUL, combining marks, right-to-left scripts,
# emoji, lone surrogates), mixed with tokens that make rules fire.
ANY_CHAR = st.characters(exclude_categories=())
TOKENS = st.sampled_from([
    "$2", "$2 million", "3.5", "1,000", "10%", "GPT-4", "70B", "H100", "Dr.", "St.", "e.g.",
    "5 kg", "3/4", "1/2", "½", "2020", "1990s", "1st", "21st", "Jan. 5", "5:30 pm", "No. 7",
    "IV", "WWII", "&", "@", "#", "+1", "-5", "1e10", "0x1F", "€5", "£3.50", "¥100", "5°C",
    "https://x.com/a?b=1", "a@b.co", "ChachiPT", "NASA", "U.S.", "vs.", "etc.", "1-800-555-0199",
    "v2.3.1", "10:00", "2024-01-05", "05/01/2024", "100,000,000", "٣", "१२", "٫", "\u200b",
    "\u202e", "\ufeff", "\x00", "\r", "\t", "\u0301", "\U0001f600", "שלום", "مرحبا", "(", ")",
    "[", "]", "{", "}", "\"", "'", "—", "–", "-", ".", ",", "!", "?", ":", ";", "/", "\\",
])
TEXT = st.lists(st.one_of(TOKENS, st.text(ANY_CHAR, max_size=4), st.just(" ")), max_size=30).map("".join)


def check_result(pipe, text: str):
    """What every normalization of `text` must satisfy; returns the result."""
    result = pipe.normalize(text)
    errors = [flag for flag in result.flags if flag.rule == "error"]
    assert not errors, f"a stage crashed on {text!r}: {errors[0].reason}"
    assert replay(text, result.edits) == result.text, f"replay differs for {text!r}"
    if not result.edits:
        assert result.text is text
    for change in result.edits:
        assert 0 <= change.src[0] <= change.src[1] <= len(text)
    for flag in result.flags:
        assert 0 <= flag.src[0] <= flag.src[1] <= len(text)
        assert flag.text == text[flag.src[0]:flag.src[1]]
    return result


FAST = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(TEXT)
def test_mini_any_text(mini, text):
    result = check_result(mini, text)
    assert mini.normalize(result.text).text == result.text, "normalizing twice differs"


@FAST
@given(st.text(MINI_INERT, max_size=60))
def test_mini_nothing_to_normalize_is_identical(mini, text):
    result = mini.normalize(text)
    assert result.text is text and not result.edits and not result.flags


@FAST
@given(TEXT)
def test_default_any_text(pipe, text):
    check_result(pipe, text)


# Words and tokens with spaces between them, as in a transcript (bench/fuzz.py also glues
# tokens together, which finds more, and less likely, cascades).
SENTENCE = st.lists(st.one_of(TOKENS, st.sampled_from(["the", "cat", "was", "at", "It", "on", "A"])),
                    min_size=1, max_size=12).map(" ".join)


@settings(max_examples=100, deadline=None)
@given(SENTENCE)
def test_default_twice_equals_once(pipe, text):
    once = pipe.normalize(text)
    assume(all(flag.rule != "timeout" for flag in once.flags))
    assert pipe.normalize(once.text).text == once.text


PLAIN_WORDS = ["the", "cat", "sat", "on", "a", "mat", "and", "we", "went", "home", "it", "was",
               "very", "good", "she", "said", "yes", "maybe", "later", "then", "they", "left"]


@FAST
@given(st.lists(st.tuples(st.lists(st.sampled_from(PLAIN_WORDS), min_size=1, max_size=8),
                          st.sampled_from([".", "?", "!", ",", ";", ":"])), min_size=1, max_size=4))
def test_default_plain_prose_is_identical(pipe, sentences):
    text = " ".join(" ".join(words).capitalize() + end for words, end in sentences)
    result = pipe.normalize(text)
    assert result.text is text, [(e.stage, e.rule, e.old, e.new) for e in result.edits]


# Manifests: each generator returns (units, bom) where a unit is (input bytes, text or None,
# expected(normalized) -> output bytes). Records must come back with only the normalized
# text new; blank lines, line endings, a BOM and a missing final newline as they were.

ENDINGS = st.sampled_from([b"\n", b"\r\n"])
FIELD_CHARS = st.characters(exclude_categories=("Cs",), exclude_characters="\n")
TEXT_NO_SURROGATES = st.lists(st.one_of(TOKENS.filter(lambda t: t not in "\x00\r"),
                                        st.text(FIELD_CHARS, max_size=4), st.just(" ")),
                              max_size=12).map("".join)
IDS = st.text("abcXYZ0189_-", min_size=1, max_size=8)
BLANK = st.tuples(st.text(" \t", max_size=3), ENDINGS).map(lambda b: (b[0].encode() + b[1], None, None))


def _clean(text: str, forbidden: str) -> str:
    """`text` without the characters a field of the format cannot hold, and with no "\\r"
    at its end (it would be read as part of a "\\r\\n" ending)."""
    return "".join(c for c in text if c not in forbidden).rstrip("\r")


@st.composite
def ljspeech(draw):
    units = []
    for _ in range(draw(st.integers(0, 6))):
        if draw(st.integers(0, 4)) == 0:
            units.append(draw(BLANK))
            continue
        ident, ending = draw(IDS), draw(ENDINGS)
        text = _clean(draw(TEXT_NO_SURROGATES), "|\n")
        old = draw(st.none() | st.text("abc xyz", max_size=5))
        line = f"{ident}|{text}" + (f"|{old}" if old is not None else "")
        units.append((line.encode() + ending, text,
                      lambda norm, i=ident, t=text, e=ending: f"{i}|{t}|{norm}".encode() + e))
    return units


@st.composite
def kaldi(draw):
    units = []
    for _ in range(draw(st.integers(0, 6))):
        if draw(st.integers(0, 4)) == 0:
            units.append(draw(BLANK))
            continue
        ident, ending = draw(IDS), draw(ENDINGS)
        gap, trail = draw(st.text(" \t", min_size=1, max_size=3)), draw(st.text(" \t", max_size=2))
        text = _clean(draw(TEXT_NO_SURROGATES), "\n").strip(" \t").rstrip("\r")
        if not text:
            gap = trail = ""
        units.append(((ident + gap + text + trail).encode() + ending, text,
                      lambda norm, p=ident + gap, t=trail, e=ending: (p + norm + t).encode() + e))
    return units


def json_values(chars):
    scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(chars, max_size=5)
    return st.recursive(scalars, lambda inner: st.lists(inner, max_size=3), max_leaves=5)


@st.composite
def nemo(draw):
    units = []
    for _ in range(draw(st.integers(0, 5))):
        if draw(st.integers(0, 4)) == 0:
            units.append(draw(BLANK))
            continue
        ascii_only = draw(st.booleans())
        comma, colon = draw(st.sampled_from([(", ", ": "), (",", ":")]))
        text = draw(TEXT if ascii_only else TEXT_NO_SURROGATES)
        keys = draw(st.lists(st.text("abdf_", min_size=1, max_size=6), unique=True, max_size=3))
        # a UTF-8 line cannot hold a lone surrogate; an escaped one can
        members = {key: draw(json_values(ANY_CHAR if ascii_only else FIELD_CHARS)) for key in keys}
        replaced = draw(st.booleans())
        if replaced:
            members["normalized_text"] = draw(st.none() | st.text("xyz", max_size=3))
        members["text"] = text
        order = draw(st.permutations(list(members)))

        def dump(value, ascii_only=ascii_only):
            return json.dumps(value, ensure_ascii=ascii_only)

        def line(values):
            return "{" + comma.join(dump(k) + colon + dump(v) for k, v in values) + "}"

        pairs = [(key, members[key]) for key in order]
        ending = draw(ENDINGS)
        source = line(pairs)
        escapes = ascii_only and any(ord(c) > 127 for c in json.dumps(pairs, ensure_ascii=False))

        def expected(norm, pairs=pairs, ending=ending, escapes=escapes, replaced=replaced,
                     comma=comma, colon=colon, dump=dump):
            value = json.dumps(norm, ensure_ascii=escapes)
            body = comma.join(
                dump(k) + colon + (value if k == "normalized_text" else dump(v)) for k, v in pairs)
            if not replaced:
                body += comma + '"normalized_text"' + colon + value
            return ("{" + body + "}").encode() + ending
        units.append((source.encode() + ending, text, expected))
    return units


def _row_units(draw, delimiter: str, quote_field, clean=lambda text: text):
    names = draw(st.lists(st.sampled_from(["id", "path", "speaker", "dur", "x"]), unique=True, max_size=3))
    text_column = draw(st.sampled_from(["text", "sentence", "transcript"]))
    names.insert(draw(st.integers(0, len(names))), text_column)
    output = draw(st.sampled_from([None, "normalized_text"]))
    if output:
        names.insert(draw(st.integers(0, len(names))), output)
    ending = draw(ENDINGS)
    header = delimiter.join(quote_field(name) for name in names)
    appended = "" if output else delimiter + quote_field("normalized_text", normalized=True)
    units = [draw(BLANK) for _ in range(draw(st.integers(0, 1)))]
    # the header goes out with the new column appended
    units.append((header.encode() + ending, None, lambda _, h=(header + appended).encode() + ending: h))
    for _ in range(draw(st.integers(0, 5))):
        if draw(st.integers(0, 4)) == 0:
            units.append(draw(BLANK))
            continue
        values = {}
        for name in names:
            values[name] = (clean(draw(TEXT_NO_SURROGATES)) if name == text_column
                            else draw(st.text("abc 0123.-/", max_size=6)))
        ending = draw(ENDINGS)
        fields = [quote_field(values[name]) for name in names]
        record = delimiter.join(fields)
        text = values[text_column]
        if not record.strip():
            units.append((record.encode() + ending, None, None))   # a blank line after all
            continue

        def expected(norm, fields=fields, ending=ending):
            out = list(fields)
            if output:
                out[names.index(output)] = quote_field(norm, normalized=True)
                return delimiter.join(out).encode() + ending
            return (delimiter.join(out) + delimiter + quote_field(norm, normalized=True)).encode() + ending
        units.append((record.encode() + ending, text, expected))
    return units


def _tsv_field(value: str, normalized: bool = False) -> str:
    return value


@st.composite
def tsv(draw):
    return _row_units(draw, "\t", _tsv_field, lambda text: _clean(text, "\t"))


@st.composite
def csv(draw):
    always = draw(st.booleans())

    def quote_field(value: str, normalized: bool = False) -> str:
        if any(c in value for c in ',"\n\r') or (always and not normalized):
            return '"' + value.replace('"', '""') + '"'
        return value
    return _row_units(draw, ",", quote_field)


GENERATORS = {"ljspeech": ljspeech(), "kaldi": kaldi(), "nemo": nemo(), "tsv": tsv(), "csv": csv()}


def _run(pipe, units, fmt, bom, final_newline, jobs=1):
    with tempfile.TemporaryDirectory() as directory:
        source = Path(directory) / "in.txt"
        data = b"".join(raw for raw, _, _ in units)
        if not final_newline and data.endswith(b"\n"):
            data = data[:-2] if data.endswith(b"\r\n") else data[:-1]
        source.write_bytes((b"\xef\xbb\xbf" if bom else b"") + data)
        out, log = Path(directory) / "out.txt", Path(directory) / "diff.jsonl"
        summary = run(pipe, RunOptions(input=str(source), output=str(out), fmt=fmt, diff_log=str(log),
                                       jobs=jobs, on_error="skip"))
        return data, out.read_bytes(), log.read_bytes(), summary


def expected_output(pipe, units, data: bytes, bom: bool) -> bytes:
    pieces = []
    for raw, text, expected in units:
        if expected is None:
            pieces.append(raw)
        else:
            pieces.append(expected(pipe.normalize(text).text if text is not None else None))
    out = b"".join(pieces)
    if len(data) < sum(len(raw) for raw, _, _ in units):   # the final newline was dropped
        out = out[:-2] if out.endswith(b"\r\n") else out[:-1]
    return (b"\xef\xbb\xbf" if bom else b"") + out


@pytest.mark.parametrize("fmt", GENERATORS)
def test_manifest_round_trip(mini, fmt):
    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(GENERATORS[fmt], st.booleans(), st.booleans())
    def check(units, bom, final_newline):
        data, out, log, summary = _run(mini, units, fmt, bom, final_newline)
        assert out == expected_output(mini, units, data, bom)
        records = [text for _, text, expected in units if text is not None]
        assert summary.records == len(records) and summary.rejected == 0
        entries = [json.loads(line) for line in log.split(b"\n") if line]
        assert [entry["original"] for entry in entries] == [
            text for text in records if (lambda r: r.edits or r.flags)(mini.normalize(text))]
        for entry in entries:
            assert replay(entry["original"], entry["edits"]) == entry["normalized"]
    check()


@settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ljspeech().filter(lambda units: any(text for _, text, _ in units)))
def test_jobs_output_is_identical(mini, units):
    units = units * (2 * CHUNK // len(units) + 2)    # several chunks, so workers start
    one = _run(mini, units, "ljspeech", False, True, jobs=1)
    two = _run(mini, units, "ljspeech", False, True, jobs=2)
    assert one[1:3] == two[1:3]


def test_lone_surrogates_where_the_format_allows(mini, tmp_path):
    """JSON can escape a lone surrogate; it goes out escaped, in the manifest and the diff log."""
    source = tmp_path / "in.jsonl"
    source.write_bytes(b'{"text": "\\ud800 5 #"}\n')
    out, log = tmp_path / "out.jsonl", tmp_path / "diff.jsonl"
    run(mini, RunOptions(input=str(source), output=str(out), diff_log=str(log)))
    assert out.read_bytes() == b'{"text": "\\ud800 5 #", "normalized_text": "\\ud800 five #"}\n'
    entry = json.loads(log.read_bytes())
    assert entry["original"] == "\ud800 5 #" and entry["normalized"] == "\ud800 five #"
