"""The bundled rule packs (normalizer/rules/packs/*.yaml), in the asr_fixes stage they join:
their rules are tested, their ids do not collide, they catch the spellings a recognizer
produces, leave ordinary English alone, and a user's rule overrides a pack's by id."""

import json
import pytest
import regex

from normalizer.checks import check_stage, shadows
from normalizer.edits import Edit, apply_edits
from normalizer.pipeline import StageSpec, build_stage, read_spec
from normalizer.rules import read_rule_files
from normalizer.verbalize import Style

from conftest import ROOT

PACKS = sorted((ROOT / "normalizer" / "rules" / "packs").glob("*.yaml"))
EVAL = ROOT.parent / "shared" / "eval"


@pytest.fixture(scope="module")
def stage():
    return build_stage(StageSpec("asr_fixes", "asr_fixes", tuple(map(str, PACKS))), Style())


def fix(stage, text: str) -> str:
    return apply_edits(text, [edit for edit in stage(text) if isinstance(edit, Edit)])


def test_every_pack_is_in_the_default_pipeline():
    [asr] = [spec for spec in read_spec().stages if spec.name == "asr_fixes"]
    assert {str(path.resolve()) for path in PACKS} <= set(asr.rules)


def test_rule_ids_are_unique_across_packs():
    """Two packs in one stage: a repeated id would silently replace the other pack's rule."""
    seen = {}
    for path, data in read_rule_files(list(map(str, PACKS))):
        for raw in data["rules"]:
            assert raw["id"] not in seen, f"{raw['id']} in {path} and {seen[raw['id']]}"
            seen[raw["id"]] = path


def test_every_rule_has_examples_and_keep_cases(stage):
    for rule in stage.rules:
        assert rule.examples and rule.keep, f"{rule.where} {rule.id}"


def test_examples_pass_and_no_rule_shadows_another(stage):
    assert check_stage(stage) == []
    assert shadows(stage) == []


def test_fixes_are_idempotent(stage):
    for rule in stage.rules:
        for _, expected in rule.examples:
            assert fix(stage, expected) == expected, f"{rule.id}: {expected!r}"


def test_when_hints_hold_in_every_match(stage):
    """A rule runs only on lines where its `when` pattern occurs: every match, with the
    context its lookarounds read, must hold it."""
    texts = [text for rule in stage.rules for text, _ in rule.examples]
    texts += [written for written, _ in VARIANTS] + ENGLISH
    for rule in (rule for rule in stage.rules if rule.when):
        for text in texts:
            for match in regex.finditer(rule.pattern, text):
                around = text[max(0, match.start() - 30):match.end() + 30]
                assert regex.search(rule.when, around), f"{rule.id}: {around!r}"


# Spellings a recognizer produces for one name: spacing, hyphens, dots, case, glued digits.
VARIANTS = [
    ("chat gpt, Chat-GPT, CHATGPT, Chat.GPT and chat_gpt", "ChatGPT, ChatGPT, ChatGPT, ChatGPT and ChatGPT"),
    ("ChachiPT, Chachi PT and chachi-pt", "ChatGPT, ChatGPT and ChatGPT"),
    ("LLAMA270B, Lama270b, llama-2-70b and LLaMA 2 70B", "Llama 2 70B, Llama 2 70B, Llama 2 70B and Llama 2 70B"),
    ("Llama2, LLAMA3 and the LLaMA model", "Llama 2, Llama 3 and the Llama model"),
    ("Meta.ai, MetaAI, Scale.ai, ScaleAI and Stability.ai", "Meta AI, Meta AI, Scale AI, Scale AI and Stability AI"),
    ("Open AI, Open.ai and Openai", "OpenAI, OpenAI and OpenAI"),
    ("py torch, Py-Torch, PYTORCH and Pie Torch", "PyTorch, PyTorch, PyTorch and PyTorch"),
    ("tensor flow, Tensor-Flow and TENSORFLOW", "TensorFlow, TensorFlow and TensorFlow"),
    ("git hub, Git-Hub, GITHUB and Github", "GitHub, GitHub, GitHub and GitHub"),
    ("Postgre SQL, postgresql, Postgres SQL and Postgre Sequel", "PostgreSQL, PostgreSQL, PostgreSQL and PostgreSQL"),
    ("HuggingFace, hugging-face and Hugging Phase", "Hugging Face, Hugging Face and Hugging Face"),
    ("Nvidia, nvidia and Invidia", "NVIDIA, NVIDIA and NVIDIA"),
    ("kubernetes, Cubernetes and Cooper Netties", "Kubernetes, Kubernetes and Kubernetes"),
    ("GPT4 and GBT-4", "GPT-4 and GPT-4"),
]


