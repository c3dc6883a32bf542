"""`ttsnorm report` and `run --report`: the review page's data, its escaping, and the page itself
in a real headless browser (Debian's chromium driven by Playwright), up to 100,000 lines."""

import gzip
import json
import os
import re
import shutil
import time
from pathlib import Path

import pytest

from normalizer.cli import main
from normalizer.errors import ManifestError, NormalizerError
from normalizer.report import hunks, pieces, read_diff_log, write_report

from conftest import ROOT, SAMPLE, SAMPLE_PIPELINE

DOCS_SCREENSHOT = ROOT / "docs" / "report.png"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def run(*args):
    return main([str(a) for a in args])


def edit(stage, rule, at, src, old, new):
    return {"stage": stage, "rule": rule, "at": list(at), "src": list(src), "old": old, "new": new}


def texts(parts):
    """The original and the normalized text that pieces stand for."""
    original = "".join(p if isinstance(p, str) else p[0] for p in parts)
    normalized = "".join(p if isinstance(p, str) else (p[0] if p[1] is None else p[1]) for p in parts)
    return original, normalized


# The data: hunks and pieces.

def test_a_cascade_is_one_hunk_with_both_rules():
    # "GPT-4" -> "GPT-four" (numbers) -> "G P T four" (letters, on top of the first edit)
    edits = [edit("numbers", "n", (8, 9), (8, 9), "4", "four"),
             edit("letters", "l", (4, 12), (4, 9), "GPT-four", "G P T four")]
    assert hunks(edits) == [(4, 9, 4, 14, ["numbers/n", "letters/l"])]
    parts = pieces("Try GPT-4 now", "Try G P T four now", edits, [], str)
    assert parts == ["Try ", ["GPT-4", "G P T four", ["numbers/n", "letters/l"], []], " now"]


def test_several_edits_of_one_stage_and_a_later_stage_elsewhere():
    original = "$2 and $3 at 5"
    normalized = "two dollars and three dollars at five"
    edits = [edit("money", "d", (0, 2), (0, 2), "$2", "two dollars"),
             edit("money", "d", (7, 9), (7, 9), "$3", "three dollars"),
             edit("numbers", "n", (33, 34), (13, 14), "5", "five")]
    parts = pieces(original, normalized, edits, [], str)
    assert texts(parts) == (original, normalized)
    assert [p[:3] for p in parts if not isinstance(p, str)] == [
        ["$2", "two dollars", ["money/d"]], ["$3", "three dollars", ["money/d"]], ["5", "five", ["numbers/n"]]]


def test_deletions_and_insertions():
    edits = [edit("cleanup", "drop", (2, 5), (2, 5), "um ", ""),
             edit("symbols", "ins", (2, 2), (2, 2), "", "so ")]
    parts = pieces("a um b", "a so b", edits, [], str)
    assert texts(parts) == ("a um b", "a so b")


def test_flags_mark_unchanged_text_and_changed_spans():
    flags = [{"stage": "residue", "rule": "symbol", "src": [3, 4], "text": "<", "reason": "unread"},
             {"stage": "money", "rule": "d", "src": [6, 8], "text": "$2", "reason": "ambiguous"}]
    edits = [edit("money", "d", (6, 8), (6, 8), "$2", "two dollars")]
    parts = pieces("ab <c $2.", "ab <c two dollars.", edits, flags, str)
    assert parts == ["ab ", ["<", None, [], [0]], "c ", ["$2", "two dollars", ["money/d"], [1]], "."]


def test_a_log_whose_edits_do_not_add_up_becomes_one_whole_line_change():
    edits = [edit("x", "r", (0, 1), (0, 1), "a", "b")]
    parts = pieces("abc", "something else", edits, [], str)
    assert parts == [["abc", "something else", ["x/r"], []]]


def test_pieces_account_for_every_real_change(sample_pipe):
    lines = [line.split("|")[1] for line in SAMPLE.read_text(encoding="utf-8").splitlines()]
    lines += ["It costs $2 million for GPT-4 on 3/4/2021 at 5:30pm.", "Tabs\tand 😀 emoji 12 km."]
    for text in lines:
        result = sample_pipe.normalize(text)
        edits = [c.as_dict() for c in result.edits]
        flags = [f.as_dict() for f in result.flags]
        parts = pieces(text, result.text, edits, flags, str)
        assert texts(parts) == (text, result.text)
        regions = hunks(edits)   # and never by the whole-line fallback
        assert sum(1 for p in parts if not isinstance(p, str) and p[1] is not None) == len(regions)


