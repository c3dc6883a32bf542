"""A review page for a diff log: one self-contained HTML file, no network needed.

    ttsnorm report diff.jsonl -o review.html [--summary summary.json]
    ttsnorm run in.jsonl -o out.jsonl --report review.html

The page shows the run summary with per-stage and per-rule charts, then every changed or
flagged line, original and normalized side by side, each edited span highlighted and
labelled with its rule; it filters by stage, rule and flag, searches, and pages through
100,000 lines without strain. The data goes in as JSON inside a `<script
type="application/json">` block (every `<` escaped) and is put on the page with
`textContent` only, so a transcript holding `<script>` shows as text.

Each record becomes `pieces`: unchanged text as a plain string, and each changed (or
flagged) span as `[old, new, rule indices, flag indices]` (`new` is None for a flagged
span that no rule changed). Joining the olds gives the original, the news the normalized.

>>> edits = [{"stage": "money", "rule": "dollars", "at": [9, 11], "src": [9, 11],
...           "old": "$2", "new": "two dollars"}]
>>> pieces("It costs $2.", "It costs two dollars.", edits, [], {"money/dollars": 0}.__getitem__)
['It costs ', ['$2', 'two dollars', [0], []], '.']
"""

from __future__ import annotations

import contextlib
import gzip
import html
import json
import os
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Callable, Iterable, Iterator

from . import manifests
from .errors import ManifestError, NormalizerError

SUMMARY_KEYS = ("lines", "records", "changed", "flagged", "rejected", "edits_per_stage",
                "edits_per_rule", "flags_per_rule", "seconds", "lines_per_second")


def read_diff_log(path: str) -> Iterator[dict]:
    """The entries of a diff log (".gz" is decompressed); a bad line raises ManifestError."""
    try:
        stream = gzip.open(path, "rb") if path.endswith(".gz") else open(path, "rb")
    except OSError as error:
        raise ManifestError(f"cannot read the diff log: {error.strerror}", path=path) from error
    with stream:
        try:
            for number, raw in enumerate(stream, 1):
                if not raw.strip():
                    continue
                try:
                    entry = json.loads(raw)
                    _check_entry(entry)
                except (ValueError, TypeError, KeyError) as error:
                    raise ManifestError(f"not a diff-log entry ({error}); a diff log is what "
                                        f"'ttsnorm run --diff-log' writes", path=path, line=number) from None
                yield entry
        except (OSError, EOFError) as error:
            raise ManifestError(f"cannot read the diff log: {error}", path=path) from error


def _check_entry(entry) -> None:
    if not isinstance(entry, dict):
        raise TypeError("a line must be a JSON object")
    for key, kind in (("original", str), ("normalized", str), ("edits", list), ("flags", list)):
        if not isinstance(entry[key], kind):
            raise TypeError(f"{key!r} must be a {kind.__name__}")
    for what, items, strings, spans in (("edit", entry["edits"], ("stage", "rule", "old", "new"), ("at", "src")),
                                        ("flag", entry["flags"], ("stage", "rule", "text", "reason"), ("src",))):
        for item in items:
            if not (isinstance(item, dict) and all(isinstance(item.get(key), str) for key in strings)
                    and all(_is_span(item.get(key)) for key in spans)):
                raise TypeError(f"each {what} needs {', '.join(strings)} (text) and {', '.join(spans)} "
                                f"([start, end])")


def _is_span(value) -> bool:
    return (isinstance(value, list) and len(value) == 2
            and all(isinstance(end, int) and end >= 0 for end in value) and value[0] <= value[1])


def _touches(start: int, end: int, other_start: int, other_end: int) -> bool:
    """Whether two spans overlap; an empty span overlaps a span it lies strictly inside."""
    if start == end and other_start == other_end:
        return start == other_start
    if start == end:
        return other_start < start < other_end
    if other_start == other_end:
        return start < other_start < end
    return start < other_end and other_start < end


