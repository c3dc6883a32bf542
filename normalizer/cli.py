"""The `ttsnorm` command line: run, explain, check.

    ttsnorm run examples/llm_intro.txt -o out.txt --diff-log diff.jsonl
    ttsnorm explain "It costs $2 million."
    ttsnorm check

A user's mistake (bad manifest line, broken rule file, missing file) prints one message
naming the file and line, and exits with status 1; nothing is written.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from . import manifests
from .checks import check_stage, shadows
from .errors import NormalizerError
from .pipeline import Pipeline, StageSpec, build_stage, read_spec
from .rules import load_yaml
from .stages import STAGES

EXIT_OK, EXIT_USER_ERROR, EXIT_CHECK_FAILED, EXIT_INTERRUPTED = 0, 1, 3, 130


def _add_pipeline(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--pipeline", "-p", metavar="FILE",
                        help="pipeline file (default: the bundled pipeline)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ttsnorm", description="Text normalization for TTS datasets.")
    commands = parser.add_subparsers(dest="command", required=True)

    run = commands.add_parser("run", help="normalize a manifest")
    run.add_argument("input", help="manifest to read ('-' for stdin; .gz is read transparently)")
    run.add_argument("-o", "--output", default="-", help="manifest to write ('-' for stdout)")
    _add_pipeline(run)
    run.add_argument("--format", choices=manifests.FORMATS, help="input format (default: detected)")
    run.add_argument("--text-field", help="JSON key or CSV/TSV column holding the text")
    run.add_argument("--output-field", help="JSON key or CSV/TSV column for the normalized text")
    run.add_argument("--delimiter", help="CSV field delimiter (default ',')")
    run.add_argument("--diff-log", metavar="FILE", help="write a JSON line per changed or flagged record")
    run.add_argument("--summary", metavar="FILE", help="write the run summary as JSON")
    run.add_argument("--on-error", choices=("fail", "skip"), default="fail",
                     help="fail: stop at the first bad line, writing nothing (default); "
                          "skip: pass bad lines through unchanged and list them in --rejects")
    run.add_argument("--rejects", metavar="FILE", help="where skipped bad lines go (default OUTPUT.rejects)")
    run.add_argument("--jobs", "-j", type=int, default=os.cpu_count() or 1,
                     help="worker processes (default: all cores)")
    run.add_argument("--quiet", "-q", action="store_true", help="do not print the summary")

    explain = commands.add_parser("explain", help="show the text after each stage")
    explain.add_argument("text", nargs="+", help="text to normalize")
    _add_pipeline(explain)

    check = commands.add_parser("check", help="validate rule files and run their examples")
    check.add_argument("files", nargs="*", help="pipeline or rule files (default: the whole pipeline)")
    _add_pipeline(check)
    return parser


def command_run(args: argparse.Namespace) -> int:
    from .runner import RunOptions, run
    pipeline = Pipeline(read_spec(args.pipeline))
    options = RunOptions(
        input=args.input, output=args.output, fmt=args.format,
        manifest=manifests.Options(text_field=args.text_field, output_field=args.output_field,
                                   delimiter=args.delimiter),
        diff_log=args.diff_log, summary=args.summary, on_error=args.on_error,
        rejects=args.rejects, jobs=max(1, args.jobs),
        progress=sys.stderr.isatty() and not args.quiet,
    )
    summary = run(pipeline, options)
    if not args.quiet:
        print(summary.render(), file=sys.stderr)
    return EXIT_OK


def command_explain(args: argparse.Namespace) -> int:
    pipeline = Pipeline(read_spec(args.pipeline))
    text = " ".join(args.text)
    trace: list = []
    result = pipeline.normalize(text, trace=trace)
    print(f"{'input':>12}  {text}")
    previous = text
    for stage, after, rules in trace:
        if after != previous or rules:
            fired = f"   [{', '.join(dict.fromkeys(rules))}]" if rules else ""
            print(f"{stage:>12}  {after}{fired}")
        previous = after
    for flag in result.flags:
        print(f"{'flag':>12}  {flag.text!r} at {list(flag.src)}: {flag.reason} ({flag.stage}/{flag.rule})")
    return EXIT_OK


def _is_pipeline_file(path: str) -> bool:
    data = load_yaml(path)
    return isinstance(data, dict) and ("stages" in data or "extends" in data)


def _stages_to_check(args: argparse.Namespace) -> list:
    """The stages whose rules `check` runs: all of a pipeline, or those reading the given files."""
    if not args.files:
        return Pipeline(read_spec(args.pipeline)).stages
    stages = []
    base = read_spec(args.pipeline)
    for name in args.files:
        if _is_pipeline_file(name):
            stages += Pipeline(read_spec(name)).stages
            continue
        path = str(Path(name).resolve())
        owners = [spec for spec in base.stages if path in spec.rules]
        if owners:
            stages += [build_stage(spec, base.style) for spec in owners]
        else:
            kind = Path(name).stem if Path(name).stem in STAGES else "rules"
            stages.append(build_stage(StageSpec(Path(name).stem, kind, (path,)), base.style))
    return stages


def command_check(args: argparse.Namespace) -> int:
    stages = _stages_to_check(args)
    failures = []
    total = 0
    shadowed = []
    for stage in stages:
        total += sum(len(rule.examples) + len(rule.keep) for rule in stage.rules)
        failures += check_stage(stage)
        shadowed += shadows(stage)
    for failure in failures:
        print(f"FAIL {failure}")
    for shadow in shadowed:
        print(f"SHADOW {shadow}")
    rules = sum(len(stage.rules) for stage in stages)
    print(f"{len(stages)} stages, {rules} rules, {total} cases: "
          f"{total - len(failures)} passed, {len(failures)} failed, {len(shadowed)} shadowed")
    return EXIT_CHECK_FAILED if failures else EXIT_OK


COMMANDS = {"run": command_run, "explain": command_explain, "check": command_check}


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except NormalizerError as error:
        print(f"ttsnorm: error: {error}", file=sys.stderr)
        return EXIT_USER_ERROR
    except KeyboardInterrupt:
        print("ttsnorm: interrupted; no output file was written", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # `ttsnorm run ... | head`: the reader went away; that is not an error.
        sys.stderr.close()
        return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
