"""Manifests go out byte for byte as they came in, except the normalized text."""

import gzip
import io
import os
import sys

import pytest

from normalizer.errors import ManifestError
from normalizer.manifests import (
    Options,
    Record,
    Rejected,
    Verbatim,
    detect_format,
    open_output,
    read,
    same_file,
)

BOM = b"\xef\xbb\xbf"


def manifest(tmp_path, name: str, data: bytes) -> str:
    path = tmp_path / name
    path.write_bytes(gzip.compress(data, mtime=0) if name.endswith(".gz") else data)
    return str(path)


def output(items, normalize=lambda text: text) -> bytes:
    """What a normalizer run writes: records rendered, everything else as read."""
    return b"".join(
        item.render(normalize(item.text)) if isinstance(item, Record) else item.raw for item in items
    )


def upper(text: str) -> str:
    return text.upper()


# ljspeech


LJSPEECH = (
    BOM + b"LJ001-0001|Printing, in 1905|Printing, in 1905\r\n"
    b"\r\n"
    b'LJ001-0002|"Quoted" text|stale\r\n'
    b"LJ001-0003|no final newline"
)


def test_ljspeech_round_trip_adds_or_replaces_column_3(tmp_path):
    items = list(read(manifest(tmp_path, "metadata.csv", LJSPEECH)))
    assert [type(item) for item in items] == [Record, Verbatim, Record, Record]
    assert [(item.line, item.id, item.text) for item in items if isinstance(item, Record)] == [
        (1, "LJ001-0001", "Printing, in 1905"),
        (3, "LJ001-0002", '"Quoted" text'),
        (4, "LJ001-0003", "no final newline"),
    ]
    assert output(items) == (
        BOM + b"LJ001-0001|Printing, in 1905|Printing, in 1905\r\n"
        b"\r\n"
        b'LJ001-0002|"Quoted" text|"Quoted" text\r\n'
        b"LJ001-0003|no final newline|no final newline"
    )
    assert output(items, upper) == (
        BOM + b"LJ001-0001|Printing, in 1905|PRINTING, IN 1905\r\n"
        b"\r\n"
        b'LJ001-0002|"Quoted" text|"QUOTED" TEXT\r\n'
        b"LJ001-0003|no final newline|NO FINAL NEWLINE"
    )


def test_ljspeech_rejects_wrong_field_count(tmp_path):
    path = manifest(tmp_path, "metadata.csv", b"a|one|two\nonly-id\nb|1|2|3|4\n")
    rejected = [item for item in read(path, "ljspeech") if isinstance(item, Rejected)]
    assert [(item.line, item.raw) for item in rejected] == [(2, b"only-id\n"), (3, b"b|1|2|3|4\n")]
    assert rejected[1].reason == "expected 2 or 3 '|'-separated fields (id|text|normalized), found 5"


def test_ljspeech_refuses_normalized_text_that_would_split_the_line(tmp_path):
    [_, record] = read(manifest(tmp_path, "metadata.csv", b"\nLJ1|a\n"))
    with pytest.raises(ManifestError, match="has a '\\|' or a line break") as error:
        record.render("a | b")
    assert error.value.line == 2


# nemo


def test_nemo_keeps_key_order_spacing_and_escapes(tmp_path):
    start = b'{ "duration" :1.50,  "text":"say \\"hi\\"\\t\xc3\xa9" ,"audio_filepath" : "a.wav" , "n": [1, {"x": null}]'
    line = start + b"  }\r\n"
    [record] = read(manifest(tmp_path, "train.jsonl", line))
    assert (record.id, record.text) == ("a.wav", 'say "hi"\té')
    # Inserted after the last value, with that member's own ' , ' and ' : ' spacing.
    assert record.render(record.text) == start + b' , "normalized_text": "say \\"hi\\"\\t\xc3\xa9"  }\r\n'


def test_nemo_insertion_follows_compact_and_default_styles(tmp_path):
    data = b'{"text":"a"}\n{"text": "b"}\n{"audio_filepath": "x.wav", "text": "c"}'
    items = list(read(manifest(tmp_path, "train.jsonl", data)))
    assert output(items, upper) == (
        b'{"text":"a","normalized_text":"A"}\n'
        b'{"text": "b", "normalized_text": "B"}\n'
        b'{"audio_filepath": "x.wav", "text": "c", "normalized_text": "C"}'
    )


