"""Read TTS manifests and write them back byte for byte, with only the normalized text new.

`read` yields one item per record or passed-through line, in file order:

- `Record`: a line (or, in csv, a quoted multi-line record) whose text is to be normalized;
  `record.render(normalized)` gives its output bytes, line ending included.
- `Verbatim`: a blank line or a header, written back as `item.raw`.
- `Rejected`: a line that is not a record of the format, with the reason and its exact bytes.

Writing every `render(...)` or `raw` in order gives the input back, except the normalized
field. Other fields, JSON keys, spacing, quoting, `\\r\\n` endings, a missing final newline
and a UTF-8 byte-order mark (it goes out with the first item's bytes) are kept as they were
read, never re-serialized.

>>> items = list(parse([b"LJ001-0001|Printing, in 1905|\\r\\n", b"\\r\\n"], "ljspeech"))
>>> items
[Record(line=1, id='LJ001-0001', text='Printing, in 1905'), Verbatim(line=2, raw=b'\\r\\n')]
>>> items[0].render("Printing, in nineteen oh five")
b'LJ001-0001|Printing, in 1905|Printing, in nineteen oh five\\r\\n'
"""

import collections
import contextlib
import functools
import gzip
import itertools
import json
import os
import secrets
import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from typing import BinaryIO, NamedTuple

import regex

from normalizer.errors import ManifestError, SystemFault

FORMATS = ("ljspeech", "nemo", "kaldi", "tsv", "csv")

BOM = b"\xef\xbb\xbf"
TEXT_COLUMNS = ("text", "sentence", "transcript", "transcription", "raw_text")  # tsv/csv, first present wins
ID_COLUMNS = ("id", "utt_id", "audio_filepath", "path", "audio", "file", "filename")
NEMO_ID_KEYS = ("audio_filepath", "id")
# A csv quote left open would otherwise swallow the rest of the file into one record.
MAX_CSV_RECORD_LINES = 100

_JSON_DECODER = json.JSONDecoder()
_JSON_UTF8 = json.JSONEncoder(ensure_ascii=False).encode
_JSON_ASCII = json.JSONEncoder(ensure_ascii=True).encode
# JSON's own whitespace, not Unicode's. The separators take their spacing in one match: fewer calls per line.
_JSON_SPACE_RE = regex.compile(r"[ \t\n\r]*")
_JSON_COLON_RE = regex.compile(r"[ \t\n\r]*:[ \t\n\r]*")
_JSON_AFTER_VALUE_RE = regex.compile(r"[ \t\n\r]*([,}])[ \t\n\r]*")
# A \uXXXX escape above U+007F that is not itself escaped (an odd run of backslashes).
_NON_ASCII_ESCAPE_RE = regex.compile(r"(?<!\\)(?:\\\\)*\\u(?!00[0-7])[0-9A-Fa-f]{4}")
_KALDI_ID_RE = regex.compile(r"[ \t]*([^ \t]+)[ \t]*")  # Kaldi splits on spaces and tabs only
# Utterance ids carry a digit, "_" or "-" (LJ001-0001, spk1_utt2), which plain prose rarely does.
_KALDI_FIRST_LINE_RE = regex.compile(r"\S*[0-9_-]\S* +\S.*")


@dataclass(frozen=True, slots=True)
class Options:
    """Where the text is read and the normalized text written; each is a command-line option.

    - `text_field`: nemo key or tsv/csv column holding the text. Default: nemo "text"; tsv/csv
      the first of TEXT_COLUMNS in the header, since corpora name it differently (Common Voice
      says "sentence").
    - `output_field`: nemo key or tsv/csv column for the normalized text, default
      "normalized_text" (NeMo's own name). Replaced where it exists, else added as the last
      key or column. ljspeech always uses column 3; kaldi replaces the text itself.
    - `delimiter`: csv only, default ",".
    """

    text_field: str | None = None
    output_field: str | None = None
    delimiter: str | None = None


