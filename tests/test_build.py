"""The installed build normalizes exactly as this checkout's sources do.

`pip install .` compiles the modules every line runs through (setup.py); the rest of the suite
imports the sources. Here the installed package runs in another process, from a folder where
the checkout cannot be imported, over every text the suite has at hand (the rule files'
examples, tests/cases, the bundled sample, and lines made of their pieces), and each result,
changes and flags included, must equal the sources'. Under CI (.ci/run installs a C compiler)
the installed build must be the compiled one.
"""

import ast
import json
import os
import random
import subprocess
import sys
from pathlib import Path

import pytest

import normalizer

ROOT = Path(__file__).resolve().parent.parent

RUN = """
import json, sys
import normalizer
texts = json.load(sys.stdin)
pipe = normalizer.load()
print(json.dumps({"file": normalizer.__file__, "compiled": normalizer.compiled_modules(),
                  "results": [pipe.normalize(text) for text in texts]}))
"""


def texts() -> list[str]:
    found = [line for path in sorted((ROOT / "tests" / "cases").glob("*.tsv"))
             for line in (row.split("\t")[0] for row in path.read_text(encoding="utf-8").splitlines())
             if line and not line.startswith("#")]
    found += (ROOT / "examples" / "llm_intro.txt").read_text(encoding="utf-8").splitlines()
    found += [written for stage in normalizer.load().stages for rule in stage.rules
              for written, _ in rule.examples]
    pieces = " ".join(found).split()
    chooser = random.Random(5)   # lines no file holds, the same on every run
    found += [" ".join(chooser.choices(pieces, k=chooser.randint(1, 12))) for _ in range(2000)]
    return found


def compiled_by_setup() -> list[str]:
    tree = ast.parse((ROOT / "setup.py").read_text(encoding="utf-8"))
    return next(sorted(ast.literal_eval(node.value)) for node in tree.body if isinstance(node, ast.Assign)
                and getattr(node.targets[0], "id", None) == "COMPILED")


def test_the_installed_build_normalizes_as_the_sources_do(tmp_path):
    env = {name: value for name, value in os.environ.items() if name != "PYTHONPATH"}
    inputs = texts()
    done = subprocess.run([sys.executable, "-c", RUN], input=json.dumps(inputs), cwd=tmp_path,
                          env=env, capture_output=True, text=True)
    skip = pytest.fail if os.environ.get("CI") else pytest.skip   # CI installs a compiled build
    if done.returncode and "No module named 'normalizer'" in done.stderr:
        skip("ttsnorm is not installed (the suite runs from the checkout)")
    assert done.returncode == 0, done.stderr
    installed = json.loads(done.stdout)
    if Path(installed["file"]).resolve().parent == Path(normalizer.__file__).resolve().parent:
        skip("the installed package is this checkout's sources (an editable install)")
    if os.environ.get("CI"):
        assert installed["compiled"] == compiled_by_setup(), "CI installs a C compiler: all compiled"
    # JSON on both sides, so that named tuples and tuples compare as the lists they become
    pipe = normalizer.load()
    expected = json.loads(json.dumps([pipe.normalize(text) for text in inputs]))
    differ = [(text, got, want) for text, got, want in zip(inputs, installed["results"], expected)
              if got != want]
    assert not differ, f"{len(differ)} of {len(inputs)} differ; the first: {differ[0]}"


def test_version_says_which_build_runs():
    done = subprocess.run([sys.executable, "-m", "normalizer", "--version"], cwd=ROOT,
                          capture_output=True, text=True, check=True)
    # from the checkout: its sources (compiled modules beside them would be imported instead)
    assert done.stdout.strip() == (f"ttsnorm {normalizer.__version__}, pure Python, "
                                   f"from {ROOT / 'normalizer'}")
