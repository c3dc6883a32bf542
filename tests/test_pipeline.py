"""Pipeline files: extends, stage order, disabling, rule overrides by id, and the errors a
user gets for broken files (one message naming file and line)."""

import pickle
import textwrap

import pytest

import normalizer
from normalizer.errors import RuleError
from normalizer.pipeline import read_spec


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def test_result_api(pipe):
    result = pipe.normalize("I asked ChachiPT.")
    assert result.text == "I asked Chat G P T."
    fix, spelled = result.edits
    assert (fix.stage, fix.rule, fix.at, fix.src, fix.old, fix.new) == (
        "asr_fixes", "chatgpt", (8, 16), (8, 16), "ChachiPT", "ChatGPT")
    # the letters stage edits the fix's output: its source span is still the original word
    assert (spelled.stage, spelled.src, spelled.new) == ("letters", (8, 16), "Chat G P T")
    assert result.flags == ()


def test_unchanged_line_is_the_same_object(pipe):
    text = "Nothing to do here."
    assert pipe.normalize(text).text is text


def test_residue_flags_with_span_and_reason(tmp_path):
    pipe = normalizer.load(write(tmp_path, "p.yaml", """
        stages: [{name: residue, rules: [%s]}]
    """ % (normalizer.pipeline.BUNDLED_DIR / "residue.yaml")))
    result = pipe.normalize("room 101 costs €")
    assert [(f.rule, f.src, f.text) for f in result.flags] == [
        ("digit", (5, 8), "101"), ("currency-symbol", (15, 16), "€")]
    assert result.text == "room 101 costs €"


def test_user_pipeline_extends_overrides_and_disables(tmp_path):
    write(tmp_path, "fixes.yaml", """
        rules:
          - id: chatgpt                  # overrides the bundled rule of the same id
            words: [ChachiPT]
            replace: Chatty-fixed
            examples: [["ChachiPT", "Chatty-fixed"]]
          - id: llama-caps
            disable: true
          - id: grok
            words: [Grock]
            replace: Grok
            examples: [["Grock", "Grok"]]
    """)
    pipe = normalizer.load(write(tmp_path, "p.yaml", """
        extends: default
        disable: [residue]
        rules:
          asr_fixes: [fixes.yaml]
    """))
    assert pipe.normalize("ChachiPT and Grock").text == "Chatty-fixed and Grok"
    llama = pipe.normalize("LLAMA")    # llama-caps is off: an acronym like any other
    assert llama.text == "L L A M A" and [change.rule for change in llama.edits] == ["acronym"]
    assert "residue" not in [stage.name for stage in pipe.stages]


def test_user_stage_list_reorders_and_adds(tmp_path):
    write(tmp_path, "mine.yaml", """
        rules:
          - id: shout
            words: [hello]
            replace: HELLO
            keep_case: false
            examples: [["hello", "HELLO"]]
    """)
    spec = read_spec(write(tmp_path, "p.yaml", """
        extends: default
        stages:
          - {name: greetings, kind: rules, rules: [mine.yaml]}
          - asr_fixes
    """))
    assert [stage.name for stage in spec.stages] == ["greetings", "asr_fixes"]
    pipe = normalizer.Pipeline(spec)
    assert pipe.normalize("hello ChachiPT").text == "HELLO ChatGPT"


def test_pipeline_pickles_and_batches(pipe):
    clone = pickle.loads(pickle.dumps(pipe))
    texts = ["ChachiPT", "plain"]
    assert [r.text for r in clone.normalize_batch(texts)] == [r.text for r in pipe.normalize_batch(texts)]


def test_trace_lists_each_stage(pipe):
    trace = []
    pipe.normalize("ChachiPT", trace=trace)
    names = [stage.name for stage in pipe.stages]
    # the first pass changed the text, so a second pass checks that it has settled; the
    # stages after the last one that changed it (letters: "G P T") have seen this very text
    settled = names[:names.index("letters") + 1]
    assert [name for name, _, _ in trace] == names + [f"{name} (pass 2)" for name in settled]
    assert ("asr_fixes", "ChatGPT", ["chatgpt"]) in trace


