"""Trigger gates (normalizer/triggers.py) only skip work: with them, every stage finds exactly
what the alternation of all its rules finds (each rule where its `when` hint occurs)."""

import json

import pytest
import regex
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from conftest import ROOT, SAMPLE
from normalizer.checks import cases
from normalizer.stages.base import Scanner
from normalizer.triggers import TriggerIndex, gates, key_characters, minimal_gate, regex_fold, trie_pattern
from test_cases import CASE_DIR, read_cases

EVAL = ROOT.parent / "shared" / "eval"


def reference(stage, text):
    """(rule number, span) as the plain alternation finds them: no gates, no screens."""
    rules = [(number, rule) for number, rule in enumerate(stage.rules)
             if not rule.when or regex.search(rule.when, text)]
    if not rules:
        return []
    scanner = Scanner(stage.name, rules)
    return [(scanner.rule_index(match), match.span()) for match in scanner.regex.finditer(text)]


def gated(stage, text):
    return [(number, match.span()) for number, match in stage.matches(text)]


def corpus(pipe):
    """Every rule example and keep case, every end-to-end case, the sample transcript, and
    the dev sets when they are there: inputs, and what the pipeline makes of them."""
    texts = {case.text for stage in pipe.stages for case in cases(stage)}
    for path in sorted(CASE_DIR.glob("*.tsv")):
        texts |= {case.values[0] for case in read_cases(path)}
    texts |= {line.split("|")[1] for line in SAMPLE.read_text(encoding="utf-8").splitlines()}
    for name in ("ljspeech_dev.jsonl", "libritts_dev.jsonl", "googletn_dev.jsonl"):
        if (EVAL / name).exists():
            texts |= {json.loads(line)["input"] for line in
                      (EVAL / name).read_text(encoding="utf-8").splitlines()}
    return sorted(texts | {pipe.normalize(text).text for text in texts})


@pytest.fixture(scope="module")
def texts(pipe):
    return corpus(pipe)


def test_every_stage_finds_what_the_alternation_finds(pipe, texts):
    differ = []
    for stage in pipe.stages:
        for text in texts:
            # the text as this stage sees it in the pipeline, and as it is
            if gated(stage, text) != reference(stage, text):
                differ.append(f"{stage.name}: {text!r}: {gated(stage, text)} != {reference(stage, text)}")
    assert not differ, "\n".join(differ[:20])


ALPHABET = st.sampled_from(list("aeiostAEMDXIV0123456789 .,-–—$£%/:'\"()#@&+°½²\u0301\u200bß\tİıſK")
                           + ["Mr.", "Dr. ", "St.", "Jan", "May ", "GPT", "Lama", "Henry ",
                              "Chapter ", "km", "kg", " of ", "the ", "1990s", "5th", "p.m.",
                              "x", "×", "--", "  ", "www.", ".com", "e.g."])


@settings(max_examples=400, deadline=None)
@given(st.lists(ALPHABET, max_size=30).map("".join))
def test_random_text_too(pipe, text):
    for stage in pipe.stages:
        assert gated(stage, text) == reference(stage, text), stage.name


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(st.text(st.sampled_from(list("ab.-1 AB\u00e9\u212a\u017fiIsk\u0130\u0131")), max_size=12),
       st.sampled_from([r"ab", r"(?i:ab)", r"a\.b|b-1", r"(?<=A)b+", r"[ab]{2}\d", r"\p{Lu}\.",
                        r"(?i)k|s", r"\bab\b(?!\.)", r"(?:a|b)?-(?=1)", r"[^a]b", r"é|AB",
                        r"(?i:é)", r"a\s?b", r"(?<![a-z])1", r"(?i:[a-c]{2})", r"(?i)is",
                        r"(?i)ı", r"(?i)İ", r"(?i)[\u0100-\u017f]", r"(?i)[\u2100-\u2130]",
                        r"(?<=\p{L})\.(?=\p{L})", r"a(?=\.|-1)", r"(?i:s)(?=[ab]|k)b?", r"(?i:1)|1"]))