def test_nemo_writes_unicode_escapes_only_if_the_line_does(tmp_path):
    data = '{"text": "caf\\u00e9"}\n{"text": "café"}\n{"text": "C:\\\\u00e9"}\n'.encode()
    items = list(read(manifest(tmp_path, "train.jsonl", data)))
    assert [item.text for item in items] == ["café", "café", "C:\\u00e9"]
    assert output(items, lambda text: "naïve") == (
        b'{"text": "caf\\u00e9", "normalized_text": "na\\u00efve"}\n'
        + '{"text": "café", "normalized_text": "naïve"}\n'.encode()
        # An escaped backslash followed by "u00e9" is not a \u escape.
        + '{"text": "C:\\\\u00e9", "normalized_text": "naïve"}\n'.encode()
    )


def test_nemo_replaces_existing_output_key_in_place(tmp_path):
    line = b'{"text": "1 cat", "normalized_text": "one cat", "duration": 2}\n'
    [record] = read(manifest(tmp_path, "train.jsonl", line))
    assert record.render("one cat") == line  # no change: byte-identical
    assert record.render("a cat") == b'{"text": "1 cat", "normalized_text": "a cat", "duration": 2}\n'
    [record] = read(manifest(tmp_path, "old.jsonl", b'{"normalized_text": null, "text": "x"}\n'))
    assert record.render("X") == b'{"normalized_text": "X", "text": "x"}\n'


def test_nemo_keys_come_from_options(tmp_path):
    line = b'{"id": 7, "raw": "2 dogs", "text": "keep me"}\n'
    options = Options(text_field="raw", output_field="text")
    [record] = read(manifest(tmp_path, "train.jsonl", line), options=options)
    assert (record.id, record.text) == ("7", "2 dogs")
    assert record.render("two dogs") == b'{"id": 7, "raw": "2 dogs", "text": "two dogs"}\n'


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        (b'{"text": "a",}\n', "invalid JSON at column 14: expecting a key in double quotes"),
        (b'{"text": "a"\n', "invalid JSON at column 13: expecting ',' or '}'"),
        (b'{"text": "a"} {}\n', "invalid JSON at column 15: extra data after the object"),
        (b'["text", "a"]\n', "invalid JSON at column 1: expecting '{': a NeMo manifest has one JSON object per line"),
        (
            b'{"audio_filepath": "a.wav", "txt": "a"}\n',
            "no 'text' key (keys: audio_filepath, txt); name the text key with --text-field",
        ),
        (b'{"text": null}\n', "'text' must be a string, found null"),
        (b'{"text": "caf\xe9"}\n', "invalid UTF-8 at byte offset 13 (byte 0xe9); re-encode the file as UTF-8"),
    ],
)
def test_nemo_rejects_with_line_and_reason(tmp_path, line, reason):
    good = b'{"text": "fine"}\n'
    items = list(read(manifest(tmp_path, "train.jsonl", good + b"\n" + line + good), "nemo"))
    assert [type(item) for item in items] == [Record, Verbatim, Rejected, Record]
    assert (items[2].line, items[2].raw, items[2].reason) == (3, line, reason)
    assert items[3].line == 4


# kaldi


def test_kaldi_replaces_the_text_after_the_exact_separator(tmp_path):
    data = b"utt-1 hello  world\nutt-2\t\tTabbed text \r\n\nutt-3\nutt-4   \nutt-5 last line"
    items = list(read(manifest(tmp_path, "text", data)))
    records = [item for item in items if isinstance(item, Record)]
    assert [(r.line, r.id, r.text) for r in records] == [
        (1, "utt-1", "hello  world"),
        (2, "utt-2", "Tabbed text"),
        (4, "utt-3", ""),
        (5, "utt-4", ""),
        (6, "utt-5", "last line"),
    ]
    assert output(items) == data
    assert output(items, lambda text: "new words") == (
        b"utt-1 new words\nutt-2\t\tnew words \r\n\nutt-3 new words\nutt-4   new words\nutt-5 new words"
    )