@dataclass(slots=True)   # (not frozen: one is made for every line, and frozen costs 4x)
class Record:
    """One record whose text is to be normalized; `line` is its first physical line (1-based)."""

    line: int
    id: str | None
    text: str
    # The output is _head + _quote(normalized) + _tail, all other bytes exactly as read.
    _head: bytes = field(repr=False)
    _tail: bytes = field(repr=False)
    _quote: Callable[[str], str] = field(repr=False)

    def render(self, normalized: str) -> bytes:
        """The output bytes of this record, line ending included.

        >>> [record] = parse([b'{"text": "1 cat"}\\n'], "nemo")
        >>> record.render("one cat")
        b'{"text": "1 cat", "normalized_text": "one cat"}\\n'
        """
        try:
            value = self._quote(normalized)
        except ValueError as error:
            raise ManifestError(str(error), line=self.line) from None
        return self._head + value.encode() + self._tail


@dataclass(frozen=True, slots=True)
class Verbatim:
    """A physical line written back unchanged: a blank line or a header.

    One exception: when the tsv/csv output column is new, the header's `raw` already has
    the column name appended, so that writing `raw` gives the right output header.
    """

    line: int
    raw: bytes


@dataclass(frozen=True, slots=True)
class Rejected:
    """A line that cannot be read as a record of its format, with its exact bytes and why."""

    line: int
    raw: bytes
    reason: str


Item = Record | Verbatim | Rejected


def detect_format(path: str, head: bytes) -> str:
    """Guess the format from the first bytes of the file, then from its name.

    >>> detect_format("data/train.jsonl", b'{"audio_filepath": "a.wav", "text": "hi"}\\n')
    'nemo'
    >>> detect_format("wavs/metadata.csv", b"LJ001-0001|Printing|Printing\\n")
    'ljspeech'
    >>> detect_format("data/train/text.gz", b"")
    'kaldi'
    """
    name = path.removesuffix(".gz")
    lines = head.decode("utf-8", "replace").removeprefix("\ufeff").split("\n")
    first = next((line.strip() for line in lines if line.strip()), "")
    if first.startswith("{"):
        return "nemo"
    if "|" in first:
        return "ljspeech"
    if name.endswith(".tsv") or "\t" in first:
        return "tsv"
    if name.endswith(".csv") and ("," in first or not first):
        return "csv"
    if os.path.basename(name) == "text" or _KALDI_FIRST_LINE_RE.fullmatch(first):
        return "kaldi"
    if not first and name.endswith((".json", ".jsonl")):
        return "nemo"
    raise ManifestError(
        f"cannot tell the manifest format from the file name or first line; "
        f"pass --format (one of {', '.join(FORMATS)})",
        path=path,
    )


def read(path: str, fmt: str | None = None, options: Options = Options()) -> Iterator[Item]:
    """Yield the items of the manifest at `path` ("-": stdin; ".gz": decompressed).

    `fmt` None means `detect_format`. The file is opened on the first `next()`, so errors
    (a missing file, an unknown format) are raised there, as `ManifestError`.
    """
    try:
        with _open_input(path) as stream:
            lines = iter(stream)
            # Buffer up to the first non-blank line so that detection works on stdin too.
            head = []
            for raw in lines:
                head.append(raw)
                if raw.strip():
                    break
            if fmt is None:
                fmt = detect_format(path, b"".join(head))
            yield from parse(itertools.chain(head, lines), fmt, options, path)
    except (OSError, EOFError) as error:  # EOFError: a truncated .gz
        raise ManifestError(f"cannot read the file: {error}", path=path) from error


def parse(lines: Iterable[bytes], fmt: str, options: Options = Options(), path: str = "-") -> Iterator[Item]:
    """Yield the items of a manifest given as binary lines, each with its b"\\n" if any.

    `path` is only used in error messages.
    """
    if fmt not in _READERS:
        raise ManifestError(f"unknown format {fmt!r}; known: {', '.join(FORMATS)}", path=path)
    lines = iter(lines)
    first = next(lines, None)
    if first is None:
        return
    bom = first.startswith(BOM)
    physical = _physical_lines(itertools.chain([first.removeprefix(BOM)], lines))
    items = _READERS[fmt](physical, options, path)
    if bom:
        item = next(items, None)
        if item is not None:
            yield _with_bom(item)
    yield from items


def _with_bom(item: Item) -> Item:
    """The byte-order mark is not part of the first field, but it goes back out in front of it."""
    if isinstance(item, Record):
        return replace(item, _head=BOM + item._head)
    return replace(item, raw=BOM + item.raw)


