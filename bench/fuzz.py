"""Long fuzzing run: the properties of tests/test_properties.py on many more inputs.

    python bench/fuzz.py --minutes 5                 # atheris if installed, else seeded random
    python bench/fuzz.py --minutes 5 --engine random --pipeline my/pipeline.yaml

Each input is a line of text built from the fuzzer's bytes: dev-set sentences, tokens that
make rules fire (numbers, currencies, dates, units, abbreviations...) and arbitrary Unicode
(control characters, combining marks, right-to-left text, emoji, lone surrogates). Every
line is checked for:

- error: a stage raised (the pipeline passed the line through, flagged "error");
- replay: replaying the recorded edits on the input does not give the output;
- idempotence: normalizing the output again changes it;
- slow: a short line (under 2,000 characters) took over 0.25 s, or hit the line time budget;
- manifest: as an LJSpeech, Kaldi, NeMo, TSV or CSV line, the manifest reader crashed, or
  the written line does not read back with the same text and the same number of records.

Failures do not stop the run: each kind is counted, and the first inputs of each distinct
failure (kind, stage, rule) are written to `--out` (JSON lines) and summarized at the end.
"""

from __future__ import annotations

import argparse
import importlib.util
import io
import json
import os
import random
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EVAL = ROOT.parent / "shared" / "eval"
sys.path.insert(0, str(ROOT))

TOKENS = [
    "$2", "$2 million", "3.5", "1,000", "10%", "GPT-4", "70B", "H100", "Dr.", "St.", "e.g.",
    "5 kg", "3/4", "1/2", "½", "2020", "1990s", "1st", "21st", "Jan. 5", "5:30 pm", "No. 7",
    "IV", "WWII", "&", "@", "#", "+1", "-5", "1e10", "0x1F", "€5", "£3.50", "¥100", "5°C",
    "https://x.com/a?b=1", "a@b.co", "ChachiPT", "NASA", "U.S.", "vs.", "etc.", "1-800-555-0199",
    "v2.3.1", "10:00", "2024-01-05", "05/01/2024", "100,000,000", "٣", "१२", "\u200b", "\u202e",
    "\ufeff", "\x00", "\r", "\t", "\u0301", "\U0001f600", "שלום", "مرحبا", "(", ")", "[", "]",
    "\"", "'", "—", "–", "-", ".", ",", "!", "?", ":", ";", "/", "\\", " ", " ", " ", "km/h",
    "mph", "°F", "1/3", "Q3", "FY2024", "p.m.", "a.m.", "Mr.", "Ltd.", "kg", "ms", "GB", "TB",
    "x", "×", "²", "³", "~", "±", "≈", "→", "%", "‰", "'90s", "'s", "s", "th", "rd", "nd",
]
SLOW_SECONDS, SHORT = 0.25, 2000
FORMATS = ("ljspeech", "kaldi", "nemo", "tsv", "csv")


