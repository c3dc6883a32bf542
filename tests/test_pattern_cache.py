"""The on-disk caches of prefilter.py: compiled patterns load from their pickle as they
compiled; a damaged file or one of another version costs a compile, never a failure."""

import os
import pickle

import pytest
import regex

from normalizer import prefilter

PATTERN = r"(?<![\p{L}])(?P<n>[0-9]+)\s?(?:kg|km)\b"
TEXT = "it weighs 5 kg, 12km away, 7 kgs"


@pytest.fixture
def cache(tmp_path, monkeypatch):
    """prefilter's caches in a folder of their own, empty."""
    monkeypatch.setattr(prefilter, "CACHE_DIR", tmp_path)
    monkeypatch.setattr(prefilter, "CACHE_FILE", tmp_path / "analysis-test.json")
    monkeypatch.setattr(prefilter, "TIMINGS_FILE", tmp_path / "timings-test.json")
    monkeypatch.setattr(prefilter, "PATTERNS_FILE", tmp_path / "patterns-test.pickle")
    monkeypatch.setattr(prefilter, "_analyses", prefilter._Store("analysis"))
    monkeypatch.setattr(prefilter, "_timings", prefilter._Store("timings"))
    monkeypatch.setattr(prefilter, "RULE_FILES_FILE", tmp_path / "rule-files-test.pickle")
    monkeypatch.setattr(prefilter, "_patterns", prefilter._Pickles("patterns"))
    monkeypatch.setattr(prefilter, "_rule_files", prefilter._Pickles("rule files", fresh=True))
    return tmp_path


def spans(pattern):
    return [(m.span(), m.group("n")) for m in pattern.finditer(TEXT)]


def test_a_compiled_pattern_is_kept_and_loads_as_it_compiled(cache, monkeypatch):
    first = prefilter.compile_pattern(PATTERN)
    prefilter.flush()
    assert (cache / "patterns-test.pickle").exists()
    monkeypatch.setattr(prefilter, "_patterns", prefilter._Pickles("patterns"))   # a new process
    compiled = []
    monkeypatch.setattr(prefilter.regex, "compile", lambda *a: compiled.append(a) or regex.compile(*a))
    loaded = prefilter.compile_pattern(PATTERN)
    assert compiled == []   # from the file, not compiled again
    assert loaded is not first and loaded.pattern == PATTERN
    assert spans(loaded) == spans(first) == [((10, 14), "5"), ((16, 20), "12")]


def test_a_damaged_cache_file_costs_a_compile_not_a_failure(cache):
    (cache / "patterns-test.pickle").write_bytes(b"\x80\x04not a pickle")
    assert spans(prefilter.compile_pattern(PATTERN)) == [((10, 14), "5"), ((16, 20), "12")]
    prefilter.flush()   # and the file is mended
    assert PATTERN in pickle.loads((cache / "patterns-test.pickle").read_bytes())


def test_a_bad_pattern_raises_as_compile_does_and_is_not_kept(cache):
    with pytest.raises(regex.error):
        prefilter.compile_pattern("(unclosed")
    prefilter.flush()
    assert not (cache / "patterns-test.pickle").exists()


def test_files_of_older_versions_are_removed(cache):
    for name in ("patterns-regex-0.1-py3.9.pickle", "analysis-0123-regex-0.1.json",
                 "first-characters-x.json", "timings-regex-0.1-py3.9.json"):
        (cache / name).write_text("{}")
    (cache / "notes.txt").write_text("the user's")
    prefilter.compile_pattern(PATTERN)
    prefilter.cached("test:", PATTERN, len)
    prefilter.timed("test:", PATTERN, len)
    prefilter.flush()
    assert sorted(path.name for path in cache.iterdir()) == [
        "analysis-test.json", "notes.txt", "patterns-test.pickle", "timings-test.json"]


def test_only_the_most_recently_used_patterns_are_kept(cache, monkeypatch):
    monkeypatch.setattr(prefilter, "MAX_PATTERNS", 2)
    for pattern in ("a+", "b+", "c+"):
        prefilter.compile_pattern(pattern)
    prefilter.compile_pattern("a+")   # used again: the most recent
    prefilter.flush()
    assert list(pickle.loads((cache / "patterns-test.pickle").read_bytes())) == ["c+", "a+"]


def test_a_rule_file_is_read_again_when_it_changes_and_each_reader_gets_a_copy(cache, monkeypatch):
    from normalizer.errors import RuleError
    from normalizer.rules import load_yaml
    path = cache / "mine.yaml"
    path.write_text("rules:\n  - id: a\n    words: {x: y}\n")
    first = load_yaml(path)
    assert first["rules"][0].line == 2
    first["rules"].clear()   # a caller's change is its own
    prefilter.flush()
    monkeypatch.setattr(prefilter, "_rule_files", prefilter._Pickles("rule files", fresh=True))
    parsed = []
    from normalizer import rules
    real = rules._parse_yaml
    monkeypatch.setattr(rules, "_parse_yaml", lambda p: parsed.append(p) or real(p))
    again = load_yaml(path)
    assert parsed == [] and again["rules"][0]["id"] == "a" and again["rules"][0].line == 2
    stat = path.stat()
    path.write_text("rules:\n  - id: b\n    words: {x: y}\n")   # changed: read again, even
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))       # at the same size and time
    assert load_yaml(path)["rules"][0]["id"] == "b" and parsed == [str(path)]
    path.write_text("rules: [\n")
    with pytest.raises(RuleError, match="invalid YAML"):   # a broken file is never kept
        load_yaml(path)
    with pytest.raises(RuleError, match="invalid YAML"):
        load_yaml(path)