def test_line_timeout_passes_line_through_and_flags(tmp_path):
    write(tmp_path, "slow.yaml", r"""
        rules:
          - id: slow
            pattern: '(?:a|aa)+b'
            replace: x
            examples: [["aab", "x"]]
    """)
    pipe = normalizer.load(write(tmp_path, "p.yaml", """
        line_timeout: 0.05
        stages: [{name: slow, kind: rules, rules: [slow.yaml]}]
    """))
    text = "a" * 60 + "c ab"   # "ab" opens the rule's gate: a line without one never tries it
    result = pipe.normalize(text)
    assert result.text == text
    assert [flag.rule for flag in result.flags] == ["timeout"]


BROKEN = [
    ("stages: [cleanup, unit]", "unknown stage 'unit'", 1),
    ("stages: [cleanup, cleanup]", "listed twice", 1),
    ("extends: default\nstyle: {hyphen: true}", "unknown style setting 'hyphen'", 1),
    ("extends: default\ndisable: [nope]", "cannot disable unknown stage 'nope'", 1),
    ("stages: [cleanup\n", "invalid YAML", 2),
    ("extends: default\nrules: {asr_fixes: [missing.yaml]}", "file not found", None),
    ("stages: [{name: x, kind: rules, rules: [bad.yaml]}]", "bad pattern", 3),
    ("stages: [{name: x, kind: rules, rules: [dup.yaml]}]", "duplicate rule id 'a'", 7),
    ("stages: [{name: x, kind: rules, rules: [cyc1.yaml]}]", "include cycle", None),
    ("stages: [{name: x, kind: rules, rules: [nomatcher.yaml]}]", "exactly one matcher", 2),
    ("stages: [{name: x, kind: rules, rules: [badsay.yaml]}]", "unknown verbalizer 'kardinal'", 2),
    ("stages: [{name: x, kind: rules, rules: [tag.yaml]}]", "invalid YAML", 1),
]


@pytest.mark.parametrize("pipeline, message, line", BROKEN)
def test_broken_files_give_one_clear_error(tmp_path, pipeline, message, line):
    write(tmp_path, "bad.yaml", """
        rules:
          - id: a
            pattern: '(unclosed'
            replace: x
    """)
    write(tmp_path, "dup.yaml", """
        rules:
          - id: a
            words: [x]
            replace: y
            examples: [[x, y]]
          - id: a
            words: [z]
            replace: y
    """)
    write(tmp_path, "cyc1.yaml", "include: [cyc2.yaml]\nrules: []\n")
    write(tmp_path, "cyc2.yaml", "include: [cyc1.yaml]\nrules: []\n")
    write(tmp_path, "nomatcher.yaml", "rules:\n  - id: a\n    replace: x\n")
    write(tmp_path, "badsay.yaml", "rules:\n  - id: a\n    words: [x]\n    say: kardinal\n")
    write(tmp_path, "tag.yaml", "!!python/object/apply:os.system ['echo pwned']\n")
    path = write(tmp_path, "p.yaml", pipeline)
    with pytest.raises(RuleError) as caught:
        normalizer.load(path)
    error = caught.value
    assert message in str(error)
    assert error.path and error.path.endswith(".yaml")
    if line is not None:
        assert error.line == line, str(error)


def test_stages_run_until_the_text_settles(pipe):
    """A later stage can make the context an earlier rule needs: "Dr." is a title before a
    capitalized word, which the money stage writes. The second pass reads it, and the
    output is then stable."""
    result = pipe.normalize("Dr. $2")
    assert result.text == "Doctor Two dollars"
    assert [(c.stage, c.step) for c in result.edits] == [
        ("money", 5), ("abbreviations", len(pipe.stages) + 3)]
    assert pipe.normalize(result.text).text == result.text
    assert normalizer.replay("Dr. $2", [c.as_dict() for c in result.edits]) == result.text


def test_a_pack_is_switched_off_by_name(tmp_path):
    spec = read_spec(write(tmp_path, "p.yaml", """
        extends: default
        remove_rules: {asr_fixes: [packs/dev_tools.yaml]}
    """))
    (stage,) = [s for s in spec.stages if s.name == "asr_fixes"]
    assert [path.rsplit("/", 1)[-1] for path in stage.rules] == ["ai_software.yaml"]
    with pytest.raises(RuleError, match="does not read"):
        read_spec(write(tmp_path, "q.yaml", "extends: default\nremove_rules: {asr_fixes: [nope.yaml]}\n"))
