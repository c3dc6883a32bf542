"""Shared fixtures: the bundled pipeline and the sample's pipeline, built once per session."""

from pathlib import Path

import pytest

import normalizer

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "examples" / "llm_intro.txt"
SAMPLE_PIPELINE = ROOT / "examples" / "llm_intro.yaml"


@pytest.fixture(scope="session")
def pipe():
    return normalizer.load()


@pytest.fixture(scope="session")
def sample_pipe():
    return normalizer.load(SAMPLE_PIPELINE)
