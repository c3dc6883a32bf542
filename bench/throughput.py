"""Throughput, start-up time and peak memory of `ttsnorm run`, beside the I/O floor.

    python bench/throughput.py                  # 50,000 lines, jobs 1 and all cores
    python bench/throughput.py --lines 200000 --jobs 1 2

The manifest is LJSpeech-like (`id|text|`, about 100 characters a line): lines of the bundled
sample transcript and of the LJSpeech and LibriTTS dev sets (written side only), cycled. The
dev-set lines all hold something to normalize, so the mix is harder than real LJSpeech, where
most lines are plain text. Every figure is a whole `ttsnorm run` process, start-up included.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from itertools import cycle, islice
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EVAL = ROOT.parent / "shared" / "eval"


def source_texts() -> list[str]:
    texts = [line.split("|")[1] for line in
             (ROOT / "examples" / "llm_intro.txt").read_text(encoding="utf-8").splitlines()]
    for name in ("ljspeech_dev.jsonl", "libritts_dev.jsonl"):
        path = EVAL / name
        if path.exists():
            texts += [json.loads(line)["input"] for line in path.read_text(encoding="utf-8").splitlines()]
    return [" ".join(text.split()).replace("|", "/") for text in texts if 20 <= len(text) <= 300]


def write_manifest(path: Path, lines: int) -> None:
    with open(path, "w", encoding="utf-8") as handle:
        for number, text in enumerate(islice(cycle(source_texts()), lines)):
            handle.write(f"LJ{number:06d}|{text}|\n")


# Runs a command and prints its wall time and the peak resident memory of the largest single
# process it started (Linux: RUSAGE_CHILDREN's ru_maxrss is that of the largest descendant).
MEASURE = ("import resource, subprocess, sys, time\n"
           "start = time.perf_counter()\n"
           "subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL)\n"
           "print(time.perf_counter() - start, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n")


def timed(command: list[str]) -> tuple[float, int]:
    """Wall seconds and peak resident memory (MiB) of one process of `command`."""
    done = subprocess.run([sys.executable, "-c", MEASURE, *command], check=True,
                          capture_output=True, text=True)
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
    parser.add_argument("--memory-lines", type=int, default=0,
                        help="also run on a manifest this long to show memory does not grow")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        src = tmp / "bench.txt"
        write_manifest(src, args.lines)
        size = src.stat().st_size
        print(f"manifest: {args.lines:,} lines, {size / 1e6:.1f} MB, "
              f"{size / args.lines:.0f} bytes a line")

        floor = io_floor(src, tmp / "floor.txt")
        print(f"I/O floor (read-split-write loop): {floor:.2f} s, {args.lines / floor:,.0f} lines/s")

        one = tmp / "one.txt"
        one.write_text("LJ000001|It costs $2 million, said Dr. Smith on Jan 5, 2023.|\n")
        startup = min(timed(ttsnorm(str(one), "-o", str(tmp / "one.out"), "-j", "1"))[0]
                      for _ in range(3))
        print(f"start-up (one-line file, best of 3): {startup:.3f} s")

        for jobs in args.jobs:
            seconds, peak = timed(ttsnorm(str(src), "-o", str(tmp / f"out{jobs}.txt"), "-j", str(jobs)))
            print(f"ttsnorm run --jobs {jobs}: {seconds:.2f} s, {args.lines / seconds:,.0f} lines/s, "
                  f"peak memory of one process {peak} MiB")
        outputs = {(tmp / f"out{jobs}.txt").read_bytes() for jobs in args.jobs}
        print(f"outputs identical across --jobs: {len(outputs) == 1}")

        if args.memory_lines:
            big = tmp / "big.txt"
            write_manifest(big, args.memory_lines)
            seconds, peak = timed(ttsnorm(str(big), "-o", str(tmp / "big.out"), "-j", "1"))
            print(f"{args.memory_lines:,} lines ({big.stat().st_size / 1e6:.0f} MB): {seconds:.1f} s, "
                  f"peak memory {peak} MiB")


if __name__ == "__main__":
    main()
