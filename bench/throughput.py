"""Throughput, start-up time and peak memory of `ttsnorm run`, beside the I/O floor.

    python bench/throughput.py                  # 50,000 lines, jobs 1 and all cores
    python bench/throughput.py --lines 200000 --jobs 1 2

Two LJSpeech-like manifests (`id|text|`, about 100 characters a line):
- "ljspeech": one line in five holds something to normalize (numbers, money, dates, ...: the
  written side of the LJSpeech dev set), the others are plain LJSpeech sentences (the spoken
  side of the same set). In LJSpeech itself 753 of 13,100 lines (6%) differ between its
  written and normalized columns, so this mix is harder than the real corpus.
- "dense": every line holds something to normalize (the bundled sample and the LJSpeech and
  LibriTTS dev sets, written side): the worst case.
Lines repeat from a few thousand sources, so each is made unique by swapping one word for a
random English word (what a cache has seen must not make the figure). Every figure is a
whole `ttsnorm run` process, start-up included, of the installed package (`pip install .`
compiles its hot modules, setup.py; an editable install runs the sources): the first line
printed says which.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import time
from itertools import cycle, islice
from pathlib import Path
from typing import Iterator

ROOT = Path(__file__).resolve().parent.parent
EVAL = ROOT.parent / "shared" / "eval"
ENGLISH_WORDS = ROOT / "normalizer" / "data" / "english_words.txt.gz"


def clean(text: str) -> str:
    return " ".join(text.split()).replace("|", "/")


def dev_set(name: str, side: str) -> list[str]:
    path = EVAL / name
    if not path.exists():
        return []
    return [clean(json.loads(line)[side]) for line in path.read_text(encoding="utf-8").splitlines()]


def dense_texts() -> list[str]:
    texts = [clean(line.split("|")[1]) for line in
             (ROOT / "examples" / "llm_intro.txt").read_text(encoding="utf-8").splitlines()]
    texts += dev_set("ljspeech_dev.jsonl", "input") + dev_set("libritts_dev.jsonl", "input")
    return [text for text in texts if 20 <= len(text) <= 300]


def ljspeech_texts() -> list[str]:
    """One line to normalize, then four plain ones, over and over."""
    written, spoken = dev_set("ljspeech_dev.jsonl", "input"), dev_set("ljspeech_dev.jsonl", "ref")
    if not written:   # without the dev sets: the bundled sample, diluted the same way
        written = dense_texts()
        spoken = [text for text in written if not any(char.isdigit() for char in text)] or written
    plain = cycle(spoken[len(spoken) // 2:] + spoken[:len(spoken) // 2])
    return [text for line in written for text in (line, *islice(plain, 4))]


MIXES = {"ljspeech": ljspeech_texts, "dense": dense_texts}
WORD_RE = re.compile(r"(?<![\w$.-])[A-Za-z]{3,}(?![\w.-])")


def unique_lines(texts: list[str], lines: int) -> Iterator[str]:
    """The texts over and over, each time with one word swapped for a random English word,
    so that no line repeats: a cache that saw a line before must not make the figure."""
    words = [word for word in gzip.open(ENGLISH_WORDS, "rt", encoding="utf-8").read().split()
             if word.isalpha() and len(word) > 2]
    rng = random.Random(5)
    for text in islice(cycle(texts), lines):
        spots = list(WORD_RE.finditer(text))
        if spots:
            spot = rng.choice(spots)
            word = rng.choice(words)
            word = word.capitalize() if spot.group()[0].isupper() else word
            text = text[:spot.start()] + word + text[spot.end():]
        yield text


def write_manifest(path: Path, lines: int, mix: str = "ljspeech") -> None:
    with open(path, "w", encoding="utf-8") as handle:
        for number, text in enumerate(unique_lines(MIXES[mix](), lines)):
            handle.write(f"LJ{number:06d}|{text}|\n")


# Runs a command and prints its wall time and the peak resident memory of the largest single
# process it started (Linux: RUSAGE_CHILDREN's ru_maxrss is that of the largest descendant).
MEASURE = ("import resource, subprocess, sys, time\n"
           "start = time.perf_counter()\n"
           "subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL)\n"
           "print(time.perf_counter() - start, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n")


def timed(command: list[str]) -> tuple[float, int]:
    """Wall seconds and peak resident memory (MiB) of one process of `command`, run from the
    temporary folder, so that the installed package is measured (not this checkout's sources,
    which `python -m` would import from the current folder)."""
    done = subprocess.run([sys.executable, "-c", MEASURE, *command], check=True,
                          capture_output=True, text=True, cwd=tempfile.gettempdir())
    seconds, peak_kib = done.stdout.split()
    return float(seconds), int(peak_kib) // 1024


def io_floor(src: Path, dst: Path) -> float:
    """A plain read-split-write loop over the same file: what reading and writing cost."""
    code = ("import sys\n"
            "with open(sys.argv[1], 'rb') as i, open(sys.argv[2], 'wb') as o:\n"
            "    for line in i:\n"
            "        f = line.decode().rstrip('\\n').split('|')\n"
            "        o.write(('|'.join((f[0], f[1], f[1])) + '\\n').encode())\n")
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", code, str(src), str(dst)], check=True)
    return time.perf_counter() - start


def ttsnorm(*args: str) -> list[str]:
    return [sys.executable, "-m", "normalizer", "run", *args, "-q"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lines", type=int, default=50_000)
    parser.add_argument("--jobs", type=int, nargs="+", default=[1, os.cpu_count() or 1])
    parser.add_argument("--mixes", nargs="+", choices=list(MIXES), default=list(MIXES))
    parser.add_argument("--memory-lines", type=int, default=0,
                        help="also run on a manifest this long to show memory does not grow")
    args = parser.parse_args()
    if os.environ.get("PYTHONPATH"):   # (the runs start elsewhere: PYTHONPATH=. still means here)
        os.environ["PYTHONPATH"] = os.pathsep.join(
            os.path.abspath(entry) for entry in os.environ["PYTHONPATH"].split(os.pathsep))
    build = subprocess.run([sys.executable, "-m", "normalizer", "--version"], capture_output=True,
                           text=True, check=True, cwd=tempfile.gettempdir()).stdout.strip()
    print(f"measuring {build}")
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        one = tmp / "one.txt"
        one.write_text("LJ000001|It costs $2 million, said Dr. Smith on Jan 5, 2023.|\n")
        startup = min(timed(ttsnorm(str(one), "-o", str(tmp / "one.out"), "-j", "1"))[0]
                      for _ in range(3))
        print(f"start-up (one-line file, best of 3): {startup:.3f} s")

        for mix in args.mixes:
            src = tmp / f"{mix}.txt"
            write_manifest(src, args.lines, mix)
            size = src.stat().st_size
            print(f"\n{mix} manifest: {args.lines:,} lines, {size / 1e6:.1f} MB, "
                  f"{size / args.lines:.0f} bytes a line")
            floor = io_floor(src, tmp / "floor.txt")
            print(f"I/O floor (read-split-write loop): {floor:.2f} s, {args.lines / floor:,.0f} lines/s")
            outputs = set()
            for jobs in args.jobs:
                out = tmp / f"{mix}-out{jobs}.txt"
                seconds, peak = timed(ttsnorm(str(src), "-o", str(out), "-j", str(jobs)))
                print(f"ttsnorm run --jobs {jobs}: {seconds:.2f} s, {args.lines / seconds:,.0f} lines/s, "
                      f"peak memory of one process {peak} MiB")
                outputs.add(out.read_bytes())
            print(f"outputs identical across --jobs: {len(outputs) == 1}")

        if args.memory_lines:
            big = tmp / "big.txt"
            write_manifest(big, args.memory_lines)
            seconds, peak = timed(ttsnorm(str(big), "-o", str(tmp / "big.out"), "-j", "1"))
            print(f"\n{args.memory_lines:,} lines ({big.stat().st_size / 1e6:.0f} MB): {seconds:.1f} s, "
                  f"peak memory {peak} MiB")


if __name__ == "__main__":
    main()
