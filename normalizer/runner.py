"""Batch runs: a manifest in, the same manifest normalized out, plus diff log and summary.

Streaming end to end: records are read, normalized and written in chunks, so memory does
not grow with the input. With `jobs > 1` chunks go to worker processes (each builds the
pipeline once from its spec) and come back in input order, so the output is byte-identical
to a one-process run.
"""

from __future__ import annotations

import ctypes
import json
import multiprocessing
import os
import signal
import sys
import time
from collections import deque
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import ExitStack, suppress
from dataclasses import dataclass, field, replace
from itertools import chain, islice
from typing import Iterable, Iterator

from . import manifests
from .difflog import Summary, encode, log_line
from .edits import Flagged
from .errors import ManifestError, NormalizerError, SystemFault
from .pipeline import Pipeline, PipelineSpec, Result
from .resume import (CHECKPOINT_ITEMS, CHECKPOINT_SECONDS, Checkpointed, input_identity,
                     pipeline_fingerprint, restore_summary)

CHUNK = 256          # records per task sent to a worker
IN_FLIGHT = 4        # chunks queued per worker: bounds memory, keeps workers busy
PR_SET_PDEATHSIG = 1  # Linux prctl(2)


@dataclass(frozen=True)
class RunOptions:
    input: str
    output: str
    fmt: str | None = None
    manifest: manifests.Options = field(default_factory=manifests.Options)
    diff_log: str | None = None
    summary: str | None = None
    on_error: str = "fail"            # or "skip"
    rejects: str | None = None
    report: str | None = None         # written after the run (cli); checked with the others
    jobs: int = 1
    progress: bool = False
    resume: bool = False              # continue the interrupted run to the same output
    checkpoint_every: int = CHECKPOINT_ITEMS    # items; a multiple of CHUNK
    checkpoint_seconds: float = CHECKPOINT_SECONDS


_worker_pipeline: Pipeline | None = None


def _init_worker(spec: PipelineSpec) -> None:
    global _worker_pipeline
    # Ctrl-C reaches the whole process group: the main process alone handles it, and it
    # stops the workers with SIGTERM, which must simply end them.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if sys.platform == "linux":   # a killed main process takes its workers along
        with suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
        parent = multiprocessing.parent_process()
        if parent is not None and os.getppid() != parent.pid:   # it died before the prctl
            os._exit(1)
    _worker_pipeline = Pipeline(spec)


def _normalize_chunk(texts: list[str]) -> list[Result]:
    return _worker_pipeline.normalize_batch(texts)


def _chunks(items: Iterable, size: int) -> Iterator[list]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


def _texts(chunk: list) -> list[str]:
    return [item.text for item in chunk if isinstance(item, manifests.Record)]


def _normalized_chunks(pipeline: Pipeline, chunks: Iterator[list], jobs: int
                       ) -> Iterator[tuple[list, list[Result]]]:
    """Yield (chunk, results of its records) in input order, in this process or in workers."""
    first = next(chunks, None)
    if first is None:
        return
    second = next(chunks, None)
    chunks = chain([first], [second] if second is not None else [], chunks)
    if jobs <= 1 or second is None:    # one chunk: not worth starting workers
        for chunk in chunks:
            yield chunk, pipeline.normalize_batch(_texts(chunk))
        return
    context = multiprocessing.get_context("fork" if sys.platform == "linux" else "spawn")
    # An executor, not a Pool: a worker that dies (the out-of-memory killer) breaks it with an
    # error, where a Pool would wait for the lost chunk forever.
    pool = ProcessPoolExecutor(jobs, mp_context=context, initializer=_init_worker,
                               initargs=(pipeline.spec,))
    try:
        pending: deque = deque()
        for chunk in chunks:
            pending.append((chunk, pool.submit(_normalize_chunk, _texts(chunk))))
            if len(pending) >= jobs * IN_FLIGHT:
                chunk, future = pending.popleft()
                yield chunk, future.result()
        while pending:
            chunk, future = pending.popleft()
            yield chunk, future.result()
    except BaseException as error:   # interrupted, failed: do not wait for chunks in progress
        _stop(pool)
        if isinstance(error, BrokenProcessPool):
            raise SystemFault("a worker process died (killed by the system, out of memory?); "
                              "try fewer --jobs") from None
        raise
    pool.shutdown()


