"""Rule self-tests: every rule's `examples` (input -> expected) and `keep` cases (unchanged),
each run through the rule's stage alone. `ttsnorm check` and the test suite run them.

>>> from normalizer.pipeline import load
>>> check_stage(load().stage("asr_fixes"))
[]
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator


from .edits import Edit, apply_edits
from .rules import Rule
from .stages.base import RuleStage


@dataclass(frozen=True, slots=True)
class Case:
    """One example or keep case of one rule."""

    stage: str
    rule: Rule
    index: int
    text: str
    expected: str
    kind: str        # "example" or "keep"

    @property
    def name(self) -> str:
        return f"{self.stage}/{self.rule.id}#{self.kind}{self.index}"


@dataclass(frozen=True, slots=True)
class Failure:
    case: Case
    got: str

    @property
    def stage(self) -> str:
        return self.case.stage

    def __str__(self) -> str:
        rule = self.case.rule
        return (f"{rule.where}: {self.case.name}: {self.case.text!r} gave {self.got!r}, "
                f"expected {self.case.expected!r}")


def cases(stage: RuleStage) -> Iterator[Case]:
    for rule in stage.rules:
        for index, (text, expected) in enumerate(rule.examples):
            yield Case(stage.name, rule, index, text, expected, "example")
        for index, text in enumerate(rule.keep):
            yield Case(stage.name, rule, index, text, text, "keep")


def run_case(stage: RuleStage, case: Case) -> str:
    """The stage's output for the case's input."""
    edits = [item for item in stage(case.text) if isinstance(item, Edit)]
    return apply_edits(case.text, edits)


def check_stage(stage: RuleStage) -> list[Failure]:
    failures = []
    for case in cases(stage):
        try:
            got = run_case(stage, case)
        except Exception as error:   # e.g. `args` a verbalizer cannot use: the rule's mistake
            got = f"<failed: {type(error).__name__}: {error}; check the rule's args>"
        if got != case.expected:
            failures.append(Failure(case, got))
    return failures


@dataclass(frozen=True, slots=True)
class Shadow:
    """Rule `rule` would match its own example, but rule `by` takes that span first."""

    stage: str
    rule: Rule
    by: Rule
    text: str

    def __str__(self) -> str:
        return (f"{self.rule.where}: {self.stage}/{self.rule.id} is shadowed by "
                f"{self.by.id} ({self.by.where}) on {self.text!r}: the rule listed first "
                f"(or the leftmost match) wins; reorder the rules or narrow one of them")


def shadows(stage: RuleStage) -> list[Shadow]:
    """Rules whose own examples are taken by another rule of the same stage."""
    by_id = {rule.id: rule for rule in stage.rules}
    found = []
    for rule, pattern in zip(stage.rules, stage.patterns):
        own = pattern.regex   # compiled already, and finds what the rule's pattern finds
        for text, _ in rule.examples:
            try:
                taken = [edit for edit in stage(text) if edit.rule != rule.id]
            except Exception:   # check_stage reports it as the example's failure
                continue
            for match in own.finditer(text):
                start, end = match.span()
                culprit = next((edit for edit in taken if edit.start < end and start < edit.end), None)
                if culprit is not None:
                    found.append(Shadow(stage.name, rule, by_id[culprit.rule], text))
                    break
    return found
