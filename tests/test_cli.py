"""The command line end to end, on real files in every format."""

import gzip
import json
import os
import subprocess
import sys

import pytest

from normalizer import replay
from normalizer.cli import main

from conftest import ROOT, SAMPLE, SAMPLE_PIPELINE


def run(*args):
    return main([str(a) for a in args])


def test_sample_runs_with_its_pipeline(tmp_path):
    out, log, summary = tmp_path / "out.txt", tmp_path / "diff.jsonl", tmp_path / "summary.json"
    assert run("run", SAMPLE, "-o", out, "-p", SAMPLE_PIPELINE, "--diff-log", log,
               "--summary", summary, "-j", 1) == 0
    lines_in = SAMPLE.read_bytes().splitlines(keepends=True)
    lines_out = out.read_bytes().splitlines(keepends=True)
    assert len(lines_in) == len(lines_out)
    for before, after in zip(lines_in, lines_out):
        file_id, text, _ = before.decode().rstrip("\n").split("|")
        out_id, out_text, normalized = after.decode().rstrip("\n").split("|")
        assert (out_id, out_text) == (file_id, text)
    entries = [json.loads(line) for line in log.read_text().splitlines()]
    assert entries, "the sample has known ASR errors"
    for entry in entries:
        assert replay(entry["original"], entry["edits"]) == entry["normalized"]
        assert lines_out[entry["line"] - 1].decode().rstrip("\n").split("|")[2] == entry["normalized"]
    facts = json.loads(summary.read_text())
    assert facts["lines"] == len(lines_in) and facts["records"] == len(lines_in)
    assert facts["edits_per_rule"]["asr_fixes/chatgpt"] >= 3
    normalized = "\n".join(line.decode().split("|")[2] for line in lines_out)
    for error in ("ChachiPT", "ChessGPT", "LLAMA270B", "Lama270b", "Meta.ai", "Scale.ai",
                  "ScaleAI", "Cloud series", "Director Scott", "Lama 2", "LLAMA"):
        assert error not in normalized


def test_default_pipeline_runs_without_configuration(tmp_path):
    out = tmp_path / "out.txt"
    assert run("run", SAMPLE, "-o", out, "-q") == 0
    assert len(out.read_bytes().splitlines()) == 100


FORMATS = {
    "ljspeech": ("a1|I asked ChachiPT.|\nb2|Nothing here.\n", "a1|I asked ChachiPT.|I asked Chat G P T.\nb2|Nothing here.|Nothing here.\n"),
    "nemo": ('{"audio_filepath": "a.wav", "duration": 1.50, "text": "I asked ChachiPT."}\n',
             '{"audio_filepath": "a.wav", "duration": 1.50, "text": "I asked ChachiPT.", '
             '"normalized_text": "I asked Chat G P T."}\n'),
    "kaldi": ("utt1 I asked ChachiPT.\n", "utt1 I asked Chat G P T.\n"),
    "tsv": ("path\ttext\nx.wav\tI asked ChachiPT.\n", "path\ttext\tnormalized_text\nx.wav\tI asked ChachiPT.\tI asked Chat G P T.\n"),
    "csv": ('path,text\nx.wav,"I asked ChachiPT, twice."\n',
            'path,text,normalized_text\nx.wav,"I asked ChachiPT, twice.","I asked Chat G P T, twice."\n'),
}


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_round_trips(tmp_path, fmt):
    source, expected = FORMATS[fmt]
    suffix = {"nemo": ".jsonl", "tsv": ".tsv", "csv": ".csv", "ljspeech": ".txt", "kaldi": ""}[fmt]
    src = tmp_path / ("text" if fmt == "kaldi" else f"in{suffix}")
    src.write_text(source, encoding="utf-8")
    out = tmp_path / f"out{suffix}"
    assert run("run", src, "-o", out, "-q", "--format", fmt) == 0
    assert out.read_text(encoding="utf-8") == expected
    # detected without --format, same result
    out2 = tmp_path / f"out2{suffix}"
    assert run("run", src, "-o", out2, "-q") == 0
    assert out2.read_bytes() == out.read_bytes()


def test_gzip_in_and_out(tmp_path):
    src = tmp_path / "in.jsonl.gz"
    src.write_bytes(gzip.compress(b'{"text": "ChachiPT"}\n'))
    out = tmp_path / "out.jsonl.gz"
    assert run("run", src, "-o", out, "-q") == 0
    assert gzip.decompress(out.read_bytes()) == b'{"text": "ChachiPT", "normalized_text": "Chat G P T"}\n'


def test_jobs_output_is_identical(tmp_path):
    lines = SAMPLE.read_bytes() * 30     # 3000 records: several chunks
    src = tmp_path / "big.txt"
    src.write_bytes(lines)
    outputs = []
    for jobs in (1, 2):
        out, log = tmp_path / f"out{jobs}.txt", tmp_path / f"diff{jobs}.jsonl"
        assert run("run", src, "-o", out, "--diff-log", log, "-q", "-j", jobs) == 0
        outputs.append((out.read_bytes(), log.read_bytes()))
    assert outputs[0] == outputs[1]


def cli(*args, stdin=None):
    return subprocess.run([sys.executable, "-m", "normalizer", *map(str, args)], input=stdin,
                          capture_output=True, cwd=ROOT)


