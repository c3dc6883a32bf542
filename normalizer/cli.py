"""The `ttsnorm` command line: run, explain, check, preview, report.

    ttsnorm run examples/llm_intro.txt -o out.txt --diff-log diff.jsonl
    ttsnorm explain "It costs $2 million."
    ttsnorm check
    ttsnorm preview -p my/pipeline.yaml train.jsonl
    ttsnorm report diff.jsonl -o review.html

A user's mistake (bad manifest line, broken rule file, missing file) prints one message
naming the file and line, and exits with status 1; nothing is written.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import signal
import sys
from pathlib import Path

from . import build, manifests
from .checks import check_stage, shadows
from .errors import NormalizerError, SystemFault
from .pipeline import Pipeline, StageSpec, build_stage, read_spec
from .rules import load_yaml
from .stages import STAGES

EXIT_OK, EXIT_USER_ERROR, EXIT_CHECK_FAILED, EXIT_SYSTEM_FAULT, EXIT_INTERRUPTED = 0, 1, 3, 4, 130


def _add_pipeline(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--pipeline", "-p", metavar="FILE",
                        help="pipeline file (default: the bundled pipeline)")


class _Version(argparse.Action):
    def __call__(self, parser, namespace, values, option_string=None):
        print(build())   # (argparse's own version action would wrap the line)
        parser.exit()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ttsnorm", description="Text normalization for TTS datasets.")
    parser.add_argument("--version", action=_Version, nargs=0,
                        help="say the version, and whether this build is compiled")
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
    run.add_argument("--report", metavar="FILE", help="write a review page (HTML) of the changed lines")
    run.add_argument("--on-error", choices=("fail", "skip"), default="fail",
                     help="fail: stop at the first bad line, writing nothing (default); "
                          "skip: pass bad lines through unchanged and list them in --rejects")
    run.add_argument("--rejects", metavar="FILE", help="where skipped bad lines go (default OUTPUT.rejects)")
    run.add_argument("--jobs", "-j", type=int, default=os.cpu_count() or 1,
                     help="worker processes (default: all cores)")
    run.add_argument("--quiet", "-q", action="store_true", help="do not print the summary")
    run.add_argument("--resume", action="store_true",
                     help="continue an interrupted run to the same output, with the same options")

    explain = commands.add_parser("explain", help="show the text after each stage")
    explain.add_argument("text", nargs="+", help="text to normalize")
    _add_pipeline(explain)

    check = commands.add_parser("check", help="validate rule files and run their examples")
    check.add_argument("files", nargs="*", help="pipeline or rule files (default: the whole pipeline)")
    _add_pipeline(check)

    preview = commands.add_parser("preview", help="try the pipeline on typed lines or a manifest, "
                                                  "reloading on rule file changes")
    preview.add_argument("manifest", nargs="?", help="manifest to step through (any format)")
    _add_pipeline(preview)
    preview.add_argument("--format", choices=manifests.FORMATS, help="manifest format (default: detected)")
    preview.add_argument("--text-field", help="JSON key or CSV/TSV column holding the text")
    preview.add_argument("--delimiter", help="CSV field delimiter (default ',')")

    suggest = commands.add_parser("suggest", help="propose fixes for speech-recognition errors "
                                                  "found in manifests, as a draft rule file")
    suggest.add_argument("manifests", nargs="+", help="manifests to read (any supported format)")
    suggest.add_argument("--lexicon", metavar="FILE",
                         help="terms that should appear, one per line (the asr_fixes targets count too)")
    suggest.add_argument("-o", "--output", default="-", metavar="FILE",
                         help="draft rule file to write (default: stdout)")
    suggest.add_argument("--top", type=int, default=50, help="at most this many candidates (default 50)")
    suggest.add_argument("--format", choices=manifests.FORMATS, help="manifest format (default: detected)")
    suggest.add_argument("--text-field", help="JSON key or CSV/TSV column holding the text")
    suggest.add_argument("--delimiter", help="CSV field delimiter (default ',')")
    _add_pipeline(suggest)

    report = commands.add_parser("report", help="write a review page (HTML) for a diff log")
    report.add_argument("diff_log", help="diff log written by 'ttsnorm run --diff-log' (.gz is read too)")
    report.add_argument("-o", "--output", metavar="FILE", help="HTML file to write (default: the diff "
                                                               "log's name with .html)")
    report.add_argument("--summary", metavar="FILE",
                        help="the run's --summary file (default: counts recomputed from the log)")
    return parser


def command_run(args: argparse.Namespace) -> int:
    from .report import read_diff_log, run_log, write_report
    from .runner import RunOptions, check_paths, run
    pipeline = Pipeline(read_spec(args.pipeline))
    options = RunOptions(
        input=args.input, output=args.output, fmt=args.format,
        manifest=manifests.Options(text_field=args.text_field, output_field=args.output_field,
                                   delimiter=args.delimiter),
        diff_log=args.diff_log, summary=args.summary, on_error=args.on_error,
        rejects=args.rejects, report=args.report, jobs=max(1, args.jobs),
        progress=sys.stderr.isatty() and not args.quiet, resume=args.resume,
    )
    check_paths(options)   # before a temporary diff log is made for --report
    with run_log(args.report, args.diff_log) as diff_log:
        summary = run(pipeline, dataclasses.replace(options, diff_log=diff_log))
        if args.report:
            write_report(read_diff_log(diff_log), args.report, summary.as_dict(), source=args.input,
                         inputs=[args.input])
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


def command_preview(args: argparse.Namespace) -> int:
    from .preview import main as preview
    options = manifests.Options(text_field=args.text_field, delimiter=args.delimiter)
    return preview(args.pipeline, args.manifest, args.format, options)


def command_suggest(args: argparse.Namespace) -> int:
    from .suggest import draft_rules, load_lexicon, stage_targets, suggest, transcripts
    spec = read_spec(args.pipeline)
    stage = next((build_stage(s, spec.style) for s in spec.stages
                  if s.name == "asr_fixes" and s.enabled), None)
    lexicon = (load_lexicon(args.lexicon) if args.lexicon else []) + (stage_targets(stage) if stage else [])
    options = manifests.Options(text_field=args.text_field, delimiter=args.delimiter)
    candidates = suggest(transcripts(args.manifests, args.format, options), lexicon, stage=stage)
    draft = draft_rules(candidates, stage, top=args.top)
    with manifests.open_output(args.output) as handle:
        handle.write(draft.encode("utf-8"))
    if args.output != "-":
        print(f"wrote {args.output}: {min(len(candidates), args.top)} candidates", file=sys.stderr)
    return EXIT_OK


def command_report(args: argparse.Namespace) -> int:
    from .report import read_diff_log, read_summary, write_report
    summary = read_summary(args.summary) if args.summary else None
    output = args.output or str(Path(args.diff_log.removesuffix(".gz")).with_suffix(".html"))
    shown = write_report(read_diff_log(args.diff_log), output, summary, source=args.diff_log,
                         inputs=[args.diff_log])
    print(f"wrote {output}: {shown} lines to review", file=sys.stderr)
    return EXIT_OK


COMMANDS = {"run": command_run, "explain": command_explain, "check": command_check,
            "preview": command_preview, "report": command_report, "suggest": command_suggest}


def _terminate(signum, frame):
    raise KeyboardInterrupt   # SIGTERM (a job scheduler, `kill`) ends a run as Ctrl-C does


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        previous = signal.signal(signal.SIGTERM, _terminate)
    except ValueError:   # not the main thread: signals are not ours to handle
        previous = None
    try:
        return COMMANDS[args.command](args)
    except SystemFault as error:
        print(f"ttsnorm: error: {error}", file=sys.stderr)
        return EXIT_SYSTEM_FAULT
    except NormalizerError as error:
        print(f"ttsnorm: error: {error}", file=sys.stderr)
        return EXIT_USER_ERROR
    except KeyboardInterrupt:
        message = "ttsnorm: interrupted; no output file was written"
        if args.command == "run" and "-" not in (args.input, args.output):
            message += "; the same command with --resume continues where it stopped"
        print(message, file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # `ttsnorm run ... | head`: the reader went away; that is not an error.
        sys.stderr.close()
        return EXIT_OK
    except OSError as error:   # the system failed a write (disk full, I/O error): no traceback
        print(f"ttsnorm: error: {error}", file=sys.stderr)
        return EXIT_SYSTEM_FAULT
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


if __name__ == "__main__":
    sys.exit(main())