def hunks(edits: list[dict]) -> list[tuple[int, int, int, int, list[str]]]:
    """The changed regions of a record: (src start, src end, out start, out end, "stage/rule"s).

    Edits are applied stage by stage as `replay` does; an edit that touches an earlier
    region joins it, so "GPT-4" -> "GPT-four" -> "G P T four" is one region with two rules.

    >>> hunks([{"stage": "a", "rule": "x", "at": [4, 5], "src": [4, 5], "old": "4", "new": "four"},
    ...        {"stage": "b", "rule": "y", "at": [4, 8], "src": [4, 5], "old": "four", "new": "FOUR"}])
    [(4, 5, 4, 8, ['a/x', 'b/y'])]
    """
    regions: list[list] = []   # [out start, out end, src start, src end, rules], sorted
    group: list[dict] = []
    for index, edit in enumerate(edits):
        group.append(edit)
        last = index + 1 == len(edits) or edits[index + 1]["stage"] != edit["stage"]
        if last:
            # Right to left, so the offsets of the edits still to record stay valid.
            for change in sorted(group, key=lambda e: tuple(e["at"]), reverse=True):
                _record(regions, change)
            group = []
    return [(r[2], r[3], r[0], r[1], r[4]) for r in regions]


def _record(regions: list[list], change: dict) -> None:
    start, end = change["at"]
    new_end = start + len(change["new"])
    shift = new_end - end
    src_start, src_end = change["src"]
    rules = [f"{change['stage']}/{change['rule']}"]
    inside = [i for i, r in enumerate(regions) if _touches(start, end, r[0], r[1])]
    if inside:
        first, last = inside[0], inside[-1]
        for region in regions[first:last + 1]:
            src_start, src_end = min(src_start, region[2]), max(src_end, region[3])
        merged_rules = [rule for region in regions[first:last + 1] for rule in region[4]]
        merged = [min(start, regions[first][0]), max(new_end, regions[last][1] + shift),
                  src_start, src_end, list(dict.fromkeys(merged_rules + rules))]
    else:
        first = next((i for i, r in enumerate(regions) if r[0] >= end), len(regions))
        last = first - 1   # nothing to replace: insert before regions[first]
        merged = [start, new_end, src_start, src_end, rules]
    for region in regions[last + 1:]:
        region[0] += shift
        region[1] += shift
    regions[first:last + 1] = [merged]


def pieces(original: str, normalized: str, edits: list[dict], flags: list[dict],
           rule_index: Callable[[str], int]) -> list:
    """The record as pieces (see the module docstring); flag indices refer to `flags`.

    If the edits do not account for the normalized text (a hand-edited log), the whole
    line is one changed piece carrying every rule.
    """
    regions = hunks(edits)
    rebuilt, position, ok = [], 0, True
    for src_start, src_end, out_start, out_end, _ in regions:
        if src_start < position:
            ok = False
            break
        rebuilt.append(original[position:src_start])
        rebuilt.append(normalized[out_start:out_end])
        position = src_end
    rebuilt.append(original[position:])
    if not ok or "".join(rebuilt) != normalized:
        every = list(dict.fromkeys(f"{e['stage']}/{e['rule']}" for e in edits))
        regions = [(0, len(original), 0, len(normalized), every)] if edits else []
    spans = [tuple(flag["src"]) for flag in flags]
    result: list = []
    position = 0
    for src_start, src_end, out_start, out_end, rules in regions:
        result += _unchanged(original, position, src_start, spans)
        marked = [i for i, (start, end) in enumerate(spans)
                  if _touches(start, end, src_start, src_end) or start == src_start]
        result.append([original[src_start:src_end], normalized[out_start:out_end],
                       [rule_index(rule) for rule in rules], marked])
        position = src_end
    result += _unchanged(original, position, len(original), spans)
    return result


def _unchanged(original: str, start: int, end: int, spans: list[tuple[int, int]]) -> list:
    """Unchanged text from start to end, split where flags begin and end."""
    if not spans:
        return [original[start:end]] if start < end else []
    cuts = sorted({start, end} | {p for span in spans for p in span if start < p < end})
    result: list = []
    for left, right in zip(cuts, cuts[1:]):
        marked = [i for i, (s, e) in enumerate(spans) if s <= left and right <= e and s < e]
        text = original[left:right]
        if marked:
            result.append([text, None, [], marked])
        elif result and isinstance(result[-1], str):
            result[-1] += text
        else:
            result.append(text)
    return result


