"""bench/accuracy.py: the two comparison views, the word error rate, the grouping of failures,
and the script end to end on a tiny dev set with a pipeline of its own."""

import doctest
import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SCRIPT = REPO / "bench" / "accuracy.py"
RESIDUE = REPO / "normalizer" / "rules" / "residue.yaml"

_spec = importlib.util.spec_from_file_location("accuracy", SCRIPT)
acc = importlib.util.module_from_spec(_spec)
sys.modules["accuracy"] = acc      # dataclasses look their module up by name
_spec.loader.exec_module(acc)


def test_doctests():
    assert doctest.testmod(acc).failed == 0


# --- the strict view ---------------------------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("Hello, World!", "hello world"),
    ("twenty-three \u2014 or so", "twenty three or so"),
    ("a\u2013b -- c\x97d", "a b c d"),
    ("  spaced \t out\u00a0here ", "spaced out here"),
    ("(one) [two] {three} \"four\" `` five `` ; six: seven?", "one two three four five six seven"),
    ("didn't \u2018quote\u2019 o\u2019clock", "didn't quote o'clock"),
    ("America 's", "america s"),
    ("10:45 A.M.", "10 45 a m"),
    ("$5 & 10% #1", "$5 & 10% #1"),          # symbols are content: they stay and must be read
])
def test_strict(text, expected):
    assert acc.strict(text) == expected


def test_strict_keeps_substance():
    assert acc.strict("one hundred four") != acc.strict("one hundred and four")
    assert acc.strict("p d f") != acc.strict("PDF")
    assert acc.strict("it's") != acc.strict("its")


# --- the style-neutral view: every equivalence, and what it must not equate --------------------

@pytest.mark.parametrize("ours, ref", [
    ("P D F", "pdf"),
    ("p d f", "PDF"),
    ("G.P.T.", "g p t"),
    ("L L Ms", "l l m's"),
    ("U F Os", "u f o 's"),
    ("P Cs", "p c s"),
    ("the P D F is here", "the pdf is here"),
    ("Mr. Smith", "mister Smith"),
    ("Mrs. Dent", "missus Dent"),
    ("Dr. Who", "doctor Who"),
    ("St. Louis", "saint Louis"),
    ("one hundred and four", "one hundred four"),
    ("two thousand and five", "two thousand five"),
    ("one hundred and sixty-five acres", "one hundred sixty five acres"),
    ("o'clock", "oclock"),
    ("three oh five", "three o five"),
    ("September fifteenth", "the fifteenth of september"),
    ("January twenty-second, two thousand one", "the twenty second of january two thousand one"),
    ("November eighteenth", "November eighteen"),
    ("the twenty-seventh of April", "the twenty-seventh April"),
    ("on March eighteenth, 1842", "on eighteenth March, 1842"),
    ("November twenty-first, nineteen sixty-three", "November twenty-one, nineteen sixty-three"),
    ("on November thirtieth there", "on November thirty there"),
])
def test_neutral_equates_style(ours, ref):
    assert acc.neutral(ours) == acc.neutral(ref)


@pytest.mark.parametrize("ours, ref", [
    ("one hundred four", "one hundred forty"),
    ("the Billboard two hundred and reached", "the Billboard two hundred reached"),  # "and" is a word here
    ("May eighteen forty-two", "May eighteenth forty-two"),     # May 1842
    ("November twenty eleven", "November twentieth eleven"),    # November 2011
    ("Mister Smith", "Mister Smithers"),
    ("two dollars", "two dollar"),
    ("Chapter IX", "Chapter nine"),
    ("G O S C C A R R", "g o s c CARR"),
])
def test_neutral_keeps_substance(ours, ref):
    assert acc.neutral(ours) != acc.neutral(ref)


def test_views_are_idempotent():
    for text in ("Mr. P D F, the 5th of May -- hundred and four", "November twenty one, 1963"):
        for view in acc.VIEWS.values():
            assert view(view(text)) == view(text)


def test_equivalence_table_is_documented():
    assert all(len(row) == 3 and row[0] for row in acc.EQUIVALENCES)


# --- word error rate ---------------------------------------------------------------------------

@pytest.mark.parametrize("hyp, ref, edits", [
    ("", "", 0),
    ("a b c", "a b c", 0),
    ("a b c", "a x c", 1),               # substitution
    ("a c", "a b c", 1),                 # deletion
    ("a b b c", "a b c", 1),             # insertion
    ("", "a b c", 3),
    ("x y z", "", 3),
    ("1984", "nineteen eighty four", 3),
    ("kitten sat", "sitting sat on", 2),
])
def test_word_edits(hyp, ref, edits):
    assert acc.word_edits(hyp.split(), ref.split()) == edits
    assert acc.word_edits(ref.split(), hyp.split()) == edits


# --- what went wrong ---------------------------------------------------------------------------

