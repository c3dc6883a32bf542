"""Batch runs: a manifest in, the same manifest normalized out, plus diff log and summary.

Streaming end to end: records are read, normalized and written in chunks, so memory does
not grow with the input. With `jobs > 1` chunks go to worker processes (each builds the
pipeline once from its spec) and come back in input order, so the output is byte-identical
to a one-process run.
"""

from __future__ import annotations

import json
import multiprocessing
import sys
import time
from collections import deque
from contextlib import ExitStack
from dataclasses import dataclass, field
from itertools import islice
from typing import Iterable, Iterator

from . import manifests
from .difflog import Summary, encode, log_line
from .errors import ManifestError, NormalizerError
from .pipeline import Pipeline, PipelineSpec, Result

CHUNK = 256          # records per task sent to a worker
IN_FLIGHT = 4        # chunks queued per worker: bounds memory, keeps workers busy


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
    jobs: int = 1
    progress: bool = False


_worker_pipeline: Pipeline | None = None


def _init_worker(spec: PipelineSpec) -> None:
    global _worker_pipeline
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
    if jobs <= 1 or second is None:    # one chunk: not worth starting workers
        for chunk in (first, second) if second is not None else (first,):
            yield chunk, pipeline.normalize_batch(_texts(chunk))
        for chunk in chunks:
            yield chunk, pipeline.normalize_batch(_texts(chunk))
        return
    context = multiprocessing.get_context("fork" if sys.platform == "linux" else "spawn")
    with context.Pool(jobs, initializer=_init_worker, initargs=(pipeline.spec,)) as pool:
        pending: deque = deque()
        for chunk in _chain(first, second, chunks):
            pending.append((chunk, pool.apply_async(_normalize_chunk, (_texts(chunk),))))
            if len(pending) >= jobs * IN_FLIGHT:
                chunk, future = pending.popleft()
                yield chunk, future.get()
        while pending:
            chunk, future = pending.popleft()
            yield chunk, future.get()


def _chain(first: list, second: list, rest: Iterator[list]) -> Iterator[list]:
    yield first
    yield second
    yield from rest


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


def run(pipeline: Pipeline, options: RunOptions) -> Summary:
    """Normalize one manifest. Raises NormalizerError for user mistakes; writes nothing then."""
    for path in (options.output, options.diff_log, options.summary, options.rejects):
        if path and path != "-" and options.input != "-" and manifests.same_file(options.input, path):
            raise NormalizerError(f"output {path} is the input file; choose another name "
                                  f"(the input is never modified)")
    if options.on_error not in ("fail", "skip"):
        raise NormalizerError(f"--on-error must be 'fail' or 'skip', not {options.on_error!r}")
    rejects_path = options.rejects
    if options.on_error == "skip" and rejects_path is None and options.output != "-":
        rejects_path = options.output + ".rejects"
    summary = Summary()
    progress = Progress(options.progress)
    items = manifests.read(options.input, options.fmt, options.manifest)
    with ExitStack() as stack:
        out = stack.enter_context(manifests.open_output(options.output))
        log = stack.enter_context(manifests.open_output(options.diff_log)) if options.diff_log else None
        rejects = None
        for chunk, results in _normalized_chunks(pipeline, _chunks(items, CHUNK), options.jobs):
            results_iter = iter(results)
            for item in chunk:
                summary.lines += 1
                if isinstance(item, manifests.Record):
                    result = next(results_iter)
                    summary.add(result)
                    out.write(item.render(result.text))
                    if log is not None and (result.edits or result.flags):
                        log.write(encode(log_line(result, item.text, item.id, item.line)))
                elif isinstance(item, manifests.Rejected):
                    if options.on_error == "fail":
                        raise ManifestError(f"{item.reason} (use --on-error skip to pass such lines "
                                            f"through unchanged)", path=options.input, line=item.line)
                    summary.rejected += 1
                    out.write(item.raw)
                    if rejects_path:
                        if rejects is None:
                            rejects = stack.enter_context(manifests.open_output(rejects_path))
                        rejects.write(item.raw)
                else:
                    out.write(item.raw)
            progress.update(summary.lines)
        progress.close()
        summary.finish()
    if options.summary:
        with manifests.open_output(options.summary) as handle:
            handle.write((json.dumps(summary.as_dict(), indent=2) + "\n").encode())
    return summary