class _Table:
    """Strings numbered in order of first use (rule names, flag reasons)."""

    def __init__(self) -> None:
        self.index: dict[str, int] = {}

    def __call__(self, name: str) -> int:
        return self.index.setdefault(name, len(self.index))

    def names(self) -> list[str]:
        return list(self.index)


def _script_json(value) -> str:
    """JSON safe inside a <script> element: no '<' at all, so no '</script>' or '<!--'."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).replace("<", "\\u003c")


def write_report(entries: Iterable[dict], output: str, summary: dict | None = None,
                 source: str = "", inputs: Iterable[str] = (), generated: str | None = None) -> int:
    """Write the review page for diff-log `entries` to `output`; return how many it shows.

    `summary` is a run summary (`Summary.as_dict()`); without one the counts are recomputed
    from the log, which does not know the lines that were left unchanged.
    """
    rules, reasons = _Table(), _Table()
    counts = {"changed": 0, "flagged": 0, "stages": Counter(), "rules": Counter(), "flags": Counter()}
    title = f"ttsnorm report: {Path(source).name}" if source else "ttsnorm report"
    number = -1
    with manifests.open_output(output, inputs) as out:
        out.write(_HEAD.replace("{title}", html.escape(title)).encode())
        out.write(b'<script type="application/json" id="ttsnorm-rows">[')
        for number, entry in enumerate(entries):
            row = _row(entry, rules, reasons, counts)
            out.write(((",\n" if number else "\n") + _script_json(row)).encode())
        out.write(b"\n]</script>\n")
        shown = _summary(summary, counts)
        meta = {"title": title, "source": source, "generated": generated or time.strftime("%Y-%m-%d %H:%M"),
                "summary": shown, "rules": rules.names(), "reasons": reasons.names()}
        out.write(f'<script type="application/json" id="ttsnorm-meta">{_script_json(meta)}</script>\n'.encode())
        out.write(_TAIL.encode())
    return number + 1


@contextlib.contextmanager
def run_log(report: str | None, diff_log: str | None) -> Iterator[str | None]:
    """The diff log a run writes: `diff_log`, or with `--report` alone a temporary one."""
    if not report or diff_log not in (None, "-"):
        yield diff_log
        return
    if diff_log == "-":
        raise NormalizerError("--report reads the diff log back: give --diff-log a file name, not '-'")
    directory = os.path.dirname(os.path.abspath(report)) if report != "-" else None
    handle, path = tempfile.mkstemp(prefix=".ttsnorm-diff-", suffix=".jsonl", dir=directory)
    os.close(handle)
    try:
        yield path
    finally:
        os.remove(path)


def _row(entry: dict, rules: _Table, reasons: _Table, counts: dict) -> list:
    edits, flags = entry["edits"], entry["flags"]
    if edits:
        counts["changed"] += 1
    if flags:
        counts["flagged"] += 1
    for edit in edits:
        counts["stages"][edit["stage"]] += 1
        counts["rules"][f"{edit['stage']}/{edit['rule']}"] += 1
    for flag in flags:
        counts["flags"][f"{flag['stage']}/{flag['rule']}"] += 1
    parts = pieces(entry["original"], entry["normalized"], edits, flags, rules)
    flag_rows = [[rules(f"{flag['stage']}/{flag['rule']}"), flag["text"], reasons(flag["reason"])]
                 for flag in flags]
    return [entry.get("line"), entry.get("id"), parts, flag_rows]


def _summary(summary: dict | None, counts: dict) -> dict:
    if summary is not None:
        return {key: summary.get(key) for key in SUMMARY_KEYS}
    return {
        "lines": None, "records": None, "rejected": None, "seconds": None, "lines_per_second": None,
        "changed": counts["changed"], "flagged": counts["flagged"],
        "edits_per_stage": dict(counts["stages"].most_common()),
        "edits_per_rule": dict(counts["rules"].most_common()),
        "flags_per_rule": dict(counts["flags"].most_common()),
    }


def read_summary(path: str) -> dict:
    """A run summary file (`ttsnorm run --summary`)."""
    try:
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
    except OSError as error:
        raise NormalizerError(f"cannot read the summary: {error.strerror}", path=path) from error
    except ValueError as error:
        raise NormalizerError(f"the summary is not JSON: {error}", path=path) from error
    if not isinstance(data, dict) or "changed" not in data:
        raise NormalizerError("not a run summary (what 'ttsnorm run --summary' writes)", path=path)
    return data


_HEAD = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy"
      content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:">
<link rel="icon" href="data:,">
<title>{title}</title>
<style>
:root {
  --bg: #fbfbfa; --fg: #1d1f23; --muted: #6a6f78; --card: #ffffff; --line: #e3e4e8;
  --del: #fde2e1; --del-fg: #8f1d17; --ins: #dff5e3; --ins-fg: #135c26; --flag: #d97706;
  --accent: #2f5fd0; --bar: #8aa6e8;
}
@media (prefers-color-scheme: dark) {
  :root {
    --bg: #17191d; --fg: #e6e7ea; --muted: #9aa0aa; --card: #1f2228; --line: #30343c;
    --del: #4a2325; --del-fg: #ffb4ae; --ins: #1e3d27; --ins-fg: #a6e9b5; --flag: #f59e0b;
    --accent: #7ea2ff; --bar: #4f6fbf;
  }
}
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--fg);
       font: 14px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; }
header, main { max-width: 1280px; margin: 0 auto; padding: 0 20px; }
header h1 { font-size: 20px; margin: 18px 0 2px; }
header .sub { color: var(--muted); margin-bottom: 14px; }
.cards { display: flex; flex-wrap: wrap; gap: 10px; margin-bottom: 14px; }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 8px 14px; min-width: 120px; }
.card b { display: block; font-size: 20px; font-variant-numeric: tabular-nums; }
.card span { color: var(--muted); font-size: 12px; }
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(300px, 1fr)); gap: 12px; margin-bottom: 14px; }
.chart { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 10px 14px; }
.chart h2 { font-size: 13px; margin: 0 0 6px; color: var(--muted); font-weight: 600; text-transform: uppercase; letter-spacing: .04em; }
.bar { display: grid; grid-template-columns: minmax(90px, 46%) 1fr auto; gap: 8px; align-items: center;
       width: 100%; border: 0; background: none; color: inherit; font: inherit; font-size: 12.5px;
       padding: 1px 2px; cursor: pointer; text-align: left; border-radius: 4px; }
.bar:hover, .bar.on { background: var(--line); }
.bar .name { overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.bar .track { height: 9px; border-radius: 5px; background: var(--line); overflow: hidden; }
.bar .fill { height: 100%; background: var(--bar); border-radius: 5px; }
.bar .num { font-variant-numeric: tabular-nums; color: var(--muted); min-width: 3em; text-align: right; }
.more { border: 0; background: none; color: var(--accent); cursor: pointer; padding: 2px; font: inherit; font-size: 12.5px; }
.controls { position: sticky; top: 0; z-index: 2; background: var(--bg); padding: 10px 0; border-bottom: 1px solid var(--line);
            display: flex; flex-wrap: wrap; gap: 8px; align-items: center; }
.controls input, .controls select, .controls button {
  font: inherit; color: inherit; background: var(--card); border: 1px solid var(--line); border-radius: 6px; padding: 5px 8px; }
.controls input[type=search] { flex: 1 1 200px; min-width: 160px; }
.controls select { max-width: 210px; }
.controls button { cursor: pointer; }
.controls button:disabled { opacity: .4; cursor: default; }
.pager { margin-left: auto; white-space: nowrap; display: flex; gap: 6px; align-items: center; font-variant-numeric: tabular-nums; }
.pager .count { color: var(--muted); margin-right: 4px; }
.list { margin: 10px 0 30px; }
.row { background: var(--card); border: 1px solid var(--line); border-radius: 8px; margin-bottom: 8px; padding: 8px 12px; }
.row .meta { color: var(--muted); font-size: 12px; margin-bottom: 4px; display: flex; gap: 10px; flex-wrap: wrap; }
.row .meta .id { font-family: ui-monospace, "DejaVu Sans Mono", monospace; }
.pair { display: grid; grid-template-columns: 1fr 1fr; gap: 14px; }
.pair > div { white-space: pre-wrap; overflow-wrap: anywhere; }
.pair .label { display: block; font-size: 11px; color: var(--muted); text-transform: uppercase; letter-spacing: .04em; }
del { background: var(--del); color: var(--del-fg); text-decoration: none; border-radius: 3px; padding: 0 1px; }
ins { background: var(--ins); color: var(--ins-fg); text-decoration: none; border-radius: 3px; padding: 0 1px; }
.flagged { text-decoration: underline wavy var(--flag); text-underline-offset: 3px; }
.tag { font-size: 10.5px; line-height: 1; padding: 1px 4px; margin: 0 2px 0 1px; border-radius: 7px; vertical-align: 1px;
       color: #fff; white-space: nowrap; font-family: ui-monospace, "DejaVu Sans Mono", monospace; }
.empty::before { content: "\\2205"; }
.flags { margin: 6px 0 0; padding: 0; list-style: none; font-size: 12.5px; }
.flags li::before { content: "\\2691\\00a0"; color: var(--flag); }
.flags q { font-family: ui-monospace, "DejaVu Sans Mono", monospace; }
.flags .why { color: var(--muted); }
.none { color: var(--muted); padding: 30px 0; text-align: center; }
@media (max-width: 760px) { .pair { grid-template-columns: 1fr; } }
</style>
</head>
<body>
<header>
  <h1>{title}</h1>
  <div class="sub" id="sub"></div>
  <div class="cards" id="cards"></div>
  <div class="charts" id="charts"></div>
</header>
<main>
  <div class="controls" role="search">
    <input type="search" id="q" placeholder="Search original, normalized or id  ( / )" aria-label="search">
    <select id="stage" aria-label="stage"></select>
    <select id="rule" aria-label="rule"></select>
    <select id="flag" aria-label="flags"></select>
    <button id="clear" type="button">Clear</button>
    <span class="pager">
      <span class="count" id="count"></span>
      <button id="prev" type="button" aria-label="previous page">&#8249;</button>
      <span id="page"></span>
      <button id="next" type="button" aria-label="next page">&#8250;</button>
    </span>
  </div>
  <div class="list" id="list"><noscript>This report needs JavaScript to show its lines.</noscript></div>
</main>
"""

