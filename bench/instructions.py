"""Machine instructions per normalized line, counted by valgrind: a figure that does not move
with the load of the machine, for telling a 3% change from noise (wall-clock timings on a
shared machine vary by a fifth from run to run).

    python bench/instructions.py                    # ljspeech mix, 1,000 lines
    python bench/instructions.py --mix dense --lines 500

Needs valgrind (`apt-get install valgrind`). The pipeline is built (every rule compiled),
then 600 lines warm it up; the count is that of normalizing `--lines` more (in batches, as
`ttsnorm run` does) minus that of a run that stops after the warm-up. Python's hash seed is
fixed, so two runs of the same code give the same count to a fraction of a percent. Run it
on two checkouts (`--tree`) to compare them, with the same `--cache`: which engine searches
a pattern is chosen by timing it (normalizer/engines.py), once per cache, and the choices
move the count by a percent or two.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WARM_UP = 600

# What the counted process runs: build, warm up, then normalize `lines` lines.
CHILD = """
import sys
sys.path.insert(0, {bench!r})
from throughput import MIXES, unique_lines
from normalizer.pipeline import load
mix, lines = sys.argv[1], int(sys.argv[2])
texts = list(unique_lines(MIXES[mix](), {warm} + lines))
pipe = load(sys.argv[3])   # the default pipeline with a line budget valgrind's pace cannot hit
pipe.normalize_batch(texts[:{warm}])
pipe.normalize_batch(texts[{warm}:])
"""


VALGRIND = ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null"]


def instructions(tree: Path, mix: str, lines: int, cache: Path, counted: bool = True) -> int:
    """Instructions valgrind counts for one child process (0 when not `counted`: a run that
    fills the caches). It runs from `cache`, so that the code imported is the tree's, not
    that of the current folder."""
    code = CHILD.format(bench=str(ROOT / "bench"), warm=WARM_UP)
    env = dict(os.environ, PYTHONPATH=str(tree), PYTHONHASHSEED="0", XDG_CACHE_HOME=str(cache))
    done = subprocess.run([*(VALGRIND if counted else []), sys.executable, "-c", code, mix,
                           str(lines), str(cache / "pipeline.yaml")],
                          env=env, cwd=cache, capture_output=True, text=True, check=True)
    return int(re.search(r"Collected : (\d+)", done.stderr).group(1)) if counted else 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mix", default="ljspeech", choices=["ljspeech", "dense"])
    parser.add_argument("--lines", type=int, default=1000)
    parser.add_argument("--tree", type=Path, default=ROOT, help="the checkout to measure")
    parser.add_argument("--cache", type=Path, help="keep the caches here (default: a new folder)")
    args = parser.parse_args()
    if shutil.which("valgrind") is None:
        sys.exit("valgrind is not installed (apt-get install valgrind)")
    with tempfile.TemporaryDirectory() as fresh:
        cache = args.cache.resolve() if args.cache else Path(fresh)
        cache.mkdir(parents=True, exist_ok=True)
        # Under valgrind a line runs some 50 times slower: a budget of 1 s would cut the
        # heaviest lines, at random, and with them the count.
        (cache / "pipeline.yaml").write_text("extends: default\nline_timeout: 1000\n")
        # a first run fills the analysis and compiled-pattern caches; the counted ones find them
        instructions(args.tree, args.mix, 0, cache, counted=False)
        base = instructions(args.tree, args.mix, 0, cache)
        total = instructions(args.tree, args.mix, args.lines, cache)
    print(f"{args.tree} {args.mix}: {(total - base) / args.lines:,.0f} instructions a line "
          f"({args.lines:,} lines after {WARM_UP} to warm up)")


if __name__ == "__main__":
    main()
