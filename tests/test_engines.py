"""The `re` translations of rule patterns (normalizer/engines.py) match, on every line of ASCII,
exactly what the `regex` patterns match: the same spans and the same groups."""

import re

import pytest
import regex
from hypothesis import given, settings
from hypothesis import strategies as st

from normalizer.engines import ascii_engine, ascii_translation
from test_triggers import corpus


def found(pattern, text):
    return [(match.span(), match.groupdict()) for match in pattern.finditer(text)]


@pytest.fixture(scope="module")
def translated(pipe):
    """(stage, rule id or hint, `regex` pattern, `re` translation) of every pattern that has one."""
    pairs = {}
    for stage in pipe.stages:
        for rule in stage.rules:
            for name, pattern in ((rule.id, rule.pattern), (f"{rule.id} (when)", rule.when)):
                source = pattern and ascii_translation(pattern)
                if source:
                    pairs[pattern] = (stage.name, name, regex.compile(pattern), re.compile(source, re.ASCII))
    return list(pairs.values())


def test_most_bundled_patterns_translate(translated, pipe):
    assert len(translated) > sum(len(stage.rules) for stage in pipe.stages) / 2


def test_translations_match_as_the_originals_on_every_line_of_ascii(pipe, translated):
    texts = [text for text in corpus(pipe) if text.isascii()]
    differ = [f"{stage} {name}: {text!r}: {found(original, text)} != {found(ascii, text)}"
              for stage, name, original, ascii in translated for text in texts
              if found(original, text) != found(ascii, text)]
    assert not differ, "\n".join(differ[:20])


ALPHABET = st.sampled_from(list("aeiostAEMDXIVk0123456789 .,-$%/:'\"()#@&+\t_")
                           + ["Mr.", "Dr. ", "St.", "Jan", "May ", "GPT", "Lama", "Henry ", "p.m.",
                              "Chapter ", "km", " of ", "the ", "1990s", "5th", "www.", ".com", "e.g."])


@settings(max_examples=200, deadline=None)
@given(st.lists(ALPHABET, max_size=30).map("".join))
def test_random_lines_too(translated, text):
    for stage, name, original, ascii in translated:
        assert found(original, text) == found(ascii, text), (stage, name)


LOOKBEHINDS = [r"(?<![a-z]|[0-9]x{0,2}-)y", r"(?<!a|bc)?x", r"(?<=(?<=a)x{0,1}?)b", r"(?<=a\x01{0,1})x", r"(?<=a|bc)d", r"(?<!\p{L}|\p{N}\p{L}{0,3}-)[0-9]+",
               r"(?<=^|[.!?] )[A-Z]", r"(?<=ab |c )\p{Lu}", r"(?<!x{0,2}-)[0-9]"]


@settings(max_examples=300, deadline=None)
@given(st.text(st.sampled_from(list("abcdxy0129-.!? AZ")), max_size=16), st.sampled_from(LOOKBEHINDS))
def test_lookbehinds_split_to_fixed_widths_match_as_before(text, pattern):
    assert found(regex.compile(pattern), text) == found(re.compile(ascii_translation(pattern), re.ASCII), text)


@pytest.mark.parametrize("pattern, translation", [
    (r"\p{L}+", r"[\u0041-\u005a\u0061-\u007a]+"),
    (r"[^\p{Lu}0-9]", r"[^\u0041-\u005a0-9]"),
    (r"\p{M}*x", "[\\uffff]*x"),                       # no ASCII character: a class none is in
    (r"[\P{L}]", r"[\u0000-\u0040\u005b-\u0060\u007b-\u007f]"),
    (r"(?<name>a)\g<name>?", None),                    # `regex`'s own syntax
    (r"(?<=\p{L}+ )x", None),                          # a lookbehind of variable width
    (r"(?i)\u212a", None),                             # Kelvin matches "k" under (?i)
    (r"(?i:straße)", None),
    (r"(?i:\p{Lu})", None),                            # does (?i) widen \p{Lu}? unsure
    (r"(?<=(?P<a>x))y", None),                         # a group in a lookbehind
    (r"(?x) [a-z] # [", None),                         # verbose
    (r"[[:alpha:]]", None),
    (r"[\p{L}-z]", None),
    (r"a{e<=1}", None),                                # fuzzy matching
    (r"(?<name>a)b", r"(?P<name>a)b"),
    (r"(?<![a-z]|[0-9]-)x", r"(?:(?<![a-z])(?<![0-9]-))x"),   # lookbehinds of one width each
    (r"(?<=\s|^ab)x", r"(?:(?<=\s)|(?<=^ab))x"),
    (r"(?<=a+)x", None),
    (r"(?<![0-9]a{0,40})x", None),                     # too many
    (r"(?<!a|bc)?x", r"(?:(?<!a)(?<!bc))?x"),           # the quantifier takes them all
    (r"(?<=a\012{0,1})x", r"(?:(?<=a)|(?<=a\012{1}))x"),  # an octal escape is one piece
    (r"(?<=(?<=a)x{0,1}?)b", r"(?:(?<=(?<=a))|(?<=(?<=a)x{1}))b"),
    (r"[(?<]", r"[(?<]"),                              # not a group inside a class
    (r"\p{1,}", None),                                 # `regex`: "p" repeated, not a property
    (r"(?:(?P<x>\d)|)*+", None),                       # Python 3.11's re loses the capture
    (r"(?i:x*)[^ab]", None),                            # `regex` lets (?i) spill over
    (r"(?:a+)+b", None),                                # re would backtrack for ever
    (r"(?:a+)++b", r"(?:a+)++b"),
])
def test_translations(pattern, translation):
    assert ascii_translation(pattern) == translation


def test_a_pattern_without_a_translation_stays_with_regex():
    compiled = regex.compile(r"(?<=\p{L}+ )x")
    assert ascii_engine(compiled.pattern, compiled) is compiled


def test_a_template_re_cannot_expand_keeps_the_rule_with_regex():
    """`re` does not read "\\u00a0" in a template: the rule is searched with `regex` (whose
    matches expand it) on every line."""
    from normalizer.rules import parse_rules
    from normalizer.stages.base import RuleStage
    rule = {"id": "r", "pattern": r"(?<!\w)(?P<n>\d+)(?=\s?km\b)", "replace": r"\g<n>\u00a0km"}
    stage = RuleStage("demo", parse_rules([rule], "demo.yaml"))
    assert stage.patterns[0].ascii is stage.patterns[0].regex
    assert [edit.new for edit in stage("go 5 km now")] == ["5\xa0km"]