@pytest.mark.parametrize("token, prev, next_, cls", [
    ("https://x.io/docs", "", "", "electronic"),
    ("a@b.org", "", "", "electronic"),
    ("example.com", "", "", "electronic"),
    ("$2", "", "million", "money"),
    ("30", "$", "", "money"),
    ("£20", "", "", "money"),
    ("97%", "", "", "percent"),
    ("5", "", "%", "percent"),
    ("3:30pm", "", "", "time"),
    ("10:00", "", "", "time"),
    ("5.05", "", "P.M.,", "time"),
    ("5/8/2023", "", "", "date"),
    ("2023-01-05", "", "", "date"),
    ("5", "Jan", "", "date"),
    ("November", "", "21,", "date"),
    ("5", "", "km", "measure"),
    ("10TB", "", "", "measure"),
    ("kg", "1", "", "measure"),
    ("381.2/km\u00b2", "", "", "measure"),
    ("69", "", "ha", "measure"),
    ("3/4", "", "", "fraction"),
    ("1/28,000", "", "", "fraction"),
    ("3.5", "", "", "decimal"),
    (".5", "", "", "decimal"),
    ("21st", "", "", "ordinal"),
    ("1990-1995", "", "", "range"),
    ("3-5", "", "days", "range"),
    ("1839.", "", "", "year"),
    ("1990s", "", "", "year"),
    ("'90s", "", "", "year"),
    ("(19)", "", "", "number"),
    ("100,000", "", "", "number"),
    ("IX.", "", "", "roman"),
    ("VIII", "Henry", "", "roman"),
    ("I", "Chapter", "", "roman"),
    ("I", "When", "", "other"),
    ("VII.'s", "", "", "roman"),
    ("IVth.", "", "", "roman"),
    ("GPT", "", "", "letters"),
    ("LLMs", "", "", "letters"),
    ("U.S.", "", "", "letters"),
    ("ChatGPT", "", "", "letters"),
    ("GPT-4", "", "", "letters"),
    ("H100", "", "", "letters"),
    ("&", "", "", "symbol"),
    ("Q&A", "", "", "symbol"),
    ("#1", "", "", "symbol"),
    ("x", "914", "15", "symbol"),
    ("x", "", "", "other"),
    ("Mr.", "", "Smith", "abbreviation"),
    ("etc.", "", "", "abbreviation"),
    ("Ltd", "", "", "abbreviation"),
    ("centre", "", "", "other"),
])
def test_token_class(token, prev, next_, cls):
    assert acc.token_class(token, prev, next_) == cls


def test_token_classes_use_context():
    assert acc.token_classes("the 1st of May".split()) == ["other", "date", "other", "date"]
    assert acc.token_classes("some $ 30 billion".split()) == ["other", "money", "money", "money"]
    assert acc.token_classes("30 million people".split()) == ["number", "number", "other"]


def _groups(written, ours, ref, **extra):
    return acc.failure_groups(acc.differences(written, ours, ref), **extra)


@pytest.mark.parametrize("written, ours, ref, groups", [
    ("It costs $2 million today.", "It costs $2 million today.", "It costs two million dollars today.",
     ["money"]),
    ("In 1984 there were 19 of them.", "In nineteen eighty-four there were 19 of them.",
     "In nineteen eighty four there were nineteen of them.", ["number"]),
    ("CHAPTER IX.", "CHAPTER IX.", "CHAPTER nine.", ["roman"]),
    ("The GPT model", "The GPT model", "The G P T model", []),         # style only: no failure
    ("The GPT-4 model", "The GPT-4 model", "The G P T four model", ["letters"]),
    ("Retrieved 29 November 2011 .", "Retrieved November twenty-ninth, twenty eleven.",
     "Retrieved the twenty ninth of november twenty twelve .", ["date"]),
    ("on the 1st of August we", "on the 1st of August we", "on the first of August we", ["date"]),
    ("at 3:30pm, 5 km away, 97% of Q&A", "at three thirty p m, 5 km away, ninety-seven percent of Q and A",
     "at three thirty p m, five kilometers away, ninety seven percent of q and a", ["measure"]),
    ("Visit example.com now", "Visit example.com now", "Visit example dot com now", ["electronic"]),
    ("in 1839 and in 1840", "in eighteen thirty-nine and in 1840",
     "in eighteen thirty nine and in eighteen forty", ["year"]),
    ("it is\x97a thing", "it isa thing", "it is a thing", ["other"]),
    ("the city centre was organised", "the city centre was organised", "the city center was organized",
     ["spelling"]),
    ("all four of them", "all four of them", "all for of them", ["other"]),
])
def test_failure_groups(written, ours, ref, groups):
    assert _groups(written, ours, ref) == groups


def test_differences_name_the_written_tokens():
    found = acc.differences("He paid $5 for 3 books in 1999.", "He paid five dollars for 3 books in 1999.",
                            "He paid five dollars for three books in nineteen ninety nine.")
    assert [(d.cls, d.written, d.ours, d.ref) for d in found] == [
        ("number", "3", "3", "three"), ("year", "1999.", "1999", "nineteen ninety nine")]