# tsv


def test_tsv_appends_the_output_column_to_header_and_rows(tmp_path):
    data = b"client_id\tpath\tsentence\r\nc1\ta.mp3\tHello 2 you\r\n\r\nc2\tb.mp3\t\"raw\" quotes"
    items = list(read(manifest(tmp_path, "train.tsv", data)))
    assert items[0] == Verbatim(1, b"client_id\tpath\tsentence\tnormalized_text\r\n")
    assert [(item.id, item.text) for item in items if isinstance(item, Record)] == [
        ("a.mp3", "Hello 2 you"),
        ("b.mp3", '"raw" quotes'),
    ]
    assert output(items, upper) == (
        b"client_id\tpath\tsentence\tnormalized_text\r\n"
        b"c1\ta.mp3\tHello 2 you\tHELLO 2 YOU\r\n\r\n"
        b'c2\tb.mp3\t"raw" quotes\t"RAW" QUOTES'
    )


def test_tsv_replaces_an_existing_output_column(tmp_path):
    data = b"id\tnormalized_text\ttranscript\tduration\nu1\t\t5 cats\t1.5\nu2\told\tcat\t2\n"
    items = list(read(manifest(tmp_path, "train.tsv", data)))
    assert items[0] == Verbatim(1, b"id\tnormalized_text\ttranscript\tduration\n")
    assert output(items, lambda text: text) == (
        b"id\tnormalized_text\ttranscript\tduration\nu1\t5 cats\t5 cats\t1.5\nu2\tcat\tcat\t2\n"
    )


def test_tsv_rejects_rows_with_the_wrong_field_count(tmp_path):
    data = b"path\ttext\na\tok\nb\tone\textra\nc\n"
    rejected = [item for item in read(manifest(tmp_path, "train.tsv", data)) if isinstance(item, Rejected)]
    assert [(item.line, item.reason) for item in rejected] == [
        (3, "expected 2 tab-separated fields as in the header, found 3"),
        (4, "expected 2 tab-separated fields as in the header, found 1"),
    ]


def test_tsv_without_a_text_column_names_the_columns_found(tmp_path):
    path = manifest(tmp_path, "train.tsv", b"path\tcaption\na\tb\n")
    with pytest.raises(ManifestError, match="columns are: path, caption") as error:
        list(read(path))
    assert error.value.line == 1 and error.value.path == path
    with pytest.raises(ManifestError, match="no text column 'words'"):
        list(read(path, options=Options(text_field="words")))
    [_, record] = read(path, options=Options(text_field="caption"))
    assert record.text == "b"


# csv


CSV = (
    b'id,text,speaker\r\n'
    b'"u1","He said ""hi"",\r\nthen left.",ann\r\n'
    b'u2,plain text,"bob"\r\n'
    b'u3,"",cy\r\n'
)


def test_csv_multi_line_records_keep_their_raw_fields(tmp_path):
    items = list(read(manifest(tmp_path, "train.csv", CSV)))
    assert items[0] == Verbatim(1, b"id,text,speaker,normalized_text\r\n")
    assert [(item.line, item.id, item.text) for item in items[1:]] == [
        (2, "u1", 'He said "hi",\r\nthen left.'),
        (4, "u2", "plain text"),
        (5, "u3", ""),
    ]
    assert output(items) == (
        b'id,text,speaker,normalized_text\r\n'
        b'"u1","He said ""hi"",\r\nthen left.",ann,"He said ""hi"",\r\nthen left."\r\n'
        b'u2,plain text,"bob",plain text\r\n'
        b'u3,"",cy,\r\n'
    )
    assert output(items, lambda text: text.replace("\r\n", " ").replace(",", "")) == (
        b'id,text,speaker,normalized_text\r\n'
        b'"u1","He said ""hi"",\r\nthen left.",ann,"He said ""hi"" then left."\r\n'
        b'u2,plain text,"bob",plain text\r\n'
        b'u3,"",cy,\r\n'
    )