# The diff log and the file written.

def test_a_bad_diff_log_line_names_the_line(tmp_path):
    log = tmp_path / "diff.jsonl"
    log.write_text('{"line": 1, "id": null, "original": "a", "normalized": "a", "edits": [], "flags": []}\n'
                   "not json\n")
    with pytest.raises(ManifestError) as error:
        list(read_diff_log(str(log)))
    assert str(error.value).startswith(f"{log}:2: not a diff-log entry")
    good = '"line": 1, "id": null, "original": "ab", "normalized": "xb", "flags": []'
    for edits in ('[{"stage": "x"}]', '[{"stage": "s", "rule": "r", "old": "a", "new": "x", "at": [1], "src": [0, 1]}]',
                  '["x"]'):   # an edit the page could not draw: named with its line, no traceback
        log.write_text("{" + good + ', "edits": ' + edits + "}\n")
        with pytest.raises(ManifestError, match=f"{log}:1: not a diff-log entry"):
            list(read_diff_log(str(log)))
    with pytest.raises(ManifestError):
        list(read_diff_log(str(tmp_path / "missing.jsonl")))


EVIL = '</script><script>window.pwned = 1</script><!-- <img src=x onerror="window.pwned=2"> & é'


def evil_entry(line=1):
    original = f"Pay $2 {EVIL}"
    return {"line": line, "id": "<b>id</b>", "original": original,
            "normalized": original.replace("$2", "two dollars"),
            "edits": [edit("money", "<i>dollars</i>", (4, 6), (4, 6), "$2", "two dollars")],
            "flags": [{"stage": "residue", "rule": "symbol", "src": [7, 8], "text": "<",
                       "reason": "</script> a <symbol>"}]}


def test_transcript_text_cannot_break_out_of_the_data_block(tmp_path):
    out = tmp_path / "r.html"
    assert write_report([evil_entry()], str(out), source="<x>.jsonl") == 1
    page = out.read_text(encoding="utf-8")
    assert page.count("<script") == 3 and page.count("</script>") == 3   # two data blocks, the code
    assert "pwned" in page and "<img" not in page and "<b>" not in page
    assert "&lt;x&gt;" in page                                        # the title is escaped too
    blocks = re.findall(r'<script type="application/json" id="ttsnorm-(\w+)">(.*?)</script>', page, re.S)
    data = {name: json.loads(body) for name, body in blocks}
    assert texts(data["rows"][0][2]) == (evil_entry()["original"], evil_entry()["normalized"])


def test_summary_recomputed_from_the_log(tmp_path):
    out = tmp_path / "r.html"
    write_report([evil_entry(1), evil_entry(2)], str(out))
    meta = json.loads(re.search(r'id="ttsnorm-meta">(.*?)</script>', out.read_text(), re.S)[1])
    summary = meta["summary"]
    assert summary["changed"] == 2 and summary["flagged"] == 2 and summary["lines"] is None
    assert summary["edits_per_rule"] == {"money/<i>dollars</i>": 2}
    assert summary["flags_per_rule"] == {"residue/symbol": 2}


FORMATS = {
    "ljspeech": ("in.txt", "a1|I asked ChachiPT for $2.|\nb2|Nothing here.|\n"),
    "nemo": ("in.jsonl", '{"audio_filepath": "a.wav", "text": "I asked ChachiPT for $2."}\n'),
    "kaldi": ("text", "utt1 I asked ChachiPT for $2.\n"),
    "tsv": ("in.tsv", "path\ttext\nx.wav\tI asked ChachiPT for $2.\n"),
    "csv": ("in.csv", 'path,text\nx.wav,"I asked ChachiPT, for $2."\n'),
}


@pytest.mark.parametrize("fmt", FORMATS)
def test_run_report_in_every_format(tmp_path, fmt):
    name, source = FORMATS[fmt]
    src = tmp_path / name
    src.write_text(source, encoding="utf-8")
    review = tmp_path / "review.html"
    assert run("run", src, "-o", tmp_path / ("out" + src.suffix), "-q", "--report", review) == 0
    page = review.read_text(encoding="utf-8")
    rows = json.loads(re.search(r'id="ttsnorm-rows">(.*?)</script>', page, re.S)[1])
    meta = json.loads(re.search(r'id="ttsnorm-meta">(.*?)</script>', page, re.S)[1])
    assert len(rows) == 1 and rows[0][1] in ("a1", "a.wav", "utt1", "x.wav")
    assert "asr_fixes/chatgpt" in meta["rules"]
    assert meta["summary"]["lines"] == len(source.splitlines())    # the run's own summary
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([name, "out" + src.suffix, "review.html"])


