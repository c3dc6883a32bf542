"""Resumable runs: the outputs of a run go to `.partial` files, committed only at the end.

While a run to OUTPUT goes on, its output is `OUTPUT.partial` (likewise the diff log and the
rejects file), and every few thousand records `OUTPUT.checkpoint` (JSON) records how many
input items are done, the size of each partial file at that point, and the summary so far.
At the end the partial files are renamed over their targets: OUTPUT itself is never partial.

- An interrupted or killed run leaves the partial files and the checkpoint; `--resume`
  checks that the input, the pipeline (its rules, tables and code) and the options are the
  ones of the interrupted run, cuts each partial file back to its checkpointed size and goes
  on from the next item. The result is byte-identical to an uninterrupted run's.
- A run that fails (a bad line, a full disk) removes its partial files and checkpoint: it
  leaves nothing half-written behind. A run without `--resume` starts over.
- A ".gz" output is a series of gzip members that end at the checkpoint positions, which
  depend on the item count only, so a resumed .gz output has the same bytes too (gzip
  readers read the members as one stream).

>>> fingerprint_state({"b": {2, 1}, "a": [1]}) == fingerprint_state({"a": [1], "b": {1, 2}})
True
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import json
import os
import time
from collections import Counter
from pathlib import Path

from .errors import NormalizerError, SystemFault

try:
    import fcntl
except ImportError:   # Windows: no lock against a second run to the same output
    fcntl = None

CHECKPOINT_ITEMS = 4096      # a checkpoint may follow every 4096 input items...
CHECKPOINT_SECONDS = 2.0     # ...once this long after the previous one (fsync is not free)
VERSION = 1
SUMMARY_COUNTS = ("lines", "records", "changed", "flagged", "rejected")
SUMMARY_COUNTERS = ("rules", "stages", "flag_rules")


def _wrap_os_error(path: str, error: OSError) -> SystemFault:
    return SystemFault(f"cannot write: {error.strerror or error}", path=path)


class PartialFile:
    """One output of a run: written to PATH.partial, renamed to PATH by `commit`.

    `size` continues an interrupted partial file from that many bytes (later bytes are cut).
    With `lock`, a second run writing the same output is refused instead of corrupting it.
    """

    def __init__(self, path: str, size: int | None = None, lock: bool = False):
        self.path = path
        self.partial = path + ".partial"
        self.gz = path.endswith(".gz")
        self.member: gzip.GzipFile | None = None
        try:
            fd = os.open(self.partial, os.O_RDWR | os.O_CREAT, 0o666)
        except OSError as error:   # a missing or read-only folder: the user chooses another path
            raise NormalizerError(f"cannot write: {error.strerror}", path=path) from None
        self.file = os.fdopen(fd, "r+b")
        try:
            if lock and fcntl is not None:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            if size is not None and os.fstat(fd).st_size < size:
                raise NormalizerError(f"cannot resume: {self.partial} is shorter than its checkpoint "
                                      f"says; run again without --resume")
            self.file.truncate(size or 0)
            self.file.seek(size or 0)
        except BlockingIOError:
            self.file.close()
            raise NormalizerError("another ttsnorm run is writing this output", path=path) from None
        except OSError as error:
            self.file.close()
            raise _wrap_os_error(path, error) from None
        except BaseException:
            self.file.close()
            raise

    def write(self, data: bytes) -> None:
        try:
            if self.gz:
                if self.member is None:
                    self.member = self._member()
                self.member.write(data)
            else:
                self.file.write(data)
        except OSError as error:
            raise _wrap_os_error(self.path, error) from None

    def _member(self) -> gzip.GzipFile:
        # Level 6 as gzip(1); mtime 0 so that equal runs give equal files.
        name = os.path.basename(self.path)
        return gzip.GzipFile(name, "wb", compresslevel=6, fileobj=self.file, mtime=0)

    def boundary(self) -> None:
        """End the current gzip member (a no-op for plain files)."""
        if self.member is not None:
            try:
                self.member.close()
            except OSError as error:
                raise _wrap_os_error(self.path, error) from None
            self.member = None

    def sync(self) -> int:
        """Flush to disk; return the size of the partial file."""
        try:
            self.file.flush()
            os.fsync(self.file.fileno())
            return self.file.tell()
        except OSError as error:
            raise _wrap_os_error(self.path, error) from None

    def finish(self) -> int:
        """End the last gzip member (an empty .gz output gets one) and flush to disk."""
        if self.gz and self.member is None and self.file.tell() == 0:
            self.member = self._member()
        self.boundary()
        return self.sync()

    def commit(self) -> None:
        self.file.close()
        try:
            os.replace(self.partial, self.path)
        except OSError as error:
            raise _wrap_os_error(self.path, error) from None

    def abandon(self) -> None:
        """Close without ending the gzip member: the bytes after the checkpoint do not count."""
        if self.member is not None:
            self.member.fileobj = None   # or closing the member would write to a closed file
            self.member = None
        with contextlib.suppress(OSError):   # on a full disk, closing fails to flush too
            self.file.close()

    def discard(self) -> None:
        self.abandon()
        with contextlib.suppress(FileNotFoundError):
            os.remove(self.partial)


def _canonical(value):
    if isinstance(value, (set, frozenset)):
        return sorted(map(repr, value))
    return repr(value)


def fingerprint_state(value) -> str:
    """A stable hash of a JSON-like value (sets in any order, other objects by repr)."""
    text = json.dumps(value, sort_keys=True, default=_canonical, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def pipeline_fingerprint(pipeline) -> str:
    """What the output depends on: rules, tables and style of every stage, and the code."""
    stages = [[stage.name, type(stage).__name__, [repr(rule) for rule in stage.rules], stage.tables]
              for stage in pipeline.stages]
    code = hashlib.sha256()
    for source in sorted(Path(__file__).parent.rglob("*.py")):
        code.update(source.read_bytes())
    return fingerprint_state([repr(pipeline.spec.style), pipeline.spec.line_timeout, stages,
                              code.hexdigest()])


def input_identity(path: str) -> dict:
    stat = os.stat(path)
    return {"path": os.path.realpath(path), "size": stat.st_size, "mtime_ns": stat.st_mtime_ns}


def summary_state(summary) -> dict:
    state = {name: getattr(summary, name) for name in SUMMARY_COUNTS}
    state.update({name: dict(getattr(summary, name)) for name in SUMMARY_COUNTERS})
    state["seconds"] = time.perf_counter() - summary.started
    return state


def restore_summary(summary, state: dict) -> None:
    for name in SUMMARY_COUNTS:
        setattr(summary, name, state[name])
    for name in SUMMARY_COUNTERS:
        setattr(summary, name, Counter(state[name]))   # insertion order kept: equal ties sort equally
    summary.started -= state["seconds"]


def _well_formed(state: dict) -> bool:
    """The checkpoint has what resuming reads, of the right types."""
    summary = state.get("summary")
    return (isinstance(state.get("every"), int) and state["every"] > 0 and isinstance(state.get("items"), int)
            and isinstance(state.get("complete"), bool) and isinstance(state.get("sizes"), dict)
            and all(isinstance(size, int) for size in state["sizes"].values())
            and (summary is None or isinstance(summary, dict) and all(
                isinstance(summary.get(name), int | float) for name in SUMMARY_COUNTS + ("seconds",))
                 and all(isinstance(summary.get(name), dict) for name in SUMMARY_COUNTERS)))


class Checkpointed:
    """The outputs of a run to files, with checkpoints; use as a context manager.

    `outputs` maps a role ("output", "diff_log", "rejects") to a path (None: not written);
    the rejects file is created on the first reject. On leaving the block with an interruption
    (KeyboardInterrupt) the partial files and the checkpoint stay for `--resume`; with any
    other error they are removed.
    """

    def __init__(self, outputs: dict[str, str | None], identity: dict, resume: bool,
                 every: int = CHECKPOINT_ITEMS, seconds: float = CHECKPOINT_SECONDS):
        self.paths = {role: path for role, path in outputs.items() if path}
        self.checkpoint = self.paths["output"] + ".checkpoint"
        self.identity = identity
        self.every, self.seconds = every, seconds
        self.files: dict[str, PartialFile] = {}
        self.items = 0
        self.complete = False
        self.summary: dict | None = None
        self.saved = time.monotonic()
        state = self._load() if resume else None
        self.resumed = state is not None
        sizes = state["sizes"] if state else {}
        if state:
            self.every, self.items = state["every"], state["items"]
            self.complete, self.summary = state["complete"], state["summary"]
        if self.complete:
            return   # interrupted while committing: only the renames are left
        try:
            self.files["output"] = PartialFile(self.paths["output"], sizes.get("output"), lock=True)
            if not state:   # what an earlier run left is not ours to resume or commit
                stale = [self.checkpoint] + [self.paths[role] + ".partial"
                                             for role in self.paths if role == "rejects"]
                for path in stale:
                    with contextlib.suppress(FileNotFoundError):
                        os.remove(path)
            for role in self.paths:
                if role != "output" and (role != "rejects" or sizes.get(role) is not None):
                    self.files[role] = PartialFile(self.paths[role], sizes.get(role))
        except BaseException:
            for file in self.files.values():
                if state:
                    file.abandon()
                else:   # a fresh start leaves nothing behind
                    file.discard()
            raise

    def _load(self) -> dict | None:
        try:
            with open(self.checkpoint, encoding="utf-8") as handle:
                state = json.load(handle)
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as error:
            raise NormalizerError(f"cannot resume: unreadable checkpoint ({error}); "
                                  f"run again without --resume", path=self.checkpoint) from None
        if not isinstance(state, dict) or state.get("version") != VERSION or not all(
                isinstance(state.get("identity"), dict) and key in state["identity"]
                for key in ("input", "pipeline", "options")) or not _well_formed(state):
            raise NormalizerError("cannot resume: the checkpoint is from another ttsnorm version "
                                  "or damaged; run again without --resume", path=self.checkpoint)
        for key, what in (("input", "the input file changed since the interrupted run"),
                          ("pipeline", "the pipeline, its rule files or ttsnorm changed since "
                                       "the interrupted run"),
                          ("options", "the options differ from the interrupted run's")):
            if state["identity"][key] != self.identity[key]:
                detail = ""
                if key == "options":
                    detail = ": " + ", ".join(
                        f"{name} was {state['identity'][key].get(name)!r}"
                        for name, value in self.identity[key].items()
                        if state["identity"][key].get(name) != value)
                raise NormalizerError(f"cannot resume: {what}{detail}; run again without --resume",
                                      path=self.checkpoint)
        return state

    def writer(self, role: str) -> PartialFile | None:
        """The file for `role`, opened on first use for the rejects file; None if not written."""
        if role not in self.files and role in self.paths:
            self.files[role] = PartialFile(self.paths[role])
        return self.files.get(role)

    def advance(self, items: int, summary) -> None:
        """`items` input items are written: at a checkpoint position end the gzip members, and
        save a checkpoint if the last one is old enough."""
        self.items = items
        if items % self.every:
            return
        for file in self.files.values():
            file.boundary()
        if time.monotonic() - self.saved >= self.seconds:
            self._save({role: file.sync() for role, file in self.files.items()},
                       summary_state(summary), complete=False)

    def _save(self, sizes: dict, summary: dict, complete: bool) -> None:
        state = {"version": VERSION, "identity": self.identity, "every": self.every,
                 "items": self.items, "sizes": sizes, "summary": summary, "complete": complete}
        temp = self.checkpoint + ".tmp"
        try:
            with open(temp, "w", encoding="utf-8") as handle:
                json.dump(state, handle, indent=1)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temp, self.checkpoint)
        except OSError as error:
            raise _wrap_os_error(self.checkpoint, error) from None
        self.saved = time.monotonic()

    def finish(self, summary) -> None:
        """All items are written: record that, so an interruption from here on only has the
        renames left to do."""
        if not self.complete:
            sizes = {role: file.finish() for role, file in self.files.items()}
            self._save(sizes, summary_state(summary), complete=True)
            self.complete = True

    def commit(self) -> None:
        """Rename every partial file over its target, the output last; drop the checkpoint."""
        for role in sorted(self.paths, key=lambda role: role == "output"):
            partial = self.paths[role] + ".partial"
            if role in self.files:
                self.files[role].commit()
            elif self.resumed and os.path.exists(partial):     # a resumed commit
                try:
                    os.replace(partial, self.paths[role])
                except OSError as error:
                    raise _wrap_os_error(self.paths[role], error) from None
        with contextlib.suppress(FileNotFoundError):
            os.remove(self.checkpoint)

    def __enter__(self) -> "Checkpointed":
        return self

    def __exit__(self, kind, error, traceback) -> None:
        if kind is None:
            return
        if issubclass(kind, KeyboardInterrupt):
            for file in self.files.values():
                file.abandon()
            return
        for file in self.files.values():
            file.discard()
        for path in (self.checkpoint, self.checkpoint + ".tmp"):
            with contextlib.suppress(FileNotFoundError):
                os.remove(path)
