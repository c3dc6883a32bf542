r"""First-character analysis: which characters can start a match of a pattern.

A stage's rules are one alternation, and a regex engine tries every alternative at every
position of the line. Knowing the characters a match can start with lets the stage skip a
line that holds none of them, and lets the engine skip positions that cannot start a match
(a leading lookahead). The analysis is exact for the characters it tries (Latin, general
punctuation, currency, letter-like and math symbols) and conservative for all others: any
character outside that alphabet is assumed to start a match.

>>> start = first_characters(r"(?<!\w)\$\d+|\bNo\.")
>>> [c for c in "$No5 x" if regex.match(start, c)]
['$', 'N']
"""

from __future__ import annotations

import atexit
import hashlib
import json
import os
import pickle
import sys
import tempfile
from pathlib import Path
from typing import Any, Callable, Iterator

import regex
import yaml

RANGES = ((0x0, 0x250), (0x2000, 0x2070), (0x20A0, 0x20D0), (0x2100, 0x2300))
ALPHABET = "".join(chr(code) for low, high in RANGES for code in range(low, high))
# The characters outside the alphabet, as ranges for a character class.
OUTSIDE = "".join(f"\\U{low:08x}-\\U{high - 1:08x}" for low, high in
                  zip((end for _, end in RANGES), [start for start, _ in RANGES[1:]] + [0x110000]))


def _class_end(pattern: str, start: int) -> int:
    """Index just past the character class that opens at `start` (nested sets allowed)."""
    i = start + 1
    if pattern[i:i + 1] == "^":
        i += 1
    if pattern[i:i + 1] == "]":
        i += 1
    depth = 1
    while i < len(pattern) and depth:
        if pattern[i] == "\\":
            i += 2
            continue
        if pattern[i] == "[":
            depth += 1
        elif pattern[i] == "]":
            depth -= 1
        i += 1
    return i


def _group_end(pattern: str, start: int) -> int:
    """Index just past the group that opens at `start`."""
    depth, i = 0, start
    while i < len(pattern):
        char = pattern[i]
        if char == "\\":
            i += 2
            continue
        if char == "[":
            i = _class_end(pattern, i)
            continue
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    return i


# An escape: "\\x41", "\\u2212", "\\N{MINUS SIGN}", "\\012" (octal), "\\p{L}", "\\d", ...
ESCAPE_RE = regex.compile(r"\\(?:x[0-9A-Fa-f]{2}|u[0-9A-Fa-f]{4}|U[0-9A-Fa-f]{8}|N\{[^}]*\}"
                          r"|0[0-7]{0,2}|[1-3][0-7]{2}|[1-9][0-9]?|[pP]\{[^}]*\}|.)", regex.S)


def piece_end(pattern: str, start: int, groups: bool = False) -> int:
    """Index just past the piece of the pattern at `start`: an escape, a character class, one
    character, or with `groups` a whole group."""
    char = pattern[start]
    if char == "\\":
        escape = ESCAPE_RE.match(pattern, start)
        return escape.end() if escape else len(pattern)
    if char == "[":
        return _class_end(pattern, start)
    if char == "(" and groups:
        return _group_end(pattern, start)
    return start + 1


def outer_pieces(pattern: str) -> Iterator[tuple[int, int, bool]]:
    """(start, end, is a lookbehind) of the pattern's pieces (piece_end), a lookbehind whole;
    other groups are looked into, so a lookbehind inside one is found too."""
    i = 0
    while i < len(pattern):
        behind = pattern.startswith(("(?<=", "(?<!"), i)
        end = _group_end(pattern, i) if behind else piece_end(pattern, i)
        yield i, end, behind
        i = end


def drop_context(pattern: str) -> str:
    r"""The pattern without lookbehinds and word boundaries: what it matches is a superset.

    They test the text before the match, which a one-character probe does not have.

    >>> drop_context(r"(?<=\bintro to\b[^.]{0,9})\bDirector(?!\w)")
    'Director(?!\\w)'
    """
    return "".join(pattern[start:end] for start, end, behind in outer_pieces(pattern)
                   if not behind and pattern[start:end] not in ("\\b", "\\B"))


def class_ranges(codes: list[int]) -> str:
    """The code points, in order, as the inside of a character class."""
    parts, i = [], 0
    while i < len(codes):
        j = i
        while j + 1 < len(codes) and codes[j + 1] == codes[j] + 1:
            j += 1
        parts.append(f"\\u{codes[i]:04x}" if i == j else f"\\u{codes[i]:04x}-\\u{codes[j]:04x}")
        i = j + 1
    return "".join(parts)