@pytest.mark.parametrize("written, fixed", VARIANTS, ids=[v[0][:20] for v in VARIANTS])
def test_spellings_a_recognizer_produces(stage, written, fixed):
    assert fix(stage, written) == fixed


@pytest.mark.parametrize("written, fixed", [
    ("So I went to ChessGPT.", "So I went to ChatGPT."),
    ("CHESSGPT is good.", "ChatGPT is good."),
    ("we used lama2 today", "we used Llama 2 today"),
])
def test_case_of_the_fix(stage, written, fixed):
    """The name's own case wins over the case it was heard in; a sentence start stays capital."""
    assert fix(stage, written) == fixed


# Ordinary English that sounds like a name: never changed.
ENGLISH = [
    "The cloud is dark, and Cloud storage is cheap.", "We flew on Cloud 9 over Google Cloud models.",
    "A llama in the field; the Dalai Lama spoke; the Dalai Lama 2 times.", "Lamar 2 scored.",
    "The judge declared a mistrial.", "A mistral wind blew.", "Jupiter is a planet.",
    "We want open AI models.", "We need to scale AI systems.", "A deep mind thinks.",
    "She was hugging face to face.", "A hugging face emoji.", "Shot in video form.",
    "We stopped mid-journey.", "A torch and apple pie.", "My hands are numb.",
    "The anthropic principle.", "Jiminy Cricket!", "The co-pilot landed.", "A chat about GPT.",
    "Let's chat. GPT-4 is out.", "Meta released it.", "On a scale of one to ten.",
    "Get hub caps.", "Type script names.", "An elastic search for answers.", "My SQL query.",
    "Kuda is a name.", "The tensor flows.", "A Java program and a script.",
]


@pytest.mark.parametrize("text", ENGLISH)
def test_ordinary_english_is_left_alone(stage, text):
    assert fix(stage, text) == text


@pytest.mark.skipif(not EVAL.is_dir(), reason="the dev sets in shared/eval are not here")
def test_no_fix_fires_on_the_dev_sets(stage):
    """6,600 lines of books and Wikipedia: a pack fix there would be a false positive."""
    fired = []
    for path in sorted(EVAL.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            text = json.loads(line)["input"]
            fired += [(edit.rule, text[edit.start:edit.end]) for edit in stage(text)
                      if isinstance(edit, Edit)]
    assert fired == []


def test_a_user_rule_overrides_a_pack_rule_by_id(tmp_path):
    user = tmp_path / "my_fixes.yaml"
    user.write_text(
        "rules:\n"
        "  - id: chatgpt\n"
        "    words: [ChachiPT]\n"
        "    replace: Chat GPT\n"
        "    examples: [[\"ask ChachiPT\", \"ask Chat GPT\"]]\n"
        "  - id: claude-in-context\n"
        "    disable: true\n", encoding="utf-8")
    stage = build_stage(StageSpec("asr_fixes", "asr_fixes", (*map(str, PACKS), str(user))), Style())
    ids = [rule.id for rule in stage.rules]
    assert ids.count("chatgpt") == 1 and "claude-in-context" not in ids
    assert fix(stage, "ask ChachiPT and ChessGPT about the Cloud series") == \
        "ask Chat GPT and ChessGPT about the Cloud series"
