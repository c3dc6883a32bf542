"""End-to-end cases: tests/cases/<concern>.tsv, one `input<TAB>expected` per line, through the
whole default pipeline. `negative.tsv` lines must come out unchanged; `known_failures.tsv`
runs under xfail(strict=True), so a case that starts passing must be moved out of it."""

from pathlib import Path

import pytest

from invariants import assert_invariants

CASE_DIR = Path(__file__).parent / "cases"


def read_cases(path: Path) -> list:
    cases = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        fields = line.split("\t")
        written = fields[0].replace("\\t", "\t")
        spoken = fields[1] if len(fields) > 1 else written
        cases.append(pytest.param(written, spoken, id=f"{path.stem}:{number}"))
    return cases


PASSING = [case for path in sorted(CASE_DIR.glob("*.tsv")) if path.stem != "known_failures"
           for case in read_cases(path)]
KNOWN_FAILURES = read_cases(CASE_DIR / "known_failures.tsv") if (CASE_DIR / "known_failures.tsv").exists() else []


@pytest.mark.parametrize("written, spoken", PASSING)
def test_case(pipe, written, spoken):
    assert assert_invariants(pipe, written) == spoken


@pytest.mark.xfail(strict=True)
@pytest.mark.parametrize("written, spoken", KNOWN_FAILURES)
def test_known_failure(pipe, written, spoken):
    assert pipe.normalize(written).text == spoken