# The analyses of patterns (this module's, triggers.py's and engines.py's) cost a compile and
# many probes each; their results are kept on disk, keyed by a hash of the pattern, so a run
# starts without redoing them. One file per `regex` release and per version of the analysing
# code; older ones are removed. Timings (which engine is faster for a pattern) do not depend
# on that code: they are kept apart, per `regex` and Python version, and outlive it. Compiled
# patterns are kept beside them (compile_pattern).
_CODE = hashlib.sha1(b"".join((Path(__file__).parent / name).read_bytes()
                              for name in ("prefilter.py", "triggers.py", "engines.py"))).hexdigest()[:12]
_VERSIONS = f"regex-{regex.__version__}-py{sys.version_info[0]}.{sys.version_info[1]}"
CACHE_DIR = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "ttsnorm"
CACHE_FILE = CACHE_DIR / f"analysis-{_CODE}-regex-{regex.__version__}.json"
TIMINGS_FILE = CACHE_DIR / f"timings-{_VERSIONS}.json"
PATTERNS_FILE = CACHE_DIR / f"patterns-{_VERSIONS}.pickle"
# Rule files as read (YAML parsing was a sixth of a run's start-up), keyed by their bytes;
# per version of rules.py, which gives them their shape, and of PyYAML.
RULE_FILES_FILE = CACHE_DIR / (f"rule-files-py{sys.version_info[0]}.{sys.version_info[1]}-" + hashlib.sha1(
    (Path(__file__).parent / "rules.py").read_bytes()).hexdigest()[:12] + f"-yaml-{yaml.__version__}.pickle")
MAX_PATTERNS = 1000   # compiled patterns kept on disk (the most recently used): ~1 MB, 30 ms to load
MAX_RULE_FILES = 200
STALE = {"analysis": ("analysis-", "first-characters-"), "timings": ("timings-",),
         "patterns": ("patterns-",), "rule files": ("rule-files-",)}   # what a newer file of each kind replaces
_exit_hook = False   # flush() runs when the process ends


def _cache_file(kind: str) -> Path:
    """The file of a kind of cache (looked up when used: tests point the files elsewhere)."""
    return {"analysis": CACHE_FILE, "timings": TIMINGS_FILE, "patterns": PATTERNS_FILE,
            "rule files": RULE_FILES_FILE}[kind]


class _Store:
    """Results kept in a JSON file: read when first asked for, written at `flush`."""

    def __init__(self, kind: str):
        self.kind = kind
        self.data: "dict[str, Any] | None" = None
        self.unsaved = False

    def _read(self, path: Path) -> Any:
        return json.loads(path.read_text(encoding="utf-8"))

    def _dump(self) -> bytes:
        return json.dumps(self.data).encode("utf-8")

    def _loaded(self) -> dict:
        if self.data is None:
            try:
                self.data = self._read(_cache_file(self.kind))   # our own file, of these versions
                if not isinstance(self.data, dict):
                    raise ValueError("not a cache")
            except Exception:   # missing, damaged, or of another version: start afresh
                self.data = {}
            _flush_at_exit()
        return self.data

    def get(self, key: str, compute: Callable[[], Any]) -> Any:
        data = self._loaded()
        if key not in data:
            data[key] = compute()
            self.unsaved = True
        return data[key]

    def flush(self) -> None:
        if self.unsaved:
            self.unsaved = False
            _write(_cache_file(self.kind), self._dump(), STALE[self.kind])


class _Pickles(_Store):
    """Objects kept pickled in one file, each unpickled when first asked for; the most
    recently used are written back at `flush`. With `fresh`, each asking gets a copy of its
    own (for data a caller may change)."""

    def __init__(self, kind: str, fresh: bool = False):
        super().__init__(kind)
        self.fresh = fresh   # (data: key -> pickled bytes, or the object once unpickled)

    def _read(self, path: Path) -> Any:
        with open(path, "rb") as handle:
            return pickle.load(handle)

    def _dump(self) -> bytes:
        limit = MAX_PATTERNS if self.kind == "patterns" else MAX_RULE_FILES
        kept = {key: value if isinstance(value, bytes) else pickle.dumps(value)
                for key, value in list(self.data.items())[-limit:]}
        return pickle.dumps(kept, protocol=pickle.HIGHEST_PROTOCOL)

    def get(self, key: str, compute: Callable[[], Any], valid: Callable[[Any], bool]) -> Any:
        data = self._loaded()
        value = data.pop(key, None)
        found = _unpickled(value) if isinstance(value, bytes) else value
        if not valid(found):
            found = compute()
            value = pickle.dumps(found) if self.fresh else found
            self.unsaved = True
        elif not self.fresh:
            value = found   # kept unpickled from now on
        data[key] = value   # last: the most recently used are kept
        return found