def test_a_gate_holds_wherever_its_pattern_matches(text, pattern):
    assume(regex.search(pattern, text))
    folded = regex_fold(text)
    for ascii in (False, True) if text.isascii() else (False,):
        for gate in gates(pattern, ascii=ascii):
            assert any((literal in folded) if is_folded else (literal in text)
                       for literal, is_folded in gate), (pattern, text, gate)
        if ascii == text.isascii():   # the gates a line of its kind is looked at with
            index = TriggerIndex()
            bits = [index.bit(key_characters(gate, ascii), ascii) for gate in gates(pattern, ascii=ascii)]
            assert all(index.mask(text) & bit == bit for bit in bits), (pattern, text)


def test_gates_of_some_patterns():
    assert gates(r"\d+%") == [frozenset({("%", False)})]      # \d: any Unicode digit
    assert gates(r"\d+%", ascii=True) == [frozenset((digit + "%", False) for digit in "0123456789"),
                                          frozenset((digit, False) for digit in "0123456789")]
    assert gates(r"(?i:llama)") == [frozenset({("llama", True)})]
    assert gates(r"(?<=\bHenry )VIII") == [frozenset({("VIII", False)}),
                                           frozenset({("Henry ", False)})]
    assert gates(r"\p{L}+") == []                             # nothing to go by
    assert gates(r"(a)\1") == [frozenset({("a", False)})]     # \1 adds nothing, takes nothing
    assert gates(r"[–—]", ascii=True) == [frozenset()]        # never in a line of ASCII
    assert gates(r"x{e<=1}") == []                            # syntax only `regex` has


def test_trie_pattern_finds_any_of_its_strings():
    strings = {"lama", "llama", "cuda", "c++", "a.b"}
    pattern = regex.compile(trie_pattern(strings))
    for text in ["a llama", "CUDA", "cuda", "c++ code", "a.b", "axb", "lam"]:
        assert bool(pattern.search(text)) == any(s in text for s in strings), text


def test_a_gate_keeps_the_strings_it_needs():
    assert minimal_gate({(" %", False), ("%", False)}) == {("%", False)}
    # "face" in any case is found wherever "face" as written is, not the other way round
    assert minimal_gate({("face", False), ("face", True)}) == {("face", True)}
    assert minimal_gate({("a1", True), ("1", False)}) == {("1", False)}
    # strings that imply each other: one stays (both went, and the rule was never tried)
    assert minimal_gate({("1", True), ("1", False)}) == {("1", False)}


def test_a_string_search_finds_any_of_its_strings_whichever_way_it_looks():
    from normalizer.stages.base import SEARCHES, string_search
    few = {"xq", "zz9", "Jx", "7%"}
    rare = few | {f"Q{n}" for n in range(12)}              # a trie is tried only at x, z, J, 7, Q
    common = {"the", "and", "ice", "sea", "one", "rat", "his", "lot", "cat", "two", "oak",
              "ash", "elm", "ink"}                         # a trie would be tried everywhere
    for strings in (few, rare, common):
        # each way, and the one chosen for these strings (by timing them once)
        searches = [make(strings).search for make in SEARCHES.values()] + [
            string_search(strings).search, string_search(strings, folded=True).search]
        for search in searches:
            for text in ["", "a cat sat", "zz9 top", "nothing", "Jxq", "th e", "17%", "lo t", "Q11"]:
                assert bool(search(text)) == any(string in text for string in strings), text


def test_letters_regex_matches_case_insensitively_that_casefold_keeps_apart(pipe):
    """"(?i)i" matches "İ" and "(?i)I" matches "ı": a line spelled with them still opens the
    rules its plain alternation finds ("the Mİxtrel 8x7B model")."""
    texts = {case.text.replace(old, new) for stage in pipe.stages for case in cases(stage)
             for old, new in (("i", "İ"), ("I", "ı"), ("s", "ſ"))}
    differ = [f"{stage.name}: {text!r}" for stage in pipe.stages for text in sorted(texts)
              if gated(stage, text) != reference(stage, text)]
    assert not differ, "\n".join(differ[:20])