def same_file(a: str, b: str) -> bool:
    """True when the paths name the same file (stdin/stdout "-" never does).

    >>> same_file("out.jsonl", "./out.jsonl")
    True
    """
    if a == "-" or b == "-":
        return False
    try:
        return os.path.samefile(a, b)
    except FileNotFoundError:
        return os.path.realpath(a) == os.path.realpath(b)


@contextlib.contextmanager
def open_output(path: str, inputs: Iterable[str] = ()) -> Iterator[BinaryIO]:
    """Yield a binary file that replaces `path` only once the with-block succeeds.

    The bytes go to a temporary file beside `path`, which is fsynced and then renamed over
    it, so a failure leaves any previous file as it was. "-" is stdout, written directly.
    A ".gz" path is gzip-compressed, with mtime 0 so that equal runs give equal files.
    Refuses to write over any of `inputs`, which may still be being read.
    """
    for source in inputs:
        if same_file(source, path):
            message = f"the output is the input file {source}; choose another output path"
            raise ManifestError(message, path=path)
    if path == "-":
        yield sys.stdout.buffer
        sys.stdout.buffer.flush()
        return
    directory, name = os.path.split(path)
    # Beside the target, on the same file system, so that the rename is atomic.
    temp = os.path.join(directory, f".{name}.{secrets.token_hex(4)}.tmp")
    try:
        file = open(temp, "xb")
    except OSError as error:
        raise ManifestError(f"cannot write: {error.strerror}", path=path) from error
    try:
        try:
            if path.endswith(".gz"):
                # Level 6 as gzip(1): level 9 costs much more time for a few bytes less.
                zipped = gzip.GzipFile(name, "wb", compresslevel=6, fileobj=file, mtime=0)
                try:
                    yield zipped
                except BaseException:
                    zipped.fileobj = None   # a failed output gets no gzip trailer
                    raise
                zipped.close()
            else:
                yield file
            try:
                file.flush()
                os.fsync(file.fileno())
            except OSError as error:   # a full disk often shows only here
                raise SystemFault(f"cannot write: {error.strerror}", path=path) from error
        except BaseException:
            with contextlib.suppress(OSError):   # on a full disk closing fails too: report the first error
                file.close()
            raise
        file.close()
        os.replace(temp, path)
    finally:
        # After os.replace the temporary name is gone; after a failure it holds a partial output.
        with contextlib.suppress(FileNotFoundError):
            os.remove(temp)


# Reading: every format reader takes (number, raw, text, ending) tuples from _physical_lines.


def _open_input(path: str):
    if path == "-":
        return contextlib.nullcontext(sys.stdin.buffer)  # not ours to close
    if path.endswith(".gz"):
        return gzip.open(path, "rb")
    return open(path, "rb")


def _physical_lines(raws: Iterable[bytes]) -> Iterator[tuple[int, bytes, str | None, bytes]]:
    """Number each line and split off its ending; text is None when it is not UTF-8."""
    for number, raw in enumerate(raws, 1):
        ending = b"\r\n" if raw.endswith(b"\r\n") else b"\n" if raw.endswith(b"\n") else b""
        try:
            text = raw[: len(raw) - len(ending)].decode()
        except UnicodeDecodeError:
            text = None
        yield number, raw, text, ending


def _not_a_record(number: int, raw: bytes, text: str | None) -> Verbatim | Rejected:
    """A blank line passes through; a line that is not UTF-8 is rejected."""
    if text is not None:
        return Verbatim(number, raw)
    error = _utf8_error(raw)
    return Rejected(
        number, raw,
        f"invalid UTF-8 at byte offset {error.start} (byte 0x{raw[error.start]:02x}); "
        f"re-encode the file as UTF-8",
    )


def _utf8_error(raw: bytes) -> UnicodeDecodeError:
    try:
        raw.decode()
    except UnicodeDecodeError as error:
        return error
    raise AssertionError("only called on bytes that are not UTF-8")


