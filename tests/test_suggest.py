"""`suggest`: probable misrecognitions found without being told of them, and the draft rule
file written for them (it loads, and its examples pass in the stage it joins)."""

import pytest

from normalizer.checks import check_stage
from normalizer.errors import ManifestError, NormalizerError
from normalizer.pipeline import StageSpec, build_stage, read_spec
from normalizer.rules import load_rules, read_rule_files
from normalizer.suggest import (draft_rules, is_english, load_lexicon, squash, stage_targets,
                                suggest, transcripts)
from normalizer.verbalize import Style

from conftest import ROOT, SAMPLE

LEXICON = ["ChatGPT", "Llama", "Claude", "Scale AI"]
PACKS = ROOT / "normalizer" / "rules" / "packs"
# What a person reviewing the sample would accept: every candidate must be one of these.
SAMPLE_FIXES = {"ChachiPT": "ChatGPT", "ChessGPT": "ChatGPT", "chat GPT": "ChatGPT",
                "Lama": "Llama", "LLAMA": "Llama", "ScaleAI": "Scale AI", "Scale.ai": "Scale AI",
                "Cloud": "Claude", "Meta.ai": "Meta AI"}


@pytest.fixture(scope="module")
def packs_stage():
    """The asr_fixes stage with every bundled pack (other stages are not needed here)."""
    files = tuple(str(path) for path in sorted(PACKS.glob("*.yaml")))
    return build_stage(StageSpec("asr_fixes", "asr_fixes", files), Style())


def fixes(candidates):
    return {form: candidate.target for candidate in candidates for form in candidate.forms}


def test_sample_finds_the_known_errors_without_being_told():
    found = fixes(suggest(transcripts([str(SAMPLE)]), LEXICON))
    for wrong, right in [("ChachiPT", "ChatGPT"), ("ChessGPT", "ChatGPT"), ("Lama", "Llama"),
                         ("ScaleAI", "Scale AI")]:
        assert found.get(wrong) == right, f"{wrong} -> {right} not proposed; found {found}"


def test_sample_proposes_nothing_absurd(packs_stage):
    """With the packs' targets in the lexicon too: every candidate is a real error."""
    lexicon = LEXICON + stage_targets(packs_stage)
    candidates = suggest(transcripts([str(SAMPLE)]), lexicon)
    assert fixes(candidates).items() <= SAMPLE_FIXES.items()
    assert [c.score for c in candidates] == sorted((c.score for c in candidates), reverse=True)


def test_english_words_are_proposed_only_in_context():
    candidates = suggest(transcripts([str(SAMPLE)]), LEXICON)
    by_form = {form: c for c in candidates for form in c.forms}
    assert by_form["Lama"].context == ("#",)          # "Lama 2", "Lama270b"
    assert by_form["Cloud"].context == ("series",)    # as in "the LLAMA series"
    for candidate in candidates:    # "LLAMA" is Llama's own letters: no context needed
        assert (candidate.context or squash(candidate.forms[0]) == squash(candidate.target)
                or not all(is_english(word) for word in candidate.forms[0].split())), candidate
    alone = [("a", "Cloud computing is cheap."), ("b", "We moved it to the Cloud today."),
             ("c", "ChatGPT and Claude are models.")]
    assert not suggest(alone, LEXICON)


def test_evidence_counts_and_examples():
    candidates = suggest(transcripts([str(SAMPLE)]), LEXICON)
    chachi = next(c for c in candidates if "ChachiPT" in c.forms)
    assert chachi.count == 2 and chachi.target_count == 1   # "ChatGPT" once as written
    assert [item.id for item in chachi.evidence] == ["llm_intro_93.wav", "llm_intro_99.wav"]
    item = chachi.evidence[0]
    assert item.text[item.start:item.end] == "ChachiPT"


def test_word_pairs_and_variants():
    texts = [("1", "we asked Chachi PT about it"), ("2", "then CHATGPT and Chat-GPT answered"),
             ("3", "a poem about ScaleAI and Scale.ai")]
    found = fixes(suggest(texts, LEXICON))
    assert found == {"Chachi PT": "ChatGPT", "CHATGPT": "ChatGPT", "Chat-GPT": "ChatGPT",
                     "ScaleAI": "Scale AI", "Scale.ai": "Scale AI"}


def test_without_a_lexicon_rare_look_alikes_of_frequent_names():
    texts = [("k", "Andrej Karpathy explains it.")] * 6 + [("c", "I met Andrej Carpathy.")]
    texts += [("g", "It is on GitHub.")] * 6 + [("h", "Clone it from Github.")]
    texts += [("w", "The weather is fine.")] * 6 + [("x", "The wether is fine.")]
    found = fixes(suggest(texts))
    assert found == {"Carpathy": "Karpathy", "Github": "GitHub"}


def test_pack_fixes_are_marked_and_not_drafted(packs_stage):
    lexicon = LEXICON + stage_targets(packs_stage)
    candidates = suggest(transcripts([str(SAMPLE)]), lexicon, stage=packs_stage)
    assert all(candidate.fixed_by for candidate in candidates)
    chess = next(c for c in candidates if "ChessGPT" in c.forms)
    assert chess.fixed_by == "chatgpt"
    draft = draft_rules(candidates, packs_stage)
    assert "rules: []" in draft and '"ChessGPT" -> "ChatGPT"' in draft


