"""Every rule's examples and keep cases, through its stage alone; and through the whole
pipeline, the three invariants on every example input."""

import pytest

import normalizer
from normalizer.checks import cases, run_case

from conftest import SAMPLE_PIPELINE
from invariants import assert_invariants

PIPELINES = {"default": normalizer.load(), "llm_intro": normalizer.load(SAMPLE_PIPELINE)}
CASES = [(name, stage, case) for name, pipe in PIPELINES.items()
         for stage in pipe.stages for case in cases(stage)]


@pytest.mark.parametrize("pipeline_name, stage, case", CASES,
                         ids=[f"{name}:{case.name}" for name, _, case in CASES])
def test_rule_case(pipeline_name, stage, case):
    assert run_case(stage, case) == case.expected, f"{case.rule.where}"


@pytest.mark.parametrize("pipeline_name, stage, case", CASES,
                         ids=[f"{name}:{case.name}" for name, _, case in CASES])
def test_invariants_on_rule_inputs(pipeline_name, stage, case):
    assert_invariants(PIPELINES[pipeline_name], case.text)


def test_every_rule_has_an_example():
    missing = [f"{rule.where} {stage.name}/{rule.id}" for pipe in PIPELINES.values()
               for stage in pipe.stages for rule in stage.rules
               if not rule.examples and not rule.keep]
    assert not missing, "rules without examples or keep cases:\n" + "\n".join(missing)
