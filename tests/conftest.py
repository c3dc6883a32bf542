"""Shared fixtures: the bundled pipeline and the sample's pipeline, built once per session."""

from pathlib import Path

import pytest
from hypothesis import settings

import normalizer

# Property tests explore the same inputs on every run, so that a test run (CI above all) is
# reproducible; bench/fuzz.py is the long, random exploration.
settings.register_profile("reproducible", derandomize=True, database=None)
settings.load_profile("reproducible")

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "examples" / "llm_intro.txt"
SAMPLE_PIPELINE = ROOT / "examples" / "llm_intro.yaml"


@pytest.fixture(scope="session")
def pipe():
    return normalizer.load()


@pytest.fixture(scope="session")
def sample_pipe():
    return normalizer.load(SAMPLE_PIPELINE)
