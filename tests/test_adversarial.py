"""Adversarial input: pathological lines, broken or hostile rule files, hostile transcripts.

- A pathological line finishes in time linear in its length, or, past the line's time
  budget, comes back unchanged and flagged; it never hangs the run.
- A broken rule file gives one error naming the file and the line, never a traceback;
  YAML tags construct nothing.
- A transcript is data: nothing in it is run, read as a pattern or template, or written
  unescaped into the HTML review page.
"""

from __future__ import annotations

import gc
import json
import subprocess
import sys
import textwrap
import time

import pytest

import normalizer
from normalizer import replay
from normalizer.errors import RuleError
from normalizer.pipeline import DEFAULT_PIPELINE

from conftest import ROOT
from normalizer.edits import Edit
from test_properties import write_mini

PATHOLOGICAL = {
    "1 MB of prose": lambda n: ("The 5 kg cat cost $3.50, 10% off, on 3/4/2020 at 5:30 pm. " * (n // 58 + 1))[:n],
    "digits": lambda n: "1" * n,
    "one letter": lambda n: "a" * n,
    "capitals": lambda n: "A" * n,
    "spaces then a dash": lambda n: " " * n + "--",
    "dots": lambda n: "." * n,
    "digits and dots": lambda n: "1." * (n // 2),
    "digits and commas": lambda n: "1," * (n // 2),
    "digits and hyphens": lambda n: "1-" * (n // 2),
    "digits and colons": lambda n: "1:" * (n // 2),
    "digits and slashes": lambda n: "1/" * (n // 2),
    "nested brackets": lambda n: "([{" * (n // 6) + "}])" * (n // 6),
    "abbreviations": lambda n: ("Dr. Mr. St. e.g. etc. vs. No. " * (n // 30 + 1))[:n],
    "dollar signs": lambda n: "$" * n,
    "no-break spaces": lambda n: "1\u00a0" * (n // 2),
    "at signs": lambda n: "a@" * (n // 2),
    "url": lambda n: "https://" + "a." * (n // 2),
    "combining marks": lambda n: "e" + "\u0301" * (n - 1),
    "right-to-left digits": lambda n: "\u0663" * n,
}


@pytest.fixture(scope="module")
def mini(tmp_path_factory):
    return normalizer.load(write_mini(tmp_path_factory.mktemp("mini")))


def cpu_seconds(function, *args) -> float:
    """The least CPU time of two calls, without the garbage collector: a stage that flags
    80,000 characters keeps 80,000 matches alive, and the collector's passes over them grow
    faster than the text (what is timed here is how the patterns scan)."""
    best = float("inf")
    gc.collect()
    gc.disable()
    try:
        for _ in range(2):
            started = time.process_time()
            function(*args)
            best = min(best, time.process_time() - started)
    finally:
        gc.enable()
    return best


@pytest.fixture(scope="module")
def patient(tmp_path_factory):
    """The default pipeline with a time budget long enough to time whole scans."""
    path = tmp_path_factory.mktemp("patient") / "p.yaml"
    path.write_text(f"extends: {DEFAULT_PIPELINE}\nline_timeout: 100\n", encoding="utf-8")
    return normalizer.load(path)


@pytest.mark.parametrize("kind", PATHOLOGICAL)
def test_every_stage_is_linear(patient, kind):
    """Four times the text may cost at most about four times as much (CPU time, not wall)."""
    make = PATHOLOGICAL[kind]
    small, large = make(5_000), make(20_000)
    slow = []
    for stage in patient.stages:
        before = cpu_seconds(stage, small)
        if before < 0.001:      # too fast to time; a quadratic scan is not this fast at 5,000
            continue
        after = cpu_seconds(stage, large)
        if after > 7 * before and before < 0.05:   # a few milliseconds: time longer texts
            before, after = cpu_seconds(stage, make(20_000)), cpu_seconds(stage, make(80_000))
        if after > 7 * before:
            slow.append(f"{stage.name}: {before:.3f} s -> {after:.3f} s")
    assert not slow, f"{kind}: superlinear stages: {slow}"


@pytest.mark.parametrize("kind", ["1 MB of prose", "digits", "one letter", "nested brackets", "abbreviations"])
def test_pathological_line_is_bounded(pipe, kind):
    """A 1 MB line under the default 1 s budget: finished, or unchanged and flagged, in seconds."""
    text = PATHOLOGICAL[kind](1_000_000 if kind != "digits" else 100_000)
    started = time.monotonic()
    result = pipe.normalize(text)
    seconds = time.monotonic() - started
    # The regex module checks its timeout from time to time, not at every step: allow slack.
    assert seconds < 10 * pipe.spec.line_timeout + 5, f"{kind}: {seconds:.1f} s"
    if any(flag.rule == "timeout" for flag in result.flags):
        assert result.text is text and not result.edits
    else:
        assert replay(text, result.edits) == result.text


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def test_catastrophic_pattern_is_bounded_by_the_line_budget(tmp_path):
    """A pattern that backtracks exponentially, as a rule and as a `when` guard."""
    write(tmp_path, "slow.yaml", r"""
        rules:
          - id: nested
            pattern: '(?:a|aa)+b'
            replace: z
          - id: guarded
            words: [b]
            when: '(?:x|xx)+$'
            replace: c
    """)
    pipe = normalizer.load(write(tmp_path, "p.yaml", """
        line_timeout: 0.2
        stages: [{name: slow, kind: rules, rules: [slow.yaml]}]
    """))
    # (the "ab" at the end opens the nested rule's gate: a line without one never tries it)
    for text in ("a" * 60 + "! ab", "b " + "x" * 60 + "!"):
        started = time.monotonic()
        result = pipe.normalize(text)
        assert time.monotonic() - started < 5
        assert result.text is text
        assert [(flag.rule, flag.src) for flag in result.flags] == [("timeout", (0, len(text)))]


class Broken:
    """A stage with a bug: it raises on "boom" and returns overlapping edits on "overlap"."""

    def __init__(self, stage):
        self.stage, self.name = stage, stage.name

    def __getattr__(self, name):    # everything else as the real stage
        return getattr(self.stage, name)

    def active(self, mask):   # every line reaches it
        return (0,)

    def __call__(self, text, timeout=None, mask=None, active=None):
        if "boom" in text:
            raise ZeroDivisionError("boom")
        if "overlap" in text:
            return [Edit(0, 3, "x", "a"), Edit(1, 2, "y", "b")]
        return self.stage(text, timeout)


def test_a_stage_that_raises_flags_the_line_and_goes_on(mini, monkeypatch):
    """A bug in a stage must not end a run of millions of lines: the line is passed through,
    flagged loudly."""
    monkeypatch.setattr(mini, "stages", [mini.stages[0], Broken(mini.stages[1]), *mini.stages[2:]])
    for text in ("boom 5", "overlap 5"):
        result = mini.normalize(text)
        assert result.text is text and not result.edits
        [flag] = result.flags
        assert (flag.stage, flag.rule, flag.src) == ("expand", "error", (0, len(text)))
        assert "INTERNAL ERROR" in flag.reason
    assert mini.normalize("5 GPUs").text == "Five GPUs"


# Rule files: (file text, words expected in the error, line or None)
BROKEN_RULES = {
    "rules not a list": ("rules: 5\n", "'rules' must be a list", None),
    "a rule not a mapping": ("rules: [5]\n", "a rule must be a mapping", None),
    "id not a string": ("rules:\n  - id: 5\n    words: [a]\n    replace: b\n", "rule id 5", 2),
    "id missing": ("rules:\n  - words: [x]\n    replace: y\n", "rule id None", 2),
    "words not strings": ("rules:\n  - id: a\n    words: [1]\n    replace: b\n", "'words' must be a list of strings", 2),
    "empty word": ("rules:\n  - id: a\n    words: ['']\n    replace: b\n", "matches the empty string", 2),
    "no words": ("rules:\n  - id: a\n    words: []\n    replace: b\n", "'words' needs words", 2),
    "pattern not a string": ("rules:\n  - id: a\n    pattern: 5\n    replace: b\n", "'pattern' must be", 2),
    "replace a list": ("rules:\n  - id: a\n    words: [x]\n    replace: [5]\n", "'replace' must be a string", 2),
    "args a list": ("rules:\n  - id: a\n    words: [x]\n    say: cardinal\n    args: [1]\n", "'args' must be a mapping", 2),
    "args group a number": ("rules:\n  - id: a\n    pattern: '(?P<n>\\d)'\n    say: cardinal\n    args: {group: 5}\n",
                            "'args: group' must name a group", 2),
    "args group missing": ("rules:\n  - id: a\n    pattern: '(?P<n>\\d)'\n    say: cardinal\n    args: {group: m}\n",
                           "names the group 'm'", 2),
    "examples not pairs": ("rules:\n  - id: a\n    words: [x]\n    replace: y\n    examples: [[1, 2]]\n", "must be a pair", 2),
    "when not a pattern": ("rules:\n  - id: a\n    words: [x]\n    replace: y\n    when: '('\n", "bad 'when' pattern", 2),
    "no matcher": ("rules:\n  - id: a\n    replace: y\n", "exactly one matcher", 2),
    "no output": ("rules:\n  - id: a\n    words: [x]\n", "needs an output", 2),
    "bad pattern": ("rules:\n  - id: a\n    pattern: '(x'\n    replace: y\n", "bad pattern", 2),
    "numbered back-reference": ("rules:\n  - id: a\n    pattern: '(x)\\1'\n    replace: y\n", "named groups", None),
    "back-reference after an escaped bracket": ("rules:\n  - id: a\n    pattern: '\\[(x)\\1]'\n    replace: y\n",
                                                "named groups", None),
    "template group missing": ("rules:\n  - id: a\n    pattern: 'x'\n    replace: '\\g<nope>'\n", "cannot be expanded", 2),
    "template numbered group": ("rules:\n  - id: a\n    pattern: '(?P<n>x)'\n    replace: '\\1'\n", "by number", 2),
    "template bad escape": ("rules:\n  - id: a\n    pattern: 'x'\n    replace: 'a\\qb'\n", "bad escape", 2),
    "unknown verbalizer": ("rules:\n  - id: a\n    pattern: 'x'\n    replace: '{kardinal}'\n", "unknown verbalizer", 2),
    "undefined name": ("rules:\n  - id: a\n    pattern: 'x{NOPE}'\n    replace: y\n", "not defined", 2),
    "define cycle": ("define: {A: '{B}', B: '{A}'}\nrules:\n  - id: a\n    pattern: '{A}'\n    replace: y\n",
                     "cycle", 3),
    "define bomb": ("define: {A: '{B}{B}{B}{B}{B}{B}{B}{B}', B: '{C}{C}{C}{C}{C}{C}{C}{C}', "
                    "C: '{D}{D}{D}{D}{D}{D}{D}{D}', D: '{E}{E}{E}{E}{E}{E}{E}{E}', E: '{F}{F}{F}{F}{F}{F}{F}{F}', "
                    "F: '{G}{G}{G}{G}{G}{G}{G}{G}', G: 'xxxxxxxxxxxxxxxxxxxxxx'}\n"
                    "rules:\n  - id: a\n    pattern: '{A}'\n    replace: y\n", "grows beyond", 3),
    "huge alternation": ("rules:\n  - id: a\n    words: [" + ", ".join(f"word{i}" for i in range(20000)) + "]\n"
                         "    replace: y\n", "more than 100,000", 2),
    "include not a list": ("include: 5\nrules: []\n", "'include' must be a list", 1),
    "include cycle": ("include: [r.yaml]\nrules: []\n", "include cycle", None),
    "include missing": ("include: [missing.yaml]\nrules: []\n", "file not found", None),
    "duplicate key": ("rules: []\nrules: []\n", "duplicate key", 2),
    "duplicate id": ("rules:\n  - {id: a, words: [x], replace: y}\n  - {id: a, words: [z], replace: y}\n",
                     "duplicate rule id", 3),
    "unknown rule key": ("rules:\n  - id: a\n    words: [x]\n    replace: y\n    replce: z\n", "unknown key", 2),
    "not YAML": ("rules: [\n", "invalid YAML", 2),
    "not UTF-8": ("rules: []\n# \udcff\n", "not valid UTF-8", None),
    "nested too deeply": ("rules: " + "[" * 3000 + "]" * 3000 + "\n", "nested too deeply", None),
    "a list, not a mapping": ("- a\n- b\n", "must be a mapping", 1),
    "empty file": ("", "must be a mapping", 1),
    "python tag": ("!!python/object/apply:os.system ['touch PWNED']\n", "invalid YAML", 1),
    "python tag in a rule": ("rules:\n  - id: a\n    words: !!python/object/apply:os.system ['touch PWNED']\n"
                             "    replace: y\n", "invalid YAML", 3),
    "python name tag": ("rules:\n  - id: a\n    words: [x]\n    replace: !!python/name:os.system\n", "invalid YAML", 4),
    "alias bomb": ("rules:\n  - id: a\n    words: [x]\n    replace: y\n    note:\n      a: &a [x, x, x, x, x, x, x, x, x]\n"
                   + "".join(f"      {c}: &{c} [{', '.join(['*' + p] * 9)}]\n" for p, c in zip("abcdefgh", "bcdefghi"))
                   + "    args: {bomb: *i}\n", "aliases", None),
}


@pytest.mark.parametrize("case", BROKEN_RULES)
def test_broken_rule_file_gives_one_clear_error(tmp_path, case):
    text, words, line = BROKEN_RULES[case]
    rules = tmp_path / "r.yaml"
    if "\udcff" in text:
        rules.write_bytes(text.encode("utf-8", "surrogateescape"))
    else:
        rules.write_text(text, encoding="utf-8")
    pipeline = write(tmp_path, "p.yaml", "stages: [{name: s, kind: rules, rules: [r.yaml]}]\n")
    started = time.monotonic()
    with pytest.raises(RuleError) as caught:
        normalizer.load(pipeline)
    assert time.monotonic() - started < 20
    error = caught.value
    assert words in str(error), str(error)
    assert error.path and error.path.endswith(".yaml"), str(error)
    if line is not None:
        assert error.line == line, str(error)
    assert not (tmp_path / "PWNED").exists()


def test_broken_pipeline_file_fields(tmp_path):
    for text, words in [("extends: default\ndisable: 5\n", "disable"),
                        ("extends: default\nrules: {asr_fixes: 5}\n", "rules"),
                        ("stages: 5\n", "'stages' must be a list"),
                        ("extends: 5\n", "'extends' must be"),
                        ("extends: default\nline_timeout: -1\n", "line_timeout")]:
        path = write(tmp_path, "p.yaml", text)
        with pytest.raises(RuleError) as caught:
            normalizer.load(path)
        assert words in str(caught.value) and caught.value.path.endswith("p.yaml")


def test_cli_reports_a_broken_rule_file_without_traceback(tmp_path):
    write(tmp_path, "r.yaml", "rules:\n  - id: a\n    pattern: '(?P<n>x)'\n    say: cardinal\n    args: {group: 5}\n")
    pipeline = write(tmp_path, "p.yaml", "stages: [{name: s, kind: rules, rules: [r.yaml]}]\n")
    done = subprocess.run([sys.executable, "-m", "normalizer", "explain", "-p", str(pipeline), "x"],
                          capture_output=True, cwd=ROOT)
    assert done.returncode == 1
    assert b"Traceback" not in done.stderr and b"r.yaml:2:" in done.stderr


HOSTILE = [
    r"\g<0> \1 {cardinal} {letters:x} {{}} %s %(x)s {0} ${HOME} $(touch PWNED) `touch PWNED`",
    "(?P<x>.*)+ [a-z]* .*? \\d+ (?=x) \\",
    "<script>alert(1)</script> </script><img src=x onerror=alert(2)> <!-- --> ]]> &amp; &#60;",
    "\"}]}); alert(3); //  \u2028\u2029 </textarea> </title>",
    "\x1b[31mred\x1b[0m \x1b]0;title\x07 \x00 \ud800",
]


def test_transcript_text_is_data(mini, tmp_path):
    """Template syntax, patterns, format strings and shell syntax in a line are only text."""
    for text in HOSTILE:
        result = mini.normalize(text)
        assert replay(text, result.edits) == result.text
    assert mini.normalize(HOSTILE[0]).text == (
        r"\g<zero> \one {cardinal} {letters:x} {{}} %s %(x)s {zero} ${H O M E} $(touch PWNED) `touch PWNED`")
    # matched text put back through a template's \g<group> is inserted as it is, not expanded
    write(tmp_path, "quote.yaml", r"""
        rules:
          - id: quote
            pattern: '<<(?P<w>.*?)>>'
            replace: '«\g<w>»'
    """)
    pipe = normalizer.load(write(tmp_path, "p.yaml", "stages: [{name: q, kind: rules, rules: [quote.yaml]}]\n"))
    assert pipe.normalize(r"<<\g<0> \1 {cardinal} \n>>").text == r"«\g<0> \1 {cardinal} \n»"
    assert pipe.normalize(r"<<\1 {cardinal} \n>>").text == r"«\1 {cardinal} \n»"


def test_default_pipeline_treats_hostile_text_as_data(pipe, tmp_path):
    for text in HOSTILE:
        result = pipe.normalize(text)
        assert replay(text, result.edits) == result.text
        assert not [flag for flag in result.flags if flag.rule == "error"]
    assert not (tmp_path / "PWNED").exists() and not (ROOT / "PWNED").exists()


def test_review_page_escapes_the_transcript(tmp_path, mini):
    """The HTML report holds transcript text only as escaped JSON data."""
    source = tmp_path / "in<b>.txt"
    lines = [f"id{i}<img src=x>|{text.replace('|', '/')} 5 #|" for i, text in enumerate(HOSTILE)
             if "\x00" not in text and "\ud800" not in text]
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    pipeline = write_mini(tmp_path)
    report = tmp_path / "review.html"
    done = subprocess.run([sys.executable, "-m", "normalizer", "run", str(source), "-o", str(tmp_path / "out.txt"),
                           "-p", str(pipeline), "--format", "ljspeech", "--report", str(report), "-q", "-j", "1"],
                          capture_output=True, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    page = report.read_text(encoding="utf-8")
    for needle in ("<script>alert", "<img src=x", "</textarea>", "</title> </", "<b>", "<!-- -->"):
        assert needle not in page, needle
    # the page's own script blocks: as many openings as closings, none from the data
    assert page.count("<script") == page.count("</script>")
    benign = tmp_path / "benign.txt"
    benign.write_text("a|5 cats #|\n", encoding="utf-8")
    other = tmp_path / "benign.html"
    subprocess.run([sys.executable, "-m", "normalizer", "run", str(benign), "-o", str(tmp_path / "o2.txt"),
                    "-p", str(pipeline), "--report", str(other), "-q", "-j", "1"], check=True, cwd=ROOT)
    assert page.count("<script") == other.read_text(encoding="utf-8").count("<script")
    assert "\\u003cscript>alert(" in page     # the data is there, its "<" escaped


def test_a_normalized_text_the_format_cannot_hold_is_passed_through(tmp_path):
    """A rule that writes the format's separator or a line break: the record is passed
    through unchanged and flagged, and the run goes on."""
    write(tmp_path, "bad.yaml", r"""
        rules:
          - id: pipe
            words: [pipe]
            replace: 'a|b'
          - id: newline
            words: [newline]
            replace: "a\nb"
    """)
    pipeline = write(tmp_path, "p.yaml", "stages: [{name: bad, kind: rules, rules: [bad.yaml]}]\n")
    source = tmp_path / "in.txt"
    source.write_bytes(b"a|say pipe now|\nb|a newline here|\nc|fine|\n")
    out, log = tmp_path / "out.txt", tmp_path / "diff.jsonl"
    done = subprocess.run([sys.executable, "-m", "normalizer", "run", str(source), "-o", str(out), "-p",
                           str(pipeline), "--diff-log", str(log), "-q"], capture_output=True, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert out.read_bytes() == b"a|say pipe now|say pipe now\nb|a newline here|a newline here\nc|fine|fine\n"
    flags = [json.loads(line)["flags"][0] for line in log.read_text().splitlines()]
    assert [(flag["stage"], flag["rule"]) for flag in flags] == [("output", "unwritable")] * 2


def test_a_bad_table_or_pipeline_entry_names_its_file(tmp_path):
    """Tables of the wrong shape, a bad `remove_rules`, a missing include: one message naming
    the user's file, never a traceback nor the bundled file's name."""
    write(tmp_path, "e.yaml", "rules: []\nspoken: [abc]\n")                 # a mapping in electronic.yaml
    write(tmp_path, "d.yaml", "rules: []\nmonths: [[1]]\n")                 # rows of names in dates.yaml
    write(tmp_path, "i.yaml", "include: [nothere.yaml]\nrules: []\n")
    for stage, file, words in [("electronic", "e.yaml", "must be a mapping"),
                               ("dates", "d.yaml", "bad table entry"),
                               ("numbers", "i.yaml", "'nothere.yaml': file not found")]:
        pipeline = write(tmp_path, "p.yaml", f"extends: default\nrules: {{{stage}: [{file}]}}\n")
        with pytest.raises(RuleError) as caught:
            normalizer.load(pipeline)
        assert words in str(caught.value) and caught.value.path.endswith(file), str(caught.value)
    pipeline = write(tmp_path, "p.yaml", "extends: default\nremove_rules: {asr_fixes: 5}\n")
    with pytest.raises(RuleError, match="must be a list of rule files"):
        normalizer.load(pipeline)


def test_a_verbalizer_failing_on_its_example_is_a_failed_example(tmp_path):
    write(tmp_path, "d.yaml", """
        rules:
          - id: dd
            pattern: '[0-9]+'
            say: digits
            args: {separator: 5}
            examples: [["12", "one two"]]
    """)
    pipeline = write(tmp_path, "p.yaml", "stages: [{name: s, kind: rules, rules: [d.yaml]}]\n")
    done = subprocess.run([sys.executable, "-m", "normalizer", "check", "-p", str(pipeline)],
                          capture_output=True, text=True, cwd=ROOT)
    assert done.returncode != 0 and "Traceback" not in done.stderr
    assert "d.yaml" in done.stdout + done.stderr and "check the rule's args" in done.stdout + done.stderr


def test_a_stage_list_changed_in_place_is_seen(mini):
    """What the stages may try is cached per line mask; a stage put in place of another is
    asked, not the one it replaced."""
    assert not mini.normalize("boom").flags   # no rule of the stage can match: not asked
    mini.stages[1] = Broken(mini.stages[1])
    try:
        [flag] = mini.normalize("boom").flags
        assert (flag.stage, flag.rule) == ("expand", "error")
    finally:
        mini.stages[1] = mini.stages[1].stage