def _read_ljspeech(lines, options: Options, path: str) -> Iterator[Item]:
    for number, raw, text, ending in lines:
        if not text or text.isspace():
            yield _not_a_record(number, raw, text)
            continue
        fields = text.split("|")
        if len(fields) not in (2, 3):
            reason = f"expected 2 or 3 '|'-separated fields (id|text|normalized), found {len(fields)}"
            yield Rejected(number, raw, reason)
            continue
        utterance, spoken = fields[0], fields[1]
        yield Record(number, utterance, spoken, f"{utterance}|{spoken}|".encode(), ending, _ljspeech_field)


def _read_kaldi(lines, options: Options, path: str) -> Iterator[Item]:
    for number, raw, text, ending in lines:
        if not text or text.isspace():
            yield _not_a_record(number, raw, text)
            continue
        match = _KALDI_ID_RE.match(text)
        start = match.end()
        spoken = text[start:].rstrip(" \t")
        tail = text[start + len(spoken):]
        quote = _line_field if start > match.end(1) else _field_after_bare_id
        yield Record(number, match[1], spoken, text[:start].encode(), tail.encode() + ending, quote)


class _Member(NamedTuple):
    """One top-level "key": value of a JSON object, by position in the line.

    A NamedTuple rather than a frozen dataclass: several are built per line, and this is cheaper.
    """

    key: str
    key_start: int  # the key's opening quote
    key_end: int  # just after its closing quote
    value_start: int
    value_end: int
    value: object


def _read_nemo(lines, options: Options, path: str) -> Iterator[Item]:
    text_key = options.text_field or "text"
    output_key = options.output_field or "normalized_text"
    for number, raw, text, ending in lines:
        if not text or text.isspace():
            yield _not_a_record(number, raw, text)
            continue
        try:
            members = _json_members(text)
        except json.JSONDecodeError as error:
            yield Rejected(number, raw, f"invalid JSON at column {error.colno}: {error.msg}")
            continue
        yield _nemo_record(number, raw, text, ending, members, text_key, output_key)


def _json_members(line: str) -> list[_Member]:
    """Locate the top-level members of the JSON object on `line`, without re-serializing it.

    >>> [(m.key, m.value_start, m.value_end) for m in _json_members('{"a": 1, "b" :[2]}')]
    [('a', 6, 7), ('b', 14, 17)]
    """
    index = _JSON_SPACE_RE.match(line).end()
    if not line.startswith("{", index):
        raise json.JSONDecodeError("expecting '{': a NeMo manifest has one JSON object per line", line, index)
    index = _JSON_SPACE_RE.match(line, index + 1).end()
    members = []
    closing = line.startswith("}", index)
    if closing:  # an empty object
        index = _JSON_SPACE_RE.match(line, index + 1).end()
    while not closing:
        if not line.startswith('"', index):
            raise json.JSONDecodeError("expecting a key in double quotes", line, index)
        key, key_end = json.decoder.scanstring(line, index + 1)
        colon = _JSON_COLON_RE.match(line, key_end)
        if colon is None:
            raise json.JSONDecodeError("expecting ':' after the key", line, key_end)
        value, value_end = _JSON_DECODER.raw_decode(line, colon.end())
        members.append(_Member(key, index, key_end, colon.end(), value_end, value))
        after = _JSON_AFTER_VALUE_RE.match(line, value_end)
        if after is None:
            raise json.JSONDecodeError("expecting ',' or '}'", line, value_end)
        index = after.end()
        closing = after[1] == "}"
    if index != len(line):
        raise json.JSONDecodeError("extra data after the object", line, index)
    return members


def _nemo_record(number, raw, line, ending, members, text_key, output_key) -> Record | Rejected:
    by_key = {member.key: member for member in members}  # a repeated key: the last wins, as in json.loads
    found = by_key.get(text_key)
    if found is None:
        keys = ", ".join(by_key) or "none"
        reason = f"no {text_key!r} key (keys: {keys}); name the text key with --text-field"
        return Rejected(number, raw, reason)
    if not isinstance(found.value, str):
        value = line[found.value_start : found.value_end]
        return Rejected(number, raw, f"{text_key!r} must be a string, found {value[:40]}")
    # Write new strings the way the line writes its own: \u escapes only if it uses them.
    quote = _JSON_ASCII if "\\u" in line and _NON_ASCII_ESCAPE_RE.search(line) else _JSON_UTF8
    output = by_key.get(output_key)
    if output is not None:
        head, tail = line[: output.value_start], line[output.value_end :]
    else:
        last = members[-1]
        colon = line[last.key_end : last.value_start]
        if len(members) > 1:
            comma = line[members[-2].value_end : last.key_start]
        else:
            comma = "," if colon == ":" else ", "
        head = line[: last.value_end] + comma + quote(output_key) + colon
        tail = line[last.value_end :]
    return Record(number, _nemo_id(by_key, line), found.value, head.encode(), tail.encode() + ending, quote)


