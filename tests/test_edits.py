"""Edits, the alignment back to the original, and replay."""

import random

import pytest

from normalizer.edits import Alignment, Change, Edit, apply_edits, check_edits, replay


def test_apply_edits_in_order():
    assert apply_edits("a b c", [Edit(0, 1, "x", "r"), Edit(4, 5, "zz", "r")]) == "x b zz"


def test_check_edits_rejects_overlap_and_range():
    assert "overlaps" in check_edits([Edit(0, 3, "", "a"), Edit(2, 4, "", "b")], 10)
    assert "outside" in check_edits([Edit(5, 11, "", "a")], 10)
    assert check_edits([Edit(0, 0, "x", "a"), Edit(0, 2, "y", "b")], 3) is None


def test_edit_on_top_of_edit_maps_to_union_of_original_spans():
    # "GPT-4 and 5" -> stage 1: "GPT-4" -> "G P T 4"; stage 2: "4 and 5" -> "four and five"
    align = Alignment()
    assert align.record(0, 5, 7) == (0, 5)           # "G P T 4" covers original [0, 5)
    # now "G P T 4 and 5": edit [6, 13) "4 and 5" touches the first region and plain text
    assert align.record(6, 13, 13) == (0, 11)
    assert align.to_original(0, 1) == (0, 11)        # inside a changed region: the whole region


def test_unchanged_text_maps_through_shifts():
    align = Alignment()
    align.record(2, 4, 10)        # "ab$2 cd" style: 2 chars became 10
    assert align.to_original(12, 15) == (4, 7)
    assert align.to_original(0, 2) == (0, 2)


def test_insertion_and_deletion():
    align = Alignment()
    align.record(3, 3, 4)         # insert 4 chars at 3
    assert align.to_original(7, 9) == (3, 5)
    align.record(0, 2, 0)         # delete the first 2 chars
    assert align.to_original(5, 7) == (3, 5)


def _random_edits(rng, text):
    positions = sorted(rng.sample(range(len(text) + 1), k=min(len(text) + 1, rng.randint(0, 6))))
    edits = []
    for start, end in zip(positions[::2], positions[1::2]):
        edits.append(Edit(start, end, "".join(rng.choice("xyz ") for _ in range(rng.randint(0, 5))), "r"))
    return edits


@pytest.mark.parametrize("seed", range(200))
def test_random_stages_replay_and_map_to_original(seed):
    """Several stages of random edits: replay reproduces the text, and every recorded source
    span covers exactly the original text that the change (with earlier ones) replaced."""
    rng = random.Random(seed)
    original = "".join(rng.choice("abcdef ") for _ in range(rng.randint(0, 30)))
    text, align, changes = original, Alignment(), []
    origins = list(range(len(original)))   # original index of each current char; None if new
    for stage in range(rng.randint(1, 4)):
        edits = _random_edits(rng, text)
        assert check_edits(edits, len(text)) is None
        recorded = []
        for edit in reversed(edits):
            src = align.record(edit.start, edit.end, len(edit.new))
            replaced = [o for o in origins[edit.start:edit.end] if o is not None]
            if replaced:   # the source span covers every original character it replaced
                assert src[0] <= min(replaced) and max(replaced) < src[1]
            recorded.append(Change(f"s{stage}", "r", (edit.start, edit.end), src,
                                   text[edit.start:edit.end], edit.new))
            origins[edit.start:edit.end] = [None] * len(edit.new)
        changes += reversed(recorded)
        text = apply_edits(text, edits)
    assert replay(original, changes) == text
    for position, origin in enumerate(origins):
        if origin is not None:   # untouched characters map back to themselves
            assert align.to_original(position, position + 1) == (origin, origin + 1)


def test_replay_checks_old_text():
    with pytest.raises(ValueError, match="expected"):
        replay("abc", [Change("s", "r", (0, 1), (0, 1), "z", "y")])
