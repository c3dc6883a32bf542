"""The three properties every normalization must have (SPEC: "Every change is accounted for")."""

from normalizer import replay


def assert_invariants(pipe, text: str) -> str:
    """Normalize `text`; assert replay, idempotence and identity-when-unchanged; return the output."""
    result = pipe.normalize(text)
    assert replay(text, result.edits) == result.text, "replaying the edits must give the output"
    again = pipe.normalize(result.text)
    assert again.text == result.text, f"normalizing twice changed {result.text!r} to {again.text!r}"
    if not result.edits:
        assert result.text is text
    for change in result.edits:
        start, end = change.src
        assert 0 <= start <= end <= len(text)
    return result.text