def test_csv_replaces_an_existing_column_with_the_configured_delimiter(tmp_path):
    data = b'"normalized_text";"id";"text"\nold;u1;"a;b"\n;u2;c'
    items = list(read(manifest(tmp_path, "train.csv", data), "csv", Options(delimiter=";")))
    assert items[0].raw == b'"normalized_text";"id";"text"\n'
    assert output(items) == b'"normalized_text";"id";"text"\n"a;b";u1;"a;b"\nc;u2;c'


def test_csv_rejects_bad_records_and_goes_on(tmp_path):
    data = b'id,text\nu1,"ok"\nu2,"bad"x\nu3,one,two\nu4,"never closed\nu5,fine\n'
    items = list(read(manifest(tmp_path, "train.csv", data)))
    assert [(type(item).__name__, item.line) for item in items] == [
        ("Verbatim", 1), ("Record", 2), ("Rejected", 3), ("Rejected", 4), ("Rejected", 5), ("Record", 6),
    ]
    assert items[2].reason.startswith("unexpected 'x' after the closing quote at character 9")
    assert items[3].reason == "expected 2 ','-separated fields as in the header, found 3"
    assert items[4].raw == b'u4,"never closed\n'
    assert items[5].text == "fine"
    assert output(items) == (
        b'id,text,normalized_text\nu1,"ok",ok\nu2,"bad"x\nu3,one,two\nu4,"never closed\nu5,fine,fine\n'
    )


def test_csv_open_quote_is_given_up_after_a_hundred_lines(tmp_path):
    rows = b"".join(b"u%d,row %d\n" % (n, n) for n in range(150))
    items = list(read(manifest(tmp_path, "train.csv", b'id,text\nbad,"stray\n' + rows)))
    assert [item.line for item in items if isinstance(item, Rejected)] == [2]
    assert [item.text for item in items if isinstance(item, Record)] == [f"row {n}" for n in range(150)]


# all formats


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("metadata.csv", b"a|b|b\r\n\r\nc|d|d"),
        ("train.jsonl", b'{"text": "b", "normalized_text": "b"}\r\n\r\n{"text":"d","normalized_text":"d"}'),
        ("text", b"a b\r\n\r\nc d"),
        ("train.tsv", b"path\ttext\tnormalized_text\r\na\tb\tb\r\n\r\nc\td\td"),
        ("train.csv", b'path,text,normalized_text\r\na,"b",b\r\n\r\nc,d,d'),
    ],
)
def test_unchanged_text_gives_back_the_input_bytes(tmp_path, name, data):
    for content in (data, BOM + data):
        items = list(read(manifest(tmp_path, name, content)))
        assert output(items) == content
        assert len([item for item in items if isinstance(item, Record)]) == 2


@pytest.mark.parametrize("name", ["metadata.csv", "train.jsonl", "text", "train.tsv", "train.csv"])
def test_bad_utf8_is_rejected_with_its_byte_offset(tmp_path, name):
    header = b"path\ttext\n" if name.endswith(".tsv") else b"path,text\n" if name.endswith(".csv") else b""
    path = manifest(tmp_path, name, header + b"\n\xc3(\n")
    [rejected] = [item for item in read(path, detect_format(name, b"")) if isinstance(item, Rejected)]
    assert (rejected.line, rejected.raw) == (2 + bool(header), b"\xc3(\n")
    assert rejected.reason.startswith("invalid UTF-8 at byte offset 0")


def test_gzip_in_and_out(tmp_path):
    source = manifest(tmp_path, "train.jsonl.gz", b'{"text": "a"}\n')
    target = str(tmp_path / "out.jsonl.gz")
    for _ in range(2):
        with open_output(target) as out:
            for item in read(source):
                out.write(item.render("A"))
        first = open(target, "rb").read()
    assert gzip.decompress(first) == b'{"text": "a", "normalized_text": "A"}\n'
    with open_output(target) as out:
        out.write(b'{"text": "a", "normalized_text": "A"}\n')
    assert open(target, "rb").read() == first  # mtime 0: the same bytes every run