_TAIL = r"""<script>
(function () {
"use strict";
var PAGE = 50;
var rows = JSON.parse(document.getElementById("ttsnorm-rows").textContent);
var meta = JSON.parse(document.getElementById("ttsnorm-meta").textContent);
var S = meta.summary, RULES = meta.rules, REASONS = meta.reasons;
var stageOf = RULES.map(function (r) { var i = r.indexOf("/"); return i < 0 ? r : r.slice(0, i); });
var ruleName = RULES.map(function (r) { var i = r.indexOf("/"); return i < 0 ? r : r.slice(i + 1); });
var stages = [];
(Object.keys(S.edits_per_stage || {})).concat(stageOf).forEach(function (s) { if (stages.indexOf(s) < 0) stages.push(s); });
var PALETTE = ["#2f6fd0", "#c2410c", "#15803d", "#7c3aed", "#b91c1c", "#0e7490", "#a16207", "#be185d", "#4d7c0f", "#475569", "#9333ea", "#0f766e"];
function colour(stage) { var i = stages.indexOf(stage); return PALETTE[(i < 0 ? 0 : i) % PALETTE.length]; }

// Per row: the rules that edited it, its stages, its flag rules; the search text on demand.
var info = rows.map(function (row) {
  var edit = [], flag = [], st = [];
  row[2].forEach(function (p) {
    if (typeof p !== "string") p[2].forEach(function (r) { if (edit.indexOf(r) < 0) edit.push(r); });
  });
  edit.forEach(function (r) { if (st.indexOf(stageOf[r]) < 0) st.push(stageOf[r]); });
  row[3].forEach(function (f) { if (flag.indexOf(f[0]) < 0) flag.push(f[0]); });
  return { edit: edit, flag: flag, stages: st, hay: null };
});
function haystack(i) {
  var x = info[i];
  if (x.hay === null) {
    var o = "", n = "";
    rows[i][2].forEach(function (p) {
      if (typeof p === "string") { o += p; n += p; } else { o += p[0]; n += (p[1] === null ? p[0] : p[1]); }
    });
    x.hay = (o + "\n" + n + "\n" + (rows[i][1] || "") + "\n" + (rows[i][0] === null ? "" : "line " + rows[i][0])).toLowerCase();
  }
  return x.hay;
}

function el(tag, cls, text) {
  var e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined && text !== null) e.textContent = String(text);
  return e;
}
function fmt(n) { return n === null || n === undefined ? "\u2013" : Number(n).toLocaleString("en-US"); }
var $ = function (id) { return document.getElementById(id); };

// Summary cards and charts.
$("sub").textContent = (meta.source ? meta.source + " \u00b7 " : "") + "generated " + meta.generated +
  (S.lines === null ? " \u00b7 counts recomputed from the diff log (pass --summary for lines read)" : "");
var cards = [["lines read", S.lines], ["records", S.records],
  ["changed", S.changed, S.records ? (100 * S.changed / S.records).toFixed(1) + "%" : ""],
  ["flagged", S.flagged, S.records ? (100 * S.flagged / S.records).toFixed(1) + "%" : ""],
  ["rejected", S.rejected], ["lines/s", S.lines_per_second === null ? null : Math.round(S.lines_per_second)],
  ["in the log", rows.length]];
cards.forEach(function (c) {
  if (c[1] === null || c[1] === undefined) return;
  var d = el("div", "card"), b = el("b", "", fmt(c[1]));
  d.appendChild(b); d.appendChild(el("span", "", c[0] + (c[2] ? " \u00b7 " + c[2] : "")));
  $("cards").appendChild(d);
});
var barButtons = [];
function chart(title, counts, onpick, key, paint) {
  var names = Object.keys(counts || {});
  if (!names.length) return;
  names.sort(function (a, b) { return counts[b] - counts[a]; });
  var box = el("section", "chart"), max = counts[names[0]] || 1, LIMIT = 10;
  box.appendChild(el("h2", "", title + " (" + names.length + ")"));
  var list = el("div");
  function draw(all) {
    list.textContent = "";
    names.slice(0, all ? names.length : LIMIT).forEach(function (name) {
      var b = el("button", "bar"); b.type = "button"; b.title = name + ": " + fmt(counts[name]);
      b.appendChild(el("span", "name", name));
      var track = el("span", "track"), fill = el("span", "fill");
      fill.style.width = Math.max(1, 100 * counts[name] / max) + "%";
      fill.style.display = "block";
      fill.style.background = paint(name);
      track.appendChild(fill); b.appendChild(track);
      b.appendChild(el("span", "num", fmt(counts[name])));
      b.addEventListener("click", function () { onpick(name); $("list").scrollIntoView(); });
      b.dataset.key = key + name;
      list.appendChild(b);
    });
    if (names.length > LIMIT) {
      var more = el("button", "more", all ? "show fewer" : "show all " + names.length);
      more.type = "button";
      more.addEventListener("click", function () { draw(!all); markBars(); });
      list.appendChild(more);
    }
  }
  draw(false);
  box.appendChild(list);
  $("charts").appendChild(box);
}
function ruleByName(name) { return RULES.indexOf(name); }
function prefix(name) { var i = name.indexOf("/"); return i < 0 ? name : name.slice(0, i); }
chart("Edits per stage", S.edits_per_stage, function (s) { set({ stage: s, rule: "", page: 0 }); }, "s:", colour);
chart("Edits per rule", S.edits_per_rule, function (r) { set({ stage: "", rule: String(ruleByName(r)), page: 0 }); }, "r:",
      function (r) { return colour(prefix(r)); });
chart("Flags per rule", S.flags_per_rule, function (r) { set({ flag: "f" + ruleByName(r), page: 0 }); }, "f:",
      function () { return "var(--flag)"; });

// Filters.
var state = { q: "", stage: "", rule: "", flag: "", page: 0 };
var ruleEdits = RULES.map(function () { return 0; }), ruleFlags = RULES.map(function () { return 0; });
info.forEach(function (x) {
  x.edit.forEach(function (r) { ruleEdits[r]++; });
  x.flag.forEach(function (r) { ruleFlags[r]++; });
});
function option(select, value, text) { var o = el("option", "", text); o.value = value; select.appendChild(o); }
option($("stage"), "", "All stages");
stages.forEach(function (s) { option($("stage"), s, s); });
function fillRules() {
  var sel = $("rule"); sel.textContent = "";
  option(sel, "", "All rules");
  RULES.map(function (r, i) { return i; })
    .filter(function (i) { return ruleEdits[i] > 0 && (!state.stage || stageOf[i] === state.stage); })
    .sort(function (a, b) { return ruleEdits[b] - ruleEdits[a]; })
    .forEach(function (i) { option(sel, String(i), RULES[i] + " (" + fmt(ruleEdits[i]) + ")"); });
}
option($("flag"), "", "Flagged or not");
option($("flag"), "any", "Flagged lines");
option($("flag"), "none", "Lines without flags");
RULES.forEach(function (r, i) { if (ruleFlags[i]) option($("flag"), "f" + i, "\u2691 " + r + " (" + fmt(ruleFlags[i]) + ")"); });

var view = [];
function matches(i) {
  var x = info[i];
  if (state.stage && x.stages.indexOf(state.stage) < 0) return false;
  if (state.rule !== "" && x.edit.indexOf(+state.rule) < 0) return false;
  if (state.flag === "any" && !x.flag.length) return false;
  if (state.flag === "none" && x.flag.length) return false;
  if (state.flag.charAt(0) === "f" && x.flag.indexOf(+state.flag.slice(1)) < 0) return false;
  if (state.q && haystack(i).indexOf(state.q.toLowerCase()) < 0) return false;
  return true;
}
function filter() {
  view = [];
  for (var i = 0; i < rows.length; i++) if (matches(i)) view.push(i);
}

function tag(rule) {
  var t = el("span", "tag", ruleName[rule]);
  t.style.background = colour(stageOf[rule]);
  t.title = RULES[rule];
  return t;
}
function side(row, normalized) {
  var box = el("div");
  box.appendChild(el("span", "label", normalized ? "normalized" : "original"));
  row[2].forEach(function (p) {
    if (typeof p === "string") { box.appendChild(document.createTextNode(p)); return; }
    var changed = p[1] !== null, text = normalized && changed ? p[1] : p[0];
    var span = el(changed ? (normalized ? "ins" : "del") : "span", "", text);
    if (changed && text === "") span.className = "empty";
    if (p[3].length) span.className += " flagged";
    var why = p[2].map(function (r) { return RULES[r]; });
    p[3].forEach(function (f) { why.push("\u2691 " + RULES[row[3][f][0]] + ": " + REASONS[row[3][f][2]]); });
    if (changed) why.unshift(JSON.stringify(p[0]) + " \u2192 " + JSON.stringify(p[1]));
    span.title = why.join("\n");
    box.appendChild(span);
    if (normalized && changed) p[2].forEach(function (r) { box.appendChild(tag(r)); });
  });
  return box;
}
function renderRow(i) {
  var row = rows[i], x = info[i], d = el("article", "row");
  var m = el("div", "meta");
  if (row[0] !== null) m.appendChild(el("span", "", "line " + row[0]));
  if (row[1] !== null) m.appendChild(el("span", "id", row[1]));
  if (x.stages.length) m.appendChild(el("span", "", x.stages.join(" \u00b7 ")));
  d.appendChild(m);
  var pair = el("div", "pair");
  pair.appendChild(side(row, false));
  pair.appendChild(side(row, true));
  d.appendChild(pair);
  if (row[3].length) {
    var ul = el("ul", "flags"), seen = {};
    row[3].forEach(function (f) {     // the same flag on the same text: one item, counted
      var key = JSON.stringify(f);
      if (seen[key]) { seen[key].n++; seen[key].count.textContent = " \u00d7" + seen[key].n; return; }
      var li = el("li");
      li.appendChild(el("q", "", f[1]));
      var count = el("span", "why");
      li.appendChild(count);
      li.appendChild(document.createTextNode(" " + RULES[f[0]] + " "));
      li.appendChild(el("span", "why", REASONS[f[2]]));
      ul.appendChild(li);
      seen[key] = { n: 1, count: count };
    });
    d.appendChild(ul);
  }
  return d;
}
function markBars() {
  var on = { };
  if (state.stage) on["s:" + state.stage] = 1;
  if (state.rule !== "") on["r:" + RULES[+state.rule]] = 1;
  if (state.flag.charAt(0) === "f") on["f:" + RULES[+state.flag.slice(1)]] = 1;
  Array.prototype.forEach.call(document.querySelectorAll(".bar"), function (b) {
    b.classList.toggle("on", !!on[b.dataset.key]);
  });
}
function render() {
  var pages = Math.max(1, Math.ceil(view.length / PAGE));
  state.page = Math.min(Math.max(0, state.page), pages - 1);
  var list = $("list"); list.textContent = "";
  var start = state.page * PAGE, frag = document.createDocumentFragment();
  view.slice(start, start + PAGE).forEach(function (i) { frag.appendChild(renderRow(i)); });
  list.appendChild(frag);
  if (!view.length) list.appendChild(el("div", "none", "No line matches these filters."));
  $("count").textContent = fmt(view.length) + " of " + fmt(rows.length) + " lines";
  $("page").textContent = "page " + fmt(state.page + 1) + " of " + fmt(pages);
  $("prev").disabled = state.page === 0;
  $("next").disabled = state.page >= pages - 1;
  markBars();
}
function syncControls() {
  $("q").value = state.q; $("stage").value = state.stage; fillRules();
  $("rule").value = state.rule; $("flag").value = state.flag;
}
function writeHash() {
  var parts = [];
  ["q", "stage", "rule", "flag"].forEach(function (k) { if (state[k]) parts.push(k + "=" + encodeURIComponent(state[k])); });
  if (state.page) parts.push("page=" + (state.page + 1));
  var hash = parts.join("&");
  if (location.hash.slice(1) !== hash) history.replaceState(null, "", hash ? "#" + hash : location.pathname + location.search);
}
function readHash() {
  location.hash.slice(1).split("&").forEach(function (kv) {
    var i = kv.indexOf("="); if (i < 0) return;
    var k = kv.slice(0, i), v = decodeURIComponent(kv.slice(i + 1));
    if (k === "page") state.page = Math.max(0, (parseInt(v, 10) || 1) - 1);
    else if (k in state) state[k] = v;
  });
}
function set(change) {
  var refilter = false;
  Object.keys(change).forEach(function (k) { if (k !== "page" && state[k] !== change[k]) refilter = true; state[k] = change[k]; });
  if (refilter) filter();
  syncControls(); render(); writeHash();
}
var timer = null;
$("q").addEventListener("input", function () {
  clearTimeout(timer);
  var v = this.value;
  timer = setTimeout(function () { set({ q: v, page: 0 }); }, 120);
});
$("stage").addEventListener("change", function () { set({ stage: this.value, rule: "", page: 0 }); });
$("rule").addEventListener("change", function () { set({ rule: this.value, page: 0 }); });
$("flag").addEventListener("change", function () { set({ flag: this.value, page: 0 }); });
$("clear").addEventListener("click", function () { set({ q: "", stage: "", rule: "", flag: "", page: 0 }); });
$("prev").addEventListener("click", function () { set({ page: state.page - 1 }); window.scrollTo(0, $("list").offsetTop - 60); });
$("next").addEventListener("click", function () { set({ page: state.page + 1 }); window.scrollTo(0, $("list").offsetTop - 60); });
document.addEventListener("keydown", function (e) {
  if (e.key === "/" && document.activeElement !== $("q")) { e.preventDefault(); $("q").focus(); }
});
readHash();
if (state.rule !== "" && !(+state.rule >= 0 && +state.rule < RULES.length)) state.rule = "";
filter(); syncControls(); render();
document.body.dataset.ready = "1";
})();
</script>
</body>
</html>
"""