def test_report_command_with_summary_and_gzip(tmp_path, capsys):
    log, summary = tmp_path / "diff.jsonl.gz", tmp_path / "summary.json"
    assert run("run", SAMPLE, "-o", tmp_path / "out.txt", "-p", SAMPLE_PIPELINE, "--diff-log", log,
               "--summary", summary, "-q") == 0
    assert run("report", log, "--summary", summary) == 0      # default name: diff.jsonl.html -> diff.html
    page = (tmp_path / "diff.html").read_text(encoding="utf-8")
    shown = len(gzip.decompress(log.read_bytes()).splitlines())
    assert f"{shown} lines to review" in capsys.readouterr().err
    meta = json.loads(re.search(r'id="ttsnorm-meta">(.*?)</script>', page, re.S)[1])
    assert meta["summary"]["lines"] == 100


def test_report_mistakes_are_user_errors(tmp_path, capsys):
    src = tmp_path / "in.txt"
    src.write_text("a|ChachiPT|\n")
    assert run("run", src, "-o", tmp_path / "o.txt", "--diff-log", "-", "--report", tmp_path / "r.html") == 1
    assert run("run", src, "-o", tmp_path / "o.txt", "--report", src) == 1
    assert "is the input file" in capsys.readouterr().err
    assert run("report", tmp_path / "missing.jsonl", "-o", tmp_path / "r.html") == 1
    assert not (tmp_path / "r.html").exists()
    with pytest.raises(NormalizerError):
        from normalizer.report import read_summary
        read_summary(str(src))


# The page in a real browser.

@pytest.fixture(scope="module")
def browser():
    if CHROMIUM is None:
        pytest.skip("chromium is not installed (apt-get install chromium)")
    playwright = pytest.importorskip("playwright.sync_api", reason="pip install playwright")
    with playwright.sync_playwright() as driver:
        instance = driver.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


def open_page(browser, path, width=1280, height=900):
    """Open a report; return the page and the console errors it logs."""
    page = browser.new_page(viewport={"width": width, "height": height})
    errors = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("request", lambda request: errors.append(f"network request: {request.url}")
            if not request.url.startswith(("file:", "data:")) else None)
    page.goto(path.as_uri())
    page.wait_for_selector("body[data-ready='1']", timeout=120_000)
    return page, errors


def count(page):
    return page.locator("#count").inner_text()


def set_search(page, text):
    before = count(page)
    page.fill("#q", text)
    page.wait_for_function("t => document.getElementById('count').textContent !== t", arg=before)


def test_sample_report_in_a_browser(browser, tmp_path):
    log, summary = tmp_path / "diff.jsonl", tmp_path / "summary.json"
    assert run("run", SAMPLE, "-o", tmp_path / "out.txt", "-p", SAMPLE_PIPELINE, "--diff-log", log,
               "--summary", summary, "-q", "-j", 1) == 0
    facts = json.loads(summary.read_text())
    facts.update(seconds=0.05, lines_per_second=2000.0)     # a stable screenshot
    review = tmp_path / "review.html"
    write_report(read_diff_log(str(log)), str(review), facts, source="examples/llm_intro.txt",
                 generated="2024-01-01 12:00")
    page, errors = open_page(browser, review)
    total = len(log.read_text().splitlines())
    assert count(page) == f"{total:,} of {total:,} lines"
    rows = page.locator("article.row")
    assert rows.count() == min(total, 50)
    assert rows.first.locator("ins").count() >= 1 and rows.first.locator(".tag").count() >= 1

    shot = tmp_path / "report.png"
    page.screenshot(path=str(shot))
    assert shot.stat().st_size > 10_000
    if os.environ.get("TTSNORM_UPDATE_DOCS"):   # refresh the README's picture on purpose only
        shutil.copyfile(shot, DOCS_SCREENSHOT)

    page.select_option("#stage", "asr_fixes")          # a filter narrows the list
    shown = int(count(page).split()[0].replace(",", ""))
    assert 0 < shown < total
    assert all("asr_fixes" in text for text in page.locator("article.row .meta").all_inner_texts())
    assert "stage=asr_fixes" in page.url
    chatgpt = page.eval_on_selector("#rule", "s => [...s.options].find(o => o.text.startsWith("
                                    "'asr_fixes/chatgpt (')).value")
    page.select_option("#rule", chatgpt)
    rows = page.locator("article.row")
    assert 0 < rows.count() < shown
    for number in range(rows.count()):
        assert "chatgpt" in rows.nth(number).locator(".tag").all_inner_texts()
    page.click("#clear")
    set_search(page, "LLM_INTRO_1.wav")                  # a search finds a line
    assert count(page).startswith("1 of")
    assert "LLAMA270B" in page.locator("article.row").inner_text()
    page.click(".chart .bar >> nth=0")                  # a chart bar is a filter too
    assert page.locator(".bar.on").count() == 1
    assert errors == []