def test_stdin_and_stdout(monkeypatch, capsysbinary):
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"\n\nLJ1|x\n")))
    with open_output("-") as out:
        for item in read("-"):
            out.write(item.render("X") if isinstance(item, Record) else item.raw)
    assert capsysbinary.readouterr().out == b"\n\nLJ1|x|X\n"


def test_read_errors_name_the_file(tmp_path):
    missing = str(tmp_path / "missing.jsonl")
    with pytest.raises(ManifestError, match="cannot read the file") as error:
        list(read(missing))
    assert error.value.path == missing
    with pytest.raises(ManifestError, match="unknown format 'json'"):
        list(read(manifest(tmp_path, "a.jsonl", b"{}\n"), "json"))


# detect_format


@pytest.mark.parametrize(
    ("path", "head", "expected"),
    [
        ("train.jsonl", b'\n  {"text": "hi"}\n', "nemo"),
        ("anything.txt", BOM + b'{"text": "hi"}', "nemo"),
        ("empty.json", b"", "nemo"),
        ("LJSpeech-1.1/metadata.csv", b"LJ001-0001|Printing|Printing\n", "ljspeech"),
        ("metadata.csv.gz", b"LJ001-0001|Printing\n", "ljspeech"),
        ("cv/train.tsv", b"client_id\tpath\tsentence\n", "tsv"),
        ("data.txt", b"path\ttext\n", "tsv"),
        ("train.csv", b"id,text\n", "csv"),
        ("train.csv.gz", b"id,text\n", "csv"),
        ("data/train/text", b"I like it\n", "kaldi"),
        ("data/train/text.gz", b"", "kaldi"),
        ("utts.txt", b"1089-134686-0000 HE HOPED THERE WOULD BE STEW\n", "kaldi"),
    ],
)
def test_detect_format(path, head, expected):
    assert detect_format(path, head) == expected


@pytest.mark.parametrize(("path", "head"), [("notes.txt", b"Just some prose here\n"), ("empty.txt", b"")])
def test_detect_format_says_pass_format_when_unsure(path, head):
    with pytest.raises(ManifestError, match="pass --format") as error:
        detect_format(path, head)
    assert error.value.path == path


def test_read_detects_the_format_of_gzip_content(tmp_path):
    [_, _, record] = read(manifest(tmp_path, "data.gz", b"\n\nLJ1|one\n"))
    assert (record.line, record.id, record.text) == (3, "LJ1", "one")


# open_output


def test_open_output_replaces_only_on_success(tmp_path):
    target = tmp_path / "out.jsonl"
    target.write_bytes(b"previous\n")
    with pytest.raises(RuntimeError):
        with open_output(str(target)) as out:
            out.write(b"partial")
            raise RuntimeError("normalizer crashed")
    assert target.read_bytes() == b"previous\n"
    assert os.listdir(tmp_path) == ["out.jsonl"]  # no temporary file left behind
    with open_output(str(target)) as out:
        out.write(b"new\n")
    assert target.read_bytes() == b"new\n"
    assert os.listdir(tmp_path) == ["out.jsonl"]


def test_open_output_creates_nothing_on_failure(tmp_path):
    with pytest.raises(KeyboardInterrupt):
        with open_output(str(tmp_path / "out.csv.gz")):
            raise KeyboardInterrupt
    assert os.listdir(tmp_path) == []


def test_open_output_refuses_to_overwrite_an_input(tmp_path, monkeypatch):
    source = manifest(tmp_path, "train.jsonl", b'{"text": "a"}\n')
    os.symlink(source, tmp_path / "link.jsonl")
    monkeypatch.chdir(tmp_path)
    assert same_file(source, "link.jsonl")
    assert same_file("new.jsonl", str(tmp_path / "new.jsonl"))  # neither exists yet
    assert not same_file(source, "new.jsonl")
    assert not same_file("-", "-")
    with pytest.raises(ManifestError, match="the output is the input file"):
        with open_output("./link.jsonl", inputs=[source]):
            pass
    assert open(source, "rb").read() == b'{"text": "a"}\n'


def test_open_output_in_a_missing_directory(tmp_path):
    with pytest.raises(ManifestError, match="cannot write"):
        with open_output(str(tmp_path / "no" / "out.jsonl")):
            pass