def _unpickled(data: bytes) -> Any:
    try:
        return pickle.loads(data)
    except Exception:   # damaged: computed again
        return None


_analyses, _timings = _Store("analysis"), _Store("timings")
_patterns, _rule_files = _Pickles("patterns"), _Pickles("rule files", fresh=True)


def _flush_at_exit() -> None:
    global _exit_hook
    if not _exit_hook:
        _exit_hook = True
        atexit.register(flush)


def flush() -> None:
    """Write what is new now (before worker processes start and would redo it)."""
    for store in (_analyses, _timings, _patterns, _rule_files):
        store.flush()


def _write(path: Path, data: bytes, stale: tuple[str, ...]) -> None:
    """Write a cache file atomically and remove the files of its kind (`stale`: their name
    starts) that older code or another regex left; a cache that cannot be written is only a
    slower start."""
    try:
        CACHE_DIR.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile("wb", dir=CACHE_DIR, delete=False) as handle:
            handle.write(data)
        os.replace(handle.name, path)
        for old in CACHE_DIR.iterdir():
            if old != path and old.name.startswith(stale):
                old.unlink(missing_ok=True)
    except OSError:
        pass


def compile_pattern(source: str) -> regex.Pattern:
    """`regex.compile(source)`, kept on disk: a compiled pattern pickles as the engine's
    program, which loads some 30 times faster than the pattern compiles (compiling the rules
    was most of a run's start-up). Each is unpickled when first asked for. Raises
    regex.error as compile does."""
    return _patterns.get(source, lambda: regex.compile(source),
                         lambda compiled: isinstance(compiled, regex.Pattern))


def read_once(path: str, read: Callable[[str], Any]) -> Any:
    """`read(path)` (a rule file's data), kept on disk by the file's contents (a hash of its
    bytes: a time of change can miss an edit); each call gets a copy of its own."""
    try:
        with open(path, "rb") as handle:
            key = hashlib.sha1(handle.read()).hexdigest()
    except OSError:
        return read(path)   # which says what is wrong
    return _rule_files.get(key, lambda: (read(path),), lambda value: isinstance(value, tuple))[0]


def _key(pattern: str) -> str:
    return hashlib.sha1(pattern.encode("utf-8", "surrogatepass")).hexdigest()


def cached(kind: str, pattern: str, compute: Callable[[str], Any]) -> Any:
    """`compute(pattern)`, kept on disk under `kind` (its result must be JSON)."""
    return _analyses.get(kind + _key(pattern), lambda: compute(pattern))


def timed(kind: str, pattern: str, compute: Callable[[str], Any]) -> Any:
    """The same for a measurement, which the analysing code does not change."""
    return _timings.get(kind + _key(pattern), lambda: compute(pattern))


def first_characters(pattern: str) -> str | None:
    """A character-class pattern matching every character a match of `pattern` can start
    with, or None when the analysis cannot tell (then every character can)."""
    return cached("", pattern, analyse)


def with_lookahead(pattern: str) -> str:
    """The pattern, led by a lookahead of the characters it can start with where that lets
    the engine skip most positions of a line (not when it can start with "e" or a space).
    Kept on disk like the analysis."""
    return cached("lookahead:", pattern, _lead)


def _lead(pattern: str) -> str:
    start = first_characters(pattern)
    if start is None or regex.match(start, "e") or regex.match(start, " "):
        return pattern
    return f"(?={start})(?:{pattern})"


def analyse(pattern: str) -> str | None:
    """The first-character analysis itself (see first_characters)."""
    try:
        probe = regex.compile(drop_context(pattern))
    except regex.error:
        return None
    if probe.match(""):
        return None
    codes = [ord(char) for char in ALPHABET if probe.match(char, partial=True)]
    return f"[{class_ranges(codes)}{OUTSIDE}]"   # one class: the engine tests it fastest