def _nemo_id(by_key: dict[str, _Member], line: str) -> str | None:
    for key in NEMO_ID_KEYS:
        member = by_key.get(key)
        if member is not None and isinstance(member.value, str):
            return member.value
        if member is not None:  # a number or the like: its JSON text
            return line[member.value_start : member.value_end]
    return None


@dataclass(frozen=True, slots=True)
class _Columns:
    """Which tsv/csv columns hold what, chosen from the header."""

    count: int
    text: int
    output: int | None  # None: the output column is appended
    output_name: str
    id: int | None


def _columns(names: list[str], options: Options, path: str, line: int) -> _Columns:
    text_name = options.text_field or next((name for name in TEXT_COLUMNS if name in names), None)
    if text_name not in names:
        wanted = repr(options.text_field) if options.text_field else "named " + " or ".join(TEXT_COLUMNS)
        raise ManifestError(
            f"no text column {wanted} in the header; its columns are: {', '.join(names)}. "
            f"Name the text column with --text-field",
            path=path, line=line,
        )
    output_name = options.output_field or "normalized_text"
    output = names.index(output_name) if output_name in names else None
    ident = next((names.index(name) for name in ID_COLUMNS if name in names), None)
    return _Columns(len(names), names.index(text_name), output, output_name, ident)


def _read_tsv(lines, options: Options, path: str) -> Iterator[Item]:
    columns = None
    for number, raw, text, ending in lines:
        if not text or text.isspace():
            if text is None and columns is None:
                raise ManifestError("the header line is not valid UTF-8", path=path, line=number)
            yield _not_a_record(number, raw, text)
            continue
        fields = text.split("\t")
        if columns is None:
            columns = _columns(fields, options, path, number)
            if columns.output is None:
                raw = (text + "\t" + columns.output_name).encode() + ending
            yield Verbatim(number, raw)
            continue
        if len(fields) != columns.count:
            reason = f"expected {columns.count} tab-separated fields as in the header, found {len(fields)}"
            yield Rejected(number, raw, reason)
            continue
        span = None
        if columns.output is not None:
            start = sum(map(len, fields[: columns.output])) + columns.output
            span = (start, start + len(fields[columns.output]))
        ident = fields[columns.id] if columns.id is not None else None
        yield _row(number, text, ending, span, "\t", fields[columns.text], ident, _tsv_field)


def _read_csv(lines, options: Options, path: str) -> Iterator[Item]:
    delimiter = options.delimiter or ","
    if len(delimiter) != 1 or delimiter in '"\r\n':
        message = f"the csv delimiter must be one character, not a quote or line break: {delimiter!r}"
        raise ManifestError(message, path=path)
    quote = functools.partial(_csv_field, delimiter=delimiter)
    columns = None
    pending = []  # the physical lines of a record whose quoted field is still open
    again = collections.deque()  # lines to read again after giving up on an open quote
    while True:
        entry = again.popleft() if again else next(lines, None)
        if pending and (entry is None or entry[2] is None or len(pending) == MAX_CSV_RECORD_LINES):
            # The quote opened on the first pending line never closes: reject that line alone
            # and read the lines after it again, so one stray quote costs one line.
            number, raw = pending[0][:2]
            if columns is None:
                raise ManifestError("the header has a quoted field that never closes", path=path, line=number)
            reason = "a quoted field opened on this line never closes; a quote inside a field must be doubled"
            yield Rejected(number, raw, reason)
            again.extendleft(reversed(pending[1:] + ([entry] if entry else [])))
            pending = []
            continue
        if entry is None:
            return
        number, raw, text, ending = entry
        if not pending and (not text or text.isspace()):
            if text is None and columns is None:
                raise ManifestError("the header line is not valid UTF-8", path=path, line=number)
            yield _not_a_record(number, raw, text)
            continue
        pending.append(entry)
        record = text if len(pending) == 1 else "".join(p[2] + p[3].decode() for p in pending[:-1]) + text
        first, raw = pending[0][0], b"".join(p[1] for p in pending)
        try:
            spans = _csv_spans(record, delimiter)
        except ValueError as error:
            if columns is None:
                raise ManifestError(f"cannot read the header: {error}", path=path, line=first) from None
            yield Rejected(first, raw, str(error))
            pending = []
            continue
        if spans is None:
            continue  # the quoted field goes on in the next line
        pending = []
        if columns is None:
            names = [_csv_value(record, start, end) for start, end in spans]
            columns = _columns(names, options, path, first)
            if columns.output is None:
                raw = (record + delimiter + quote(columns.output_name)).encode() + ending
            yield Verbatim(first, raw)
        elif len(spans) != columns.count:
            reason = (
                f"expected {columns.count} {delimiter!r}-separated fields as in the header, "
                f"found {len(spans)}"
            )
            yield Rejected(first, raw, reason)
        else:
            text = _csv_value(record, *spans[columns.text])
            ident = _csv_value(record, *spans[columns.id]) if columns.id is not None else None
            span = spans[columns.output] if columns.output is not None else None
            yield _row(first, record, ending, span, delimiter, text, ident, quote)


