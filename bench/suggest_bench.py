"""Benchmark: `ttsnorm suggest` on 100,000 transcript lines (the issue: "well under a minute").

    python bench/suggest_bench.py [--lines 100000] [--seed 1]

The lines are those of the sample transcript and of the dev sets in ../shared/eval (where
present), repeated until there are enough, one word in three of each repeat misspelled at
random (seeded), so that the corpus has as many distinct rare tokens as a large real one.
The lexicon is the sample's (ChatGPT, Llama, Claude, Scale AI) plus the bundled packs'
targets. Prints the time of each step (wall clock, and the CPU time of `suggest`, which other
processes on the machine do not inflate) and the ten best candidates.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from normalizer.pipeline import build_stage, read_spec  # noqa: E402
from normalizer.suggest import draft_rules, english_words, stage_targets, suggest  # noqa: E402

EVAL = ROOT.parent / "shared" / "eval"


def source_lines() -> list[str]:
    lines = [line.split("|")[1] for line in (ROOT / "examples" / "llm_intro.txt").read_text().splitlines()]
    for path in sorted(EVAL.glob("*.jsonl")):
        lines += [json.loads(line)["input"] for line in path.read_text().splitlines()]
    return lines


def misspell(word: str, rng: random.Random) -> str:
    """One letter of the word swapped with its neighbour, doubled or dropped."""
    if len(word) < 4 or not word.isalpha():
        return word
    i = rng.randrange(1, len(word) - 1)
    change = rng.randrange(3)
    if change == 0:
        return word[:i] + word[i + 1] + word[i] + word[i + 2:]
    if change == 1:
        return word[:i] + word[i] + word[i:]
    return word[:i] + word[i + 1:]


def corpus(count: int, seed: int) -> list[tuple[str, str]]:
    rng = random.Random(seed)
    lines = source_lines()
    texts = []
    for number in range(count):
        text = lines[number % len(lines)]
        if number >= len(lines):
            words = text.split(" ")
            text = " ".join(misspell(word, rng) if rng.random() < 1 / 3 else word for word in words)
        texts.append((f"line-{number}", text))
    return texts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--lines", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    texts = corpus(args.lines, args.seed)
    spec = read_spec()
    stage = build_stage(next(stage for stage in spec.stages if stage.name == "asr_fixes"), spec.style)
    lexicon = ["ChatGPT", "Llama", "Claude", "Scale AI", *stage_targets(stage)]
    started = time.perf_counter()
    english_words()
    loaded = time.perf_counter()
    cpu = time.process_time()
    candidates = suggest(texts, lexicon, stage=stage)
    found = time.perf_counter()
    cpu = time.process_time() - cpu
    draft_rules(candidates[:50], stage)
    drafted = time.perf_counter()
    distinct = len({word for _, text in texts for word in text.split()})
    print(f"{len(texts):,} lines, {distinct:,} distinct space-separated tokens")
    print(f"word list {loaded - started:.2f} s, suggest {found - loaded:.2f} s "
          f"({cpu:.2f} s of CPU; {len(texts) / (found - loaded):,.0f} lines/s), "
          f"draft of 50 {drafted - found:.2f} s; {len(candidates):,} candidates")
    for candidate in candidates[:10]:
        print(f"  {candidate.score:.2f} {candidate.count:>5}x {' / '.join(candidate.forms)} -> "
              f"{candidate.target}")


if __name__ == "__main__":
    main()