def dev_sentences() -> list[str]:
    sentences = []
    for path in sorted(EVAL.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            with_input = json.loads(line)
            if isinstance(with_input.get("input"), str):
                sentences.append(with_input["input"])
    return sentences or ["The meeting is at 5 pm on Jan. 5, 2024 in room 101."]


class Checker:
    """Runs the checks on one line and keeps the failures."""

    def __init__(self, pipe, out: Path):
        self.pipe = pipe
        self.out = out
        self.tried = 0
        self.kinds: Counter = Counter()
        self.distinct: dict[tuple, dict] = {}
        self.started = time.monotonic()

    def fail(self, kind: str, key: str, text: str, detail: str) -> None:
        self.kinds[kind] += 1
        entry = self.distinct.setdefault((kind, key), {"kind": kind, "key": key, "count": 0,
                                                        "input": text, "detail": detail})
        entry["count"] += 1
        if len(text) < len(entry["input"]):    # keep the shortest input of each failure
            entry["input"], entry["detail"] = text, detail

    def check_text(self, text: str) -> None:
        from normalizer import replay
        self.tried += 1
        started = time.perf_counter()
        try:
            result = self.pipe.normalize(text)
        except Exception as error:     # normalize must never raise
            self.fail("exception", type(error).__name__, text, repr(error))
            return
        seconds = time.perf_counter() - started
        for flag in result.flags:
            if flag.rule == "error":
                self.fail("error", flag.stage, text, flag.reason)
            elif flag.rule == "timeout" and len(text) < SHORT:
                self.fail("slow", flag.stage, text, flag.reason)
        if seconds > SLOW_SECONDS and len(text) < SHORT:
            started = time.perf_counter()    # again: the first time may compile a scanner
            self.pipe.normalize(text)
            seconds = time.perf_counter() - started
            if seconds > SLOW_SECONDS:
                self.fail("slow", "line", text, f"{seconds:.2f} s for {len(text)} characters")
        try:
            replayed = replay(text, result.edits)
        except ValueError as error:
            replayed = f"<{error}>"
        if replayed != result.text:
            self.fail("replay", "/".join(sorted({f"{e.stage}" for e in result.edits})), text,
                      f"replay gave {replayed!r}, output {result.text!r}")
        if not any(flag.rule == "timeout" for flag in result.flags):
            again = self.pipe.normalize(result.text)
            if again.text != result.text:
                rules = ",".join(sorted({f"{e.stage}/{e.rule}" for e in again.edits}))
                self.fail("idempotence", rules, text,
                          f"once {result.text!r}, twice {again.text!r}")

    def check_manifest(self, text: str, fmt: str) -> None:
        from normalizer import manifests
        from normalizer.errors import ManifestError
        line = {"ljspeech": lambda: f"id1|{text.replace('|', '/')}|",
                "kaldi": lambda: f"utt1 {text}",
                "nemo": lambda: json.dumps({"audio_filepath": "a.wav", "text": text}),
                "tsv": lambda: "path\ttext\na.wav\t" + text.replace("\t", " "),
                "csv": lambda: 'path,text\na.wav,"' + text.replace('"', '""') + '"'}[fmt]()
        raw = line.replace("\n", " ") if fmt in ("ljspeech", "kaldi", "tsv") else line
        data = raw.encode("utf-8", "surrogatepass") + b"\n"
        try:
            items = list(manifests.parse(_lines(data), fmt))
            output = b"".join(item.render(self.pipe.normalize(item.text).text)
                              if isinstance(item, manifests.Record) else item.raw for item in items)
            again = list(manifests.parse(_lines(output), fmt))
        except ManifestError:
            return
        except Exception as error:
            self.fail("manifest", f"{fmt}:{type(error).__name__}", text, repr(error))
            return
        kinds = [type(item).__name__ for item in items]
        if kinds != [type(item).__name__ for item in again]:
            self.fail("manifest", f"{fmt}:records", text, f"{kinds} read back as {again}")
        elif fmt != "kaldi":
            for before, after in zip(items, again):
                if isinstance(before, manifests.Record) and before.text != after.text:
                    self.fail("manifest", f"{fmt}:text", text, f"{before.text!r} read back as {after.text!r}")

    def report(self, final: bool = False) -> None:
        seconds = time.monotonic() - self.started
        with open(self.out, "w", encoding="utf-8") as handle:
            for entry in sorted(self.distinct.values(), key=lambda e: (e["kind"], e["key"])):
                handle.write(json.dumps(entry, ensure_ascii=True) + "\n")
        if final:
            print(f"{self.tried:,} inputs in {seconds:.0f} s; failures: "
                  f"{dict(self.kinds) or 'none'}; {len(self.distinct)} distinct, in {self.out}")
            for entry in sorted(self.distinct.values(), key=lambda e: (e["kind"], e["key"])):
                print(f"  {entry['kind']:11} {entry['key'][:50]:50} x{entry['count']:<5} "
                      f"{entry['input'][:70]!r}")


def _lines(data: bytes) -> list[bytes]:
    """Lines as a file gives them: split after each "\n" only (not "\r", as splitlines does)."""
    return io.BytesIO(data).readlines()


def build_text(choose, sentences: list[str]) -> str:
    """A line from choices: `choose(n)` returns an int below n; `chars(n)` arbitrary text."""
    pieces = []
    if choose(3) == 0:
        pieces.append(sentences[choose(len(sentences))])
    for _ in range(choose(16)):
        kind = choose(4)
        if kind <= 1:
            pieces.append(TOKENS[choose(len(TOKENS))])
        elif kind == 2:
            pieces.append(chr(choose(0x110000)))
        else:
            pieces.append(" ")
    if pieces and choose(2) and len(pieces[0]) > 10:   # splice tokens into the sentence
        sentence = pieces.pop(0)
        cut = choose(len(sentence))
        pieces = [sentence[:cut]] + pieces + [sentence[cut:]]
    return "".join(pieces)


def run_atheris(checker: Checker, sentences: list[str], deadline: float) -> None:
    import atheris

    def one_input(data: bytes) -> None:
        if time.monotonic() > deadline:
            checker.report(final=True)
            os._exit(0)
        provider = atheris.FuzzedDataProvider(data)

        def choose(n: int) -> int:
            return provider.ConsumeIntInRange(0, n - 1) if n > 1 else 0
        text = build_text(choose, sentences) + provider.ConsumeUnicode(8)
        checker.check_text(text)
        checker.check_manifest(text, FORMATS[checker.tried % len(FORMATS)])
        if checker.tried % 2000 == 0:
            checker.report()

    atheris.Setup([sys.argv[0], "-rss_limit_mb=4096", "-max_len=512"], one_input)
    atheris.Fuzz()


def run_random(checker: Checker, sentences: list[str], deadline: float, seed: int) -> None:
    generator = random.Random(seed)
    while time.monotonic() < deadline:
        text = build_text(lambda n: generator.randrange(n) if n > 1 else 0, sentences)
        checker.check_text(text)
        checker.check_manifest(text, FORMATS[checker.tried % len(FORMATS)])
        if checker.tried % 2000 == 0:
            checker.report()
    checker.report(final=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=5.0)
    parser.add_argument("--engine", choices=("auto", "atheris", "random"), default="auto",
                        help="atheris (coverage-guided) if installed, else seeded random")
    parser.add_argument("--pipeline", "-p", help="pipeline file (default: the bundled one)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default="fuzz_failures.jsonl", help="failures, one JSON line each")
    args = parser.parse_args()
    engine = args.engine
    if engine == "auto":
        engine = "atheris" if importlib.util.find_spec("atheris") else "random"
    if engine == "atheris":
        import atheris
        with atheris.instrument_imports(include=["normalizer"]):   # coverage guides the fuzzer
            import normalizer
    else:
        import normalizer
    checker = Checker(normalizer.load(args.pipeline), Path(args.out))
    deadline = time.monotonic() + args.minutes * 60
    print(f"fuzzing with {engine} for {args.minutes:g} min", file=sys.stderr)
    if engine == "atheris":
        run_atheris(checker, dev_sentences(), deadline)
    else:
        run_random(checker, dev_sentences(), deadline, args.seed)


if __name__ == "__main__":
    main()
