"""Edits, their application, and the alignment that maps every change back to the original text.

A stage never builds strings: it returns `Edit`s (spans in *its* input) and `Flag`s. The
pipeline applies them with `apply_edits` and keeps an `Alignment` from the current text to
the original, so each recorded `Change` carries two coordinates: `at`, the span in that
stage's input (what `replay` uses), and `src`, the span of the original text it came from.

>>> a = Alignment()
>>> a.record(4, 9, 10)         # "I'm GPT-4." -> "I'm G P T four."
(4, 9)
>>> a.record(10, 14, 8)        # "four" -> "FOUR-ish", on top of the first edit
(4, 9)
>>> a.to_original(18, 19)      # the final period maps back through the shift
(9, 10)
"""

from __future__ import annotations

from bisect import bisect_right
from typing import Iterable, NamedTuple, Sequence


# Named tuples: a run makes millions of them, each in a third of a frozen dataclass's time.

class Edit(NamedTuple):
    """Replace `text[start:end]` of a stage's input with `new`; `rule` is the rule id."""

    start: int
    end: int
    new: str
    rule: str


class Flag(NamedTuple):
    """Mark `text[start:end]` of a stage's input as not made speakable, with a reason."""

    start: int
    end: int
    reason: str
    rule: str


class Change(NamedTuple):
    """One applied edit as recorded in a Result and the diff log."""

    stage: str
    rule: str
    at: tuple[int, int]   # span in the stage's input text
    src: tuple[int, int]  # span in the original text
    old: str
    new: str
    step: int = 0         # which stage application: stage index, counted on over passes

    def as_dict(self) -> dict:
        return {"stage": self.stage, "rule": self.rule, "at": list(self.at),
                "src": list(self.src), "old": self.old, "new": self.new, "step": self.step}


class Flagged(NamedTuple):
    """A flag as recorded in a Result: span and text refer to the original."""

    stage: str
    rule: str
    src: tuple[int, int]
    text: str
    reason: str

    def as_dict(self) -> dict:
        return {"stage": self.stage, "rule": self.rule, "src": list(self.src),
                "text": self.text, "reason": self.reason}


def check_edits(edits: Sequence[Edit], length: int) -> str | None:
    """Return why `edits` (sorted by start) cannot be applied to a text of `length`, or None.

    >>> check_edits([Edit(0, 2, "x", "a"), Edit(1, 3, "y", "b")], 5)
    "rule 'b' edits [1, 3), which overlaps rule 'a' at [0, 2)"
    """
    previous = None
    for edit in edits:
        if not 0 <= edit.start <= edit.end <= length:
            return f"rule {edit.rule!r} edits [{edit.start}, {edit.end}), outside the text (length {length})"
        if previous is not None and edit.start < previous.end:
            return (f"rule {edit.rule!r} edits [{edit.start}, {edit.end}), which overlaps "
                    f"rule {previous.rule!r} at [{previous.start}, {previous.end})")
        previous = edit
    return None


def apply_edits(text: str, edits: Iterable[Edit]) -> str:
    """Apply non-overlapping edits, sorted by start, to `text`.

    >>> apply_edits("It costs $2.", [Edit(9, 11, "two dollars", "money")])
    'It costs two dollars.'
    """
    pieces = []
    position = 0
    for edit in edits:
        pieces.append(text[position:edit.start])
        pieces.append(edit.new)
        position = edit.end
    pieces.append(text[position:])
    return "".join(pieces)


class Alignment:
    """Maps spans of the current text back to the original text.

    It keeps the changed regions as parallel sorted lists: the region's span in the current
    text and the span of the original text it replaced. Text between regions maps through by
    a constant shift. An edit that touches a region maps to the union of the original spans
    involved, so "G P T four" still points back to "GPT-4" after several stages.
    """

    __slots__ = ("cur_starts", "cur_ends", "src_starts", "src_ends")

    def __init__(self) -> None:
        self.cur_starts: list[int] = []
        self.cur_ends: list[int] = []
        self.src_starts: list[int] = []
        self.src_ends: list[int] = []

    def _position(self, pos: int, index: int) -> int:
        """Original offset of current offset `pos`, which lies after region `index - 1`."""
        if index == 0:
            return pos
        return pos - self.cur_ends[index - 1] + self.src_ends[index - 1]

    def _overlapping(self, start: int, end: int) -> tuple[int, int]:
        """Index range of the regions that overlap [start, end) (an empty span: that contain it)."""
        first = bisect_right(self.cur_ends, start)
        last = first
        while last < len(self.cur_starts) and self.cur_starts[last] < end:
            last += 1
        return first, last

    def to_original(self, start: int, end: int) -> tuple[int, int]:
        """The original span that current span [start, end) came from."""
        return self._source(start, end, *self._overlapping(start, end))

    def _source(self, start: int, end: int, first: int, last: int) -> tuple[int, int]:
        if first == last:
            return self._position(start, first), self._position(end, first)
        return (min(self.src_starts[first], self._position(start, first)),
                max(self.src_ends[last - 1], self._position(end, last)))

    def record(self, start: int, end: int, new_length: int) -> tuple[int, int]:
        """Record that current [start, end) became `new_length` characters; return its source span.

        Edits of one stage must be recorded right to left so earlier offsets stay valid.
        """
        first, last = self._overlapping(start, end)
        src = self._source(start, end, first, last)
        shift = new_length - (end - start)
        merged_start, merged_end = start, start + new_length
        if first < last:
            merged_start = min(self.cur_starts[first], start)
            merged_end = max(self.cur_ends[last - 1] + shift, merged_end)
        for i in range(last, len(self.cur_starts)):
            self.cur_starts[i] += shift
            self.cur_ends[i] += shift
        self.cur_starts[first:last] = [merged_start]
        self.cur_ends[first:last] = [merged_end]
        self.src_starts[first:last] = [src[0]]
        self.src_ends[first:last] = [src[1]]
        return src


def replay(original: str, changes: Iterable[Change | dict]) -> str:
    """Re-apply recorded changes (objects or diff-log dicts) to the original text.

    Changes are grouped by `step` (one application of one stage; a log without steps is
    grouped by consecutive stage); a group's `at` spans refer to that step's input. Each
    change's `old` must match what it replaces.

    >>> replay("It costs $2.", [{"stage": "money", "rule": "m", "at": [9, 11], "src": [9, 11],
    ...                          "old": "$2", "new": "two dollars"}])
    'It costs two dollars.'
    """
    text = original
    group: list[Edit] = []
    step = None
    for change in changes:
        if isinstance(change, dict):
            change = Change(change["stage"], change["rule"], tuple(change["at"]),
                            tuple(change["src"]), change["old"], change["new"],
                            change.get("step", 0))
        if (change.stage, change.step) != step:
            text = apply_edits(text, group)
            group, step = [], (change.stage, change.step)
        start, end = change.at
        if text[start:end] != change.old:
            raise ValueError(f"replay: rule {change.rule!r} expected {change.old!r} at "
                             f"[{start}, {end}), found {text[start:end]!r}")
        group.append(Edit(start, end, change.new, change.rule))
    return apply_edits(text, group)
