"""The diff log (one JSON line per changed or flagged record) and the end-of-run summary.

Each log line says which stage and rule turned which span into what; `replay` re-applies a
line's edits to its original and must give its normalized text.

>>> from normalizer.edits import Change, replay
>>> r = Result("two dollars", (Change("money", "dollars", (0, 2), (0, 2), "$2", "two dollars"),))
>>> line = log_line(r, "$2", record_id="a1", line=3)
>>> replay(line["original"], line["edits"]) == line["normalized"]
True
"""

from __future__ import annotations

import json
import time
from collections import Counter
from dataclasses import dataclass, field

from .pipeline import Result


def log_line(result: Result, original: str, record_id: str | None, line: int) -> dict:
    """The diff-log entry of one record."""
    return {
        "line": line,
        "id": record_id,
        "original": original,
        "normalized": result.text,
        "edits": [change.as_dict() for change in result.edits],
        "flags": [flag.as_dict() for flag in result.flags],
    }


def encode(entry: dict) -> bytes:
    try:
        return (json.dumps(entry, ensure_ascii=False) + "\n").encode("utf-8")
    except UnicodeEncodeError:   # a lone surrogate (from a JSON "\ud800" escape): escape it
        return (json.dumps(entry, ensure_ascii=True) + "\n").encode("utf-8")


@dataclass
class Summary:
    """Counts for one run; `add` takes each record's result as it is written."""

    lines: int = 0          # physical input lines
    records: int = 0
    changed: int = 0
    flagged: int = 0
    rejected: int = 0
    rules: Counter = field(default_factory=Counter)    # "stage/rule" -> edits
    stages: Counter = field(default_factory=Counter)   # stage -> edits
    flag_rules: Counter = field(default_factory=Counter)
    started: float = field(default_factory=time.perf_counter)
    seconds: float = 0.0

    def add(self, result: Result) -> None:
        self.records += 1
        if result.edits:
            self.changed += 1
            for change in result.edits:
                self.rules[f"{change.stage}/{change.rule}"] += 1
                self.stages[change.stage] += 1
        if result.flags:
            self.flagged += 1
            for flag in result.flags:
                self.flag_rules[f"{flag.stage}/{flag.rule}"] += 1

    def finish(self) -> "Summary":
        self.seconds = time.perf_counter() - self.started
        return self

    @property
    def lines_per_second(self) -> float:
        return self.lines / self.seconds if self.seconds else 0.0

    def as_dict(self) -> dict:
        return {
            "lines": self.lines, "records": self.records, "changed": self.changed,
            "flagged": self.flagged, "rejected": self.rejected,
            "edits_per_stage": dict(self.stages.most_common()),
            "edits_per_rule": dict(self.rules.most_common()),
            "flags_per_rule": dict(self.flag_rules.most_common()),
            "seconds": round(self.seconds, 3),
            "lines_per_second": round(self.lines_per_second, 1),
        }

    def render(self, top: int = 10) -> str:
        """A short human summary for stderr."""
        lines = [f"{self.lines} lines read: {self.records} records, {self.changed} changed, "
                 f"{self.flagged} flagged, {self.rejected} rejected "
                 f"in {self.seconds:.2f} s ({self.lines_per_second:,.0f} lines/s)"]
        if self.rules:
            lines.append("edits per rule: " + ", ".join(
                f"{rule} {count}" for rule, count in self.rules.most_common(top)))
        if self.flag_rules:
            lines.append("flags per rule: " + ", ".join(
                f"{rule} {count}" for rule, count in self.flag_rules.most_common(top)))
        return "\n".join(lines)