def test_transcript_markup_shows_as_text_in_a_browser(browser, tmp_path):
    review = tmp_path / "evil.html"
    write_report([evil_entry(1), evil_entry(2)], str(review))
    page, errors = open_page(browser, review)
    assert page.evaluate("window.pwned") is None
    assert page.locator("article.row img").count() == 0 and page.locator("article.row b").count() == 0
    text = page.locator("article.row").first.inner_text()
    assert "</script><script>window.pwned = 1</script>" in text and "<b>id</b>" in text
    assert "</script> a <symbol>" in text
    assert errors == []


def big_log(path, lines, sample_log):
    """A diff log of `lines` entries: the sample's entries over and over, each made unique."""
    base = [json.loads(line) for line in sample_log.read_text(encoding="utf-8").splitlines()]
    with open(path, "w", encoding="utf-8") as out:
        for number in range(lines):
            entry = dict(base[number % len(base)])
            tail = f" Take {number}."
            entry.update(line=number + 1, id=f"utt{number:06d}", original=entry["original"] + tail,
                         normalized=entry["normalized"] + tail)
            out.write(json.dumps(entry, ensure_ascii=False) + "\n")


def test_100000_lines_stay_responsive(browser, tmp_path):
    log, sample_log = tmp_path / "big.jsonl", tmp_path / "sample.jsonl"
    assert run("run", SAMPLE, "-o", tmp_path / "out.txt", "-p", SAMPLE_PIPELINE, "--diff-log", sample_log,
               "-q", "-j", 1) == 0
    big_log(log, 100_000, sample_log)
    review = tmp_path / "big.html"
    timings = {}
    started = time.perf_counter()
    assert run("report", log, "-o", review) == 0
    timings["write report (s)"] = time.perf_counter() - started
    timings["report size (MB)"] = review.stat().st_size / 1e6
    started = time.perf_counter()
    page, errors = open_page(browser, review)
    timings["open page (s)"] = time.perf_counter() - started
    assert count(page) == "100,000 of 100,000 lines"
    assert page.locator("article.row").count() == 50
    started = time.perf_counter()
    page.select_option("#stage", "numbers")
    page.wait_for_function("() => !document.getElementById('count').textContent.startsWith('100,000')")
    timings["stage filter (s)"] = time.perf_counter() - started
    started = time.perf_counter()
    set_search(page, "take 54321.")
    timings["search (s)"] = time.perf_counter() - started
    assert count(page) in ("1 of 100,000 lines", "0 of 100,000 lines")
    page.click("#clear")
    set_search(page, "take 54321.")
    assert count(page) == "1 of 100,000 lines" and "utt054321" in page.locator("article.row").inner_text()
    started = time.perf_counter()
    page.click("#clear")
    page.wait_for_function("() => document.getElementById('count').textContent.startsWith('100,000')")
    page.click("#next")
    page.wait_for_function("() => document.getElementById('page').textContent.startsWith('page 2 ')")
    timings["clear and next page (s)"] = time.perf_counter() - started
    assert errors == []
    (Path(os.environ.get("TTSNORM_TIMINGS", tmp_path / "timings.json"))
     .write_text(json.dumps(timings, indent=2)))
    print("\n100,000-line report:", ", ".join(f"{k} {v:.2f}" for k, v in timings.items()))
    assert timings["open page (s)"] < 60 and timings["search (s)"] < 20   # loose: shared machines