def _csv_spans(record: str, delimiter: str) -> list[tuple[int, int]] | None:
    """The (start, end) of each field of an RFC 4180 record, quotes included; None if a quote is open.

    A quote inside an unquoted field is kept as a plain character, as Python's csv module does.

    >>> _csv_spans('a,"say ""hi"", ok",', ",")
    [(0, 1), (2, 18), (19, 19)]
    >>> _csv_spans('a,"still open', ",") is None
    True
    """
    spans = []
    start = 0
    while True:
        if record.startswith('"', start):
            end = start + 1
            while True:
                end = record.find('"', end)
                if end < 0:
                    return None
                if not record.startswith('"', end + 1):
                    break
                end += 2  # a doubled quote stands for one quote
            end += 1
            if end < len(record) and record[end] != delimiter:
                raise ValueError(
                    f"unexpected {record[end]!r} after the closing quote at character {end + 1}; "
                    f"a quote inside a quoted field must be doubled"
                )
        else:
            end = record.find(delimiter, start)
            if end < 0:
                end = len(record)
        spans.append((start, end))
        if end == len(record):
            return spans
        start = end + 1


def _csv_value(record: str, start: int, end: int) -> str:
    value = record[start:end]
    return value[1:-1].replace('""', '"') if value.startswith('"') else value


def _row(number, line, ending, span, delimiter, text, ident, quote) -> Record:
    """A tsv/csv record whose output replaces the field at `span`, or is appended if it is None."""
    if span is None:
        head, tail = line + delimiter, ""
    else:
        head, tail = line[: span[0]], line[span[1] :]
    return Record(number, ident, text, head.encode(), tail.encode() + ending, quote)


_READERS = {
    "ljspeech": _read_ljspeech,
    "nemo": _read_nemo,
    "kaldi": _read_kaldi,
    "tsv": _read_tsv,
    "csv": _read_csv,
}


# Writing the normalized field: each refuses text that would break the line structure.
# A lone "\r" is kept: lines are split at "\n" only, and the text read may hold one too.


def _ljspeech_field(text: str) -> str:
    if "|" in text or "\n" in text:
        raise ValueError(f"the normalized text {text!r} has a '|' or a line break; it would split the line")
    return text


def _tsv_field(text: str) -> str:
    if "\t" in text or "\n" in text:
        raise ValueError(f"the normalized text {text!r} has a tab or a line break; it would split the line")
    return text


def _line_field(text: str) -> str:
    if "\n" in text:
        raise ValueError(f"the normalized text {text!r} has a line break, which would split the line")
    return text


def _field_after_bare_id(text: str) -> str:
    """Kaldi text after an id that had no text: it needs a space to stay apart from the id."""
    return " " + _line_field(text) if text else text


def _csv_field(text: str, delimiter: str) -> str:
    if delimiter in text or '"' in text or "\n" in text or "\r" in text:
        return '"' + text.replace('"', '""') + '"'
    return text