@pytest.mark.parametrize("with_stage", [False, True])
def test_draft_loads_and_its_examples_pass(tmp_path, packs_stage, with_stage):
    """The draft joins the asr_fixes stage (here without the packs, so that nothing is
    fixed yet); its rules' examples and keep cases pass there."""
    base = tuple(str(path) for path in sorted(PACKS.glob("*.yaml"))) if with_stage else ()
    stage = build_stage(StageSpec("asr_fixes", "asr_fixes", base), Style()) if base else None
    texts = list(transcripts([str(SAMPLE)]))
    if with_stage:   # the sample with its errors spelled otherwise, so the packs miss them
        texts = [(ident, text.replace("ChachiPT", "ChatchyPT").replace("ChessGPT", "ChetGPT"))
                 for ident, text in texts]
    candidates = suggest(texts, LEXICON, stage=stage)
    draft = tmp_path / "draft.yaml"
    draft.write_text(draft_rules(candidates, stage), encoding="utf-8")
    rules = load_rules(read_rule_files([str(draft)]), {})
    drafted = [c for c in candidates if not c.fixed_by]
    assert len(rules) == len(drafted) > 0
    assert all(rule.examples for rule in rules)
    if with_stage:
        assert {form for c in drafted for form in c.forms} == {"ChatchyPT", "ChetGPT"}
    user = tmp_path / "my_fixes.yaml"
    user.write_text("include: [draft.yaml]\nrules: []\n", encoding="utf-8")
    joined = build_stage(StageSpec("asr_fixes", "asr_fixes", (*base, str(user))), Style())
    assert check_stage(joined) == []


def test_draft_added_to_a_pipeline_file(tmp_path):
    candidates = suggest(transcripts([str(SAMPLE)]), ["ChatGPT"])
    (tmp_path / "draft.yaml").write_text(draft_rules(candidates), encoding="utf-8")
    pipeline = tmp_path / "pipeline.yaml"
    pipeline.write_text("extends: default\nrules:\n  asr_fixes: [draft.yaml]\n", encoding="utf-8")
    spec = next(stage for stage in read_spec(pipeline).stages if stage.name == "asr_fixes")
    stage = build_stage(spec, Style())
    assert "chachipt-to-chatgpt" in {rule.id for rule in stage.rules}
    assert check_stage(stage) == []


def test_draft_has_evidence_comments_and_ranks():
    draft = draft_rules(suggest(transcripts([str(SAMPLE)]), LEXICON))
    assert '# 7. "ChachiPT" -> "ChatGPT": 2 times, score' in draft
    assert "#    llm_intro_93.wav: do a search, right? And that's exactly what ChachiPT does." in draft
    ids = [line.split(": ")[1] for line in draft.splitlines() if line.startswith("  - id: ")]
    assert len(ids) == len(set(ids)) and "chachipt-to-chatgpt" in ids


def test_draft_of_nothing_is_a_valid_rule_file(tmp_path):
    path = tmp_path / "empty.yaml"
    path.write_text(draft_rules([]), encoding="utf-8")
    assert load_rules(read_rule_files([str(path)]), {}) == []


MANIFESTS = {
    "nemo": ("train.jsonl", '{"audio_filepath": "a.wav", "text": "I asked ChachiPT."}\n'
                            '{"audio_filepath": "b.wav", "text": "ChatGPT said no."}\n'),
    "kaldi": ("text", "utt1 I asked ChachiPT.\nutt2 ChatGPT said no.\n"),
    "tsv": ("train.tsv", "path\ttext\na.wav\tI asked ChachiPT.\nb.wav\tChatGPT said no.\n"),
    "csv": ("train.csv", 'path,text\na.wav,"I asked ChachiPT, twice."\nb.wav,ChatGPT said no.\n'),
    "ljspeech": ("metadata.csv", "a|I asked ChachiPT.|\nb|ChatGPT said no.|\n"),
}


@pytest.mark.parametrize("fmt", sorted(MANIFESTS))
def test_every_manifest_format(tmp_path, fmt):
    name, content = MANIFESTS[fmt]
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    texts = list(transcripts([str(path)]))
    assert len(texts) == 2 and "ChachiPT" in texts[0][1]
    [candidate] = suggest(texts, ["ChatGPT"])
    assert candidate.forms == ("ChachiPT",) and candidate.evidence[0].id == texts[0][0]


def test_a_bad_manifest_line_is_an_error(tmp_path):
    path = tmp_path / "train.jsonl"
    path.write_text('{"text": "fine"}\nnot json\n', encoding="utf-8")
    with pytest.raises(ManifestError) as error:
        list(transcripts([str(path)], "nemo"))
    assert error.value.line == 2


def test_lexicon_file(tmp_path):
    path = tmp_path / "terms.txt"
    path.write_text("# AI names\nChatGPT\n\n  Llama 2 \nScale AI\n", encoding="utf-8")
    assert load_lexicon(str(path)) == ["ChatGPT", "Llama 2", "Scale AI"]
    with pytest.raises(NormalizerError):
        load_lexicon(str(tmp_path / "missing.txt"))


def test_stage_targets_are_names(packs_stage):
    targets = stage_targets(packs_stage)
    assert {"ChatGPT", "Llama", "GPT", "Claude", "Scale AI", "PyTorch"} <= set(targets)
    assert not any(char.isdigit() or "\\" in target for target in targets for char in target)


def test_draft_top_counts_only_drafted_rules(packs_stage):
    texts = [("1", "I asked ChessGPT and ChatchyPT."), ("2", "then ChetGPT and Chachi-PT")]
    candidates = suggest(texts, ["ChatGPT"], stage=packs_stage)
    draft = draft_rules(candidates, packs_stage, top=1)
    assert draft.count("  - id: ") == 1
    assert '"ChessGPT" -> "ChatGPT"' in draft.split("(no rule drafted):")[1]