def _stop(pool: ProcessPoolExecutor) -> None:
    """Stop the workers where they are, and the pool. A worker stopped in the middle of
    sending a result leaves part of it in the results pipe, and the pool's own thread would
    wait for the rest for ever (and `shutdown`, and the interpreter's exit, for that thread):
    once the workers are gone, the pipe's last writing end is closed, so that it reads the end
    of the pipe instead and gives up."""
    workers = list((getattr(pool, "_processes", None) or {}).values())
    for worker in workers:
        worker.terminate()
    for worker in workers:
        worker.join(5)
    writer = getattr(getattr(pool, "_result_queue", None), "_writer", None)
    if writer is not None:
        writer.close()
    pool.shutdown(cancel_futures=True)


class Progress:
    """A one-line progress display on a terminal, refreshed at most twice a second."""

    def __init__(self, enabled: bool):
        self.enabled = enabled
        self.started = self.shown = time.perf_counter()

    def update(self, lines: int) -> None:
        now = time.perf_counter()
        if self.enabled and now - self.shown > 0.5:
            self.shown = now
            rate = lines / (now - self.started)
            sys.stderr.write(f"\r{lines:,} lines  {rate:,.0f} lines/s")
            sys.stderr.flush()

    def close(self) -> None:
        if self.enabled and self.shown != self.started:
            sys.stderr.write("\r\033[K")


def check_paths(options: RunOptions) -> None:
    """Refuse, before any work, outputs that would overwrite the input or each other, or
    that cannot be written where they are named."""
    outputs = [path for path in (options.output, options.diff_log, options.summary,
                                 options.rejects, options.report) if path and path != "-"]
    for path in outputs:
        if options.input != "-" and manifests.same_file(options.input, path):
            raise NormalizerError(f"output {path} is the input file; choose another name "
                                  f"(the input is never modified)")
        if os.path.isdir(path):
            raise NormalizerError(f"output {path} is a folder; name a file")
        folder = os.path.dirname(os.path.abspath(path))
        if not os.path.isdir(folder):
            raise NormalizerError(f"output {path}: the folder {folder} does not exist; create it "
                                  f"or name another")
    for i, path in enumerate(outputs):
        if any(manifests.same_file(path, other) for other in outputs[i + 1:]):
            raise NormalizerError(f"{path} is named for two outputs; give each its own file")


class _Streams:
    """The outputs of a run that cannot be resumed (stdin or stdout): each is replaced at the end."""

    complete, items, summary, resumed = False, 0, None, False

    def __init__(self, outputs: dict[str, str | None]):
        self.paths = outputs
        self.stack = ExitStack()
        self.files: dict = {}

    def writer(self, role: str):
        if role not in self.files and self.paths.get(role):
            path = self.paths[role]
            self.files[role] = _Named(self.stack.enter_context(manifests.open_output(path)), path)
        return self.files.get(role)

    def advance(self, items: int, summary: Summary) -> None:
        pass

    def finish(self, summary: Summary) -> None:
        pass

    def commit(self) -> None:
        self.stack.close()

    def __enter__(self) -> "_Streams":
        self.stack.__enter__()
        self.writer("output")
        self.writer("diff_log")
        return self

    def __exit__(self, *exc) -> bool:
        return self.stack.__exit__(*exc)


class _Named:
    """A file whose write errors (a full disk) name it."""

    __slots__ = ("file", "path")

    def __init__(self, file, path: str):
        self.file, self.path = file, path

    def write(self, data: bytes) -> None:
        try:
            self.file.write(data)
        except BrokenPipeError:
            raise
        except OSError as error:
            raise SystemFault(f"cannot write: {error.strerror}", path=self.path) from None