@pytest.mark.parametrize("written, ours, ref, blamed", [
    ("the man under No. 2.", "the man under Number two.", "the man under No. two.", "No."),
    ("about 1850 Messrs. Miller", "about eighteen fifty Messieurs Miller", "about 1850 Messrs. Miller",
     "1850 Messrs."),
    ("about 1850 Messrs. Miller", "about eighteen fifty Messieurs Miller",
     "about eighteen fifty Messrs. Miller", "Messrs."),
    ("paid $5 Esq.", "paid five dollars Esq.", "paid five dollar Esq.", "$5"),
    ("By the 31 George III. c. 46, s. 5,", "By the thirty-one George the Third. circa forty-six, s. Five,",
     "By the thirty-one George the third c. forty-six, s. five,", "c."),
])
def test_neighbours_verbalized_together_are_told_apart(written, ours, ref, blamed):
    [found] = acc.differences(written, ours, ref)
    assert found.written == blamed


def test_extra_groups_come_last():
    found = acc.differences("in 1999", "in 1999", "in nineteen ninety nine")
    assert acc.failure_groups(found, residue_flagged=True, error=True) == ["year", "residue-flagged", "error"]


def test_strict_view_differences():
    found = acc.differences("The PDF", "The PDF", "The p d f", acc.strict)
    assert [(d.cls, d.written) for d in found] == [("letters", "PDF")]


# --- end to end --------------------------------------------------------------------------------

LINES = [
    {"id": "ok", "input": "I have 7 cats.", "ref": "I have seven cats."},
    {"id": "style", "input": "Mr. Smith has 7 P D F files.", "ref": "mister Smith has seven pdf files."},
    {"id": "year", "input": "Born in 1999.", "ref": "Born in nineteen ninety nine."},
    {"id": "roman", "input": "CHAPTER IX", "ref": "CHAPTER nine"},
]


@pytest.fixture()
def dev_set(tmp_path):
    rules = tmp_path / "sevens.yaml"
    rules.write_text("rules:\n"
                     "  - id: seven\n"
                     "    pattern: '(?<!\\d)7(?!\\d)'\n"
                     "    replace: seven\n"
                     "    examples: [['7 cats', 'seven cats']]\n", encoding="utf-8")
    pipeline = tmp_path / "pipeline.yaml"
    pipeline.write_text("stages:\n"
                        "  - {name: sevens, kind: rules, rules: [sevens.yaml]}\n"
                        f"  - {{name: residue, kind: residue, rules: ['{RESIDUE}']}}\n", encoding="utf-8")
    data = tmp_path / "tiny.jsonl"
    data.write_text("".join(json.dumps(line) + "\n" for line in LINES), encoding="utf-8")
    return pipeline, data


def test_end_to_end(dev_set, tmp_path, capsys):
    pipeline, data = dev_set
    out = tmp_path / "out.json"
    assert acc.main([str(data), "--pipeline", str(pipeline), "--json", str(out), "--show", "1"]) == 0
    printed = capsys.readouterr().out
    assert "tiny" in printed and "-- year" in printed and "[year] Born in 1999." in printed
    report = json.loads(out.read_text(encoding="utf-8"))
    [s] = report["sets"]
    assert s["lines"] == 4
    assert s["strict_accuracy"] == 25.0          # only "ok"; "style" differs in style only
    assert s["neutral_accuracy"] == 50.0
    # Strict reference words: 4 + 6 + 5 + 2 = 17; word edits, counted by hand: 8.
    assert s["wer_strict"] == 47.06
    assert s["wer_neutral"] < s["wer_strict"]
    assert s["flagged_lines"] == 1
    assert s["groups"] == {"roman": 1, "year": 1, "residue-flagged": 1}
    assert [f["id"] for f in s["failures"]] == ["year", "roman"]
    assert s["failures"][0]["differences"] == [
        {"cls": "year", "written": "1999.", "ours": "1999", "ref": "nineteen ninety nine"}]
    assert report["equivalences"][0].startswith("apostrophes")


def test_end_to_end_is_deterministic_and_filters_a_group(dev_set, tmp_path, capsys):
    pipeline, data = dev_set
    runs = []
    for name in ("a.json", "b.json"):
        acc.main([str(data), "--pipeline", str(pipeline), "--json", str(tmp_path / name), "--group", "roman"])
        report = json.loads((tmp_path / name).read_text(encoding="utf-8"))
        for s in report["sets"]:
            s.pop("seconds"), s.pop("lines_per_second")
        runs.append(report)
    assert runs[0] == runs[1]
    printed = capsys.readouterr().out
    assert "-- roman" in printed and "-- year" not in printed


def test_script_runs_as_a_file(dev_set):
    pipeline, data = dev_set
    done = subprocess.run([sys.executable, str(SCRIPT), str(data), "-p", str(pipeline)],
                          capture_output=True, text=True, cwd=REPO / "bench")
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0] == f"pipeline: {pipeline}"


def test_bad_input_is_one_message(tmp_path, dev_set):
    pipeline, _ = dev_set
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "x", "input": "a"}\n', encoding="utf-8")
    done = subprocess.run([sys.executable, str(SCRIPT), str(bad), "-p", str(pipeline)],
                          capture_output=True, text=True)
    assert done.returncode == 1
    assert done.stderr.strip() == f'accuracy: {bad}:1: needs string fields "input" and "ref"'