def test_stdin_to_stdout():
    done = cli("run", "-", "--format", "kaldi", "-q", stdin=b"u1 ChachiPT here\n")
    assert done.returncode == 0 and done.stdout == b"u1 Chat G P T here\n"


def test_bad_line_fails_cleanly_and_writes_nothing(tmp_path):
    src = tmp_path / "in.txt"
    src.write_bytes(b"a|fine|\nb|too|many|fields|here\n")
    out = tmp_path / "out.txt"
    done = cli("run", src, "-o", out)
    assert done.returncode == 1
    assert b"Traceback" not in done.stderr
    assert f"{src}:2:".encode() in done.stderr
    assert not out.exists()


def test_on_error_skip_passes_bad_lines_through(tmp_path):
    src = tmp_path / "in.txt"
    src.write_bytes(b"a|ChachiPT|\nb|bad \xff utf8|\nc|x|y|z\n")
    out = tmp_path / "out.txt"
    assert run("run", src, "-o", out, "--on-error", "skip", "--summary", tmp_path / "s.json", "-q") == 0
    assert out.read_bytes() == b"a|ChachiPT|Chat G P T\nb|bad \xff utf8|\nc|x|y|z\n"
    assert (tmp_path / "out.txt.rejects").read_bytes() == b"b|bad \xff utf8|\nc|x|y|z\n"
    assert json.loads((tmp_path / "s.json").read_text())["rejected"] == 2


def test_output_equal_to_input_is_refused(tmp_path):
    src = tmp_path / "in.txt"
    src.write_bytes(b"a|ChachiPT|\n")
    done = cli("run", src, "-o", src)
    assert done.returncode == 1 and b"is the input file" in done.stderr
    assert src.read_bytes() == b"a|ChachiPT|\n"


def test_missing_input_and_broken_pipeline(tmp_path):
    done = cli("run", tmp_path / "nope.txt", "-o", tmp_path / "o.txt")
    assert done.returncode == 1 and b"Traceback" not in done.stderr and b"nope.txt" in done.stderr
    bad = tmp_path / "p.yaml"
    bad.write_text("stages: [cleanup, unit]\n")
    done = cli("explain", "-p", bad, "hello")
    assert done.returncode == 1 and b"unknown stage 'unit'" in done.stderr and b"p.yaml:1" in done.stderr


def test_explain_shows_stages_and_rules(capsys):
    assert run("explain", "I asked ChachiPT.") == 0
    out = capsys.readouterr().out
    assert "asr_fixes" in out and "[chatgpt" in out and "I asked Chat G P T." in out


def test_check_passes_on_bundled_rules_and_fails_on_a_wrong_example(tmp_path, capsys):
    assert run("check") == 0
    bad = tmp_path / "mine.yaml"
    bad.write_text("rules:\n  - id: x\n    words: [foo]\n    replace: bar\n"
                   "    examples: [[foo, baz]]\n")
    assert run("check", bad) == 3
    assert "mine.yaml:2" in capsys.readouterr().out
    assert run("check", SAMPLE_PIPELINE) == 0


def test_check_reports_a_shadowed_rule(tmp_path, capsys):
    rules = tmp_path / "mine.yaml"
    rules.write_text("rules:\n"
                     "  - id: general\n    pattern: 'Chat\\w*'\n    replace: X\n    examples: [[Chats, X]]\n"
                     "  - id: specific\n    words: [ChatGPT]\n    replace: Y\n    examples: [[ChatGPT, X]]\n")
    assert run("check", rules) == 0      # examples pass, but 'specific' never fires
    out = capsys.readouterr().out
    assert "SHADOW" in out and "specific is shadowed by general" in out and "mine.yaml:6" in out


def test_suggest_writes_a_draft_that_loads(tmp_path, capsys):
    lexicon = tmp_path / "terms.txt"
    lexicon.write_text("ChatGPT\nLlama\nClaude\nScale AI\n")
    no_fixes = tmp_path / "p.yaml"
    no_fixes.write_text("extends: default\ndisable: [asr_fixes]\n")
    draft = tmp_path / "draft.yaml"
    assert run("suggest", SAMPLE, "--lexicon", lexicon, "-p", no_fixes, "-o", draft) == 0
    text = draft.read_text()
    for wrong in ("ChachiPT", "ChessGPT", "Lama", "ScaleAI"):
        assert f'"{wrong}"' in text
    assert run("check", draft) == 0


def test_installed_command_runs_from_any_directory(tmp_path):
    """`pip install .` ships the rules inside the package: the console script works anywhere."""
    import shutil
    command = shutil.which("ttsnorm")
    if command is None:
        if os.environ.get("CI"):
            pytest.fail("CI installs the package: the ttsnorm command must exist")
        pytest.skip("ttsnorm is not installed in this environment")
    src = tmp_path / "in.txt"
    src.write_bytes(SAMPLE.read_bytes())
    done = subprocess.run([command, "run", "in.txt", "-o", "out.txt", "-q"], cwd=tmp_path,
                          capture_output=True)
    assert done.returncode == 0, done.stderr
    assert len((tmp_path / "out.txt").read_bytes().splitlines()) == 100
    done = subprocess.run([sys.executable, "-m", "normalizer", "check"], cwd=tmp_path, capture_output=True)
    assert done.returncode == 0, done.stdout + done.stderr