def _identity(pipeline: Pipeline, options: RunOptions, rejects: str | None) -> dict:
    """What a resumed run must share with the interrupted one."""
    settings = {"format": options.fmt, "text_field": options.manifest.text_field,
                "output_field": options.manifest.output_field,
                "delimiter": options.manifest.delimiter, "on_error": options.on_error,
                "output": options.output, "diff_log": options.diff_log, "rejects": rejects}
    return {"input": input_identity(options.input), "pipeline": pipeline_fingerprint(pipeline),
            "options": settings}


def _write_record(item: manifests.Record, result: Result) -> tuple[bytes, Result]:
    """The output bytes of a record; a text the format cannot hold (a rule wrote a line break
    or a separator) is passed through unchanged and flagged, as a line the pipeline cannot finish."""
    try:
        return item.render(result.text), result
    except ManifestError as error:
        reason = f"{error.message}; passed through unchanged"
        flag = Flagged("output", "unwritable", (0, len(item.text)), item.text, reason)
        return item.render(item.text), Result(item.text, (), (flag,))


def run(pipeline: Pipeline, options: RunOptions) -> Summary:
    """Normalize one manifest. Raises NormalizerError for user mistakes; writes nothing then.

    Unless the input or an output is "-", the outputs are written as partial files with
    checkpoints (see `normalizer.resume`); `options.resume` continues an interrupted run.
    """
    if options.on_error not in ("fail", "skip"):
        raise NormalizerError(f"--on-error must be 'fail' or 'skip', not {options.on_error!r}")
    rejects_path = options.rejects
    if options.on_error == "skip" and rejects_path is None and options.output != "-":
        rejects_path = options.output + ".rejects"
    check_paths(replace(options, rejects=rejects_path))
    if options.checkpoint_every % CHUNK:
        raise ValueError(f"checkpoint_every must be a multiple of {CHUNK}")
    outputs = {"output": options.output, "diff_log": options.diff_log, "rejects": rejects_path}
    # A run can be resumed when its input is a regular file (not stdin or a pipe) and its
    # outputs are files.
    if options.input == "-" or "-" in outputs.values() or not os.path.isfile(options.input):
        if options.resume:
            if options.input != "-" and not os.path.exists(options.input):
                raise ManifestError("cannot read the file: no such file", path=options.input)
            raise NormalizerError("--resume needs an input file and output files, not '-' or a pipe")
        sink = _Streams(outputs)
    else:
        sink = Checkpointed(outputs, _identity(pipeline, options, rejects_path), options.resume,
                            options.checkpoint_every, options.checkpoint_seconds)
        if options.resume and not sink.resumed:
            print(f"ttsnorm: no interrupted run to resume for {options.output}; "
                  f"starting from the beginning", file=sys.stderr)
    summary = Summary()
    if sink.summary:
        restore_summary(summary, sink.summary)
    progress = Progress(options.progress)
    with sink:
        if not sink.complete:
            out, log = sink.writer("output"), sink.writer("diff_log")
            items = islice(manifests.read(options.input, options.fmt, options.manifest), sink.items, None)
            done = sink.items
            for chunk, results in _normalized_chunks(pipeline, _chunks(items, CHUNK), options.jobs):
                results_iter = iter(results)
                for item in chunk:
                    summary.lines += 1
                    if isinstance(item, manifests.Record):
                        data, result = _write_record(item, next(results_iter))
                        summary.add(result)
                        out.write(data)
                        if log is not None and (result.edits or result.flags):
                            log.write(encode(log_line(result, item.text, item.id, item.line)))
                    elif isinstance(item, manifests.Rejected):
                        if options.on_error == "fail":
                            raise ManifestError(f"{item.reason} (use --on-error skip to pass such "
                                                f"lines through unchanged)",
                                                path=options.input, line=item.line)
                        summary.rejected += 1
                        out.write(item.raw)
                        if rejects_path:
                            sink.writer("rejects").write(item.raw)
                    else:
                        out.write(item.raw)
                done += len(chunk)
                sink.advance(done, summary)
                progress.update(summary.lines)
            progress.close()
        summary.finish()
        sink.finish(summary)
        if options.summary:
            with manifests.open_output(options.summary) as handle:
                handle.write((json.dumps(summary.as_dict(), indent=2) + "\n").encode())
        sink.commit()
    return summary
