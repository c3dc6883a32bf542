"""`ttsnorm preview`: try the pipeline on a line, or step through a manifest, and watch it change.

    ttsnorm preview                          # type or paste lines
    ttsnorm preview -p my/pipeline.yaml train.jsonl

For each line it shows the normalized text with the changed spans marked against the
original, each change with its rule, the text after every stage that did something, and
the flags with their reasons. The rule files are watched: save one and the line is shown
again with the reloaded pipeline; a broken rule file shows its error (file:line: what is
wrong) and the preview goes on with the last good pipeline.

Everything but the terminal application is plain code: `Session` holds the lines, the
position, the filter and the pipeline (a `Watcher`), takes commands, and renders the
current line as (style, text) fragments, the format prompt_toolkit draws.

>>> session = Session(Watcher(None))
>>> session.command("It costs $2.")
True
>>> print(plain(session.render()))  # doctest: +ELLIPSIS
  original  It costs $2.
normalized  It costs two dollars.
   changes  '$2' → 'two dollars'  money/...
...
"""

from __future__ import annotations

import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from . import manifests
from .errors import NormalizerError
from .pipeline import DEFAULT_PIPELINE, Pipeline, Result, read_spec
from .report import pieces
from .rules import load_yaml, read_rule_files
from .stages import STAGES

POLL_SECONDS = 0.5
QUIT = object()
Fragments = list[tuple[str, str]]

HELP = """\
Type or paste a line and press Enter to normalize it. Commands start with ':'.
  Enter on an empty line, :n, PageDown   next line of the manifest (matching the filter)
  :p, PageUp                             previous line
  :go ID | :go LINE                      jump to a record id or a manifest line number
  :rule RULE   (or stage/rule)           only lines that RULE changed
  :stage STAGE                           only lines that STAGE changed
  :flagged [RULE]                        only flagged lines (flagged by RULE)
  :all                                   no filter
  :reload                                reload the pipeline now (it reloads by itself on save)
  :help   :q (or Ctrl-D)                 this help, quit
A line that starts with ':' itself is typed as '::...'."""


@dataclass(frozen=True)
class Line:
    """A line to show: typed, or a manifest record (with its line number and id)."""

    text: str
    line: int | None = None
    id: str | None = None


def watched_files(path: str | None) -> list[str]:
    """The files a pipeline is read from: pipeline files (with what they extend), rule files
    and their includes. Best effort: a broken file still yields the files known so far."""
    files: list[str] = []
    current = Path(DEFAULT_PIPELINE if path in (None, "default") else path).resolve()
    while str(current) not in files:
        files.append(str(current))
        try:
            parent = load_yaml(current).get("extends")
        except (NormalizerError, AttributeError):
            break
        if not isinstance(parent, str):
            break
        current = (DEFAULT_PIPELINE if parent == "default" else current.parent / parent).resolve()
    try:
        spec = read_spec(path)
    except NormalizerError:
        return files
    for stage in spec.stages:
        for name in stage.rules:
            files.append(name)
            if _mentions_include(name):   # parsing every rule file again would slow each reload
                try:
                    included = read_rule_files([name], STAGES[stage.kind].TABLES)
                except (NormalizerError, KeyError):
                    continue
                files += [str(Path(found).resolve()) for found, _ in included]
    return list(dict.fromkeys(files))


def _mentions_include(path: str) -> bool:
    try:
        return b"include" in Path(path).read_bytes()
    except OSError:
        return False


def _stamp(path: str) -> tuple[int, int] | None:
    try:
        info = os.stat(path)
    except OSError:
        return None
    return info.st_mtime_ns, info.st_size


class Watcher:
    """The pipeline of a pipeline file, rebuilt when one of its files changes.

    A rebuild that fails keeps the last good pipeline and sets `error` (file:line: message).
    """

    def __init__(self, path: str | None):
        self.path = path
        self.pipeline: Pipeline | None = None
        self.error: str | None = None
        self.generation = 0           # counts successful loads
        self.loaded_at = ""
        self.stamps: dict[str, tuple[int, int] | None] = {}
        self.load()

    def load(self) -> bool:
        """Rebuild the pipeline now; True if it loaded."""
        files = watched_files(self.path)
        # Stamps taken before reading: a save during the load is seen by the next poll.
        self.stamps = {name: _stamp(name) for name in dict.fromkeys([*files, *self.stamps])}
        try:
            pipeline = Pipeline(read_spec(self.path))
        except NormalizerError as error:
            self.error = str(error)
            return False
        except (OSError, ValueError) as error:    # e.g. a file vanished mid-save
            self.error = f"{self.path or DEFAULT_PIPELINE}: {error}"
            return False
        self.pipeline, self.error = pipeline, None
        self.generation += 1
        self.loaded_at = time.strftime("%H:%M:%S")
        return True

    def changed(self) -> list[str]:
        """The watched files whose modification time or size changed since the last load."""
        return [name for name, stamp in self.stamps.items() if _stamp(name) != stamp]

    def poll(self) -> list[str] | None:
        """Reload if a file changed; return the changed files (None: nothing changed)."""
        changed = self.changed()
        if not changed:
            return None
        self.load()
        return changed


@dataclass(frozen=True)
class Filter:
    """Which manifest lines stepping stops at: those `kind` ("rule", "stage", "flagged") matches."""

    kind: str
    value: str = ""

    def matches(self, result: Result) -> bool:
        if self.kind == "stage":
            return any(change.stage == self.value for change in result.edits)
        if self.kind == "rule":
            return any(self.value in (change.rule, f"{change.stage}/{change.rule}") for change in result.edits)
        return any(not self.value or self.value in (flag.rule, f"{flag.stage}/{flag.rule}")
                   for flag in result.flags)

    def __str__(self) -> str:
        if self.kind == "flagged":
            return f"flagged by {self.value}" if self.value else "flagged"
        return f"changed by {self.kind} {self.value}"


class Session:
    """The lines, the position, the filter, and the rendering of the current line."""

    def __init__(self, watcher: Watcher, records: list[Line] = (), source: str = "", skipped: int = 0):
        self.watcher = watcher
        self.records = list(records)
        self.source = source
        self.skipped = skipped          # manifest lines that are not records of the format
        self.index = 0
        self.typed: Line | None = None  # a typed line, shown instead of the record at index
        self.filter: Filter | None = None
        self.message = ""
        self.show_help = False
        self._cache: dict[int, Result] = {}
        self._cache_generation = -1

    # What is shown.

    def current(self) -> Line | None:
        if self.typed is not None:
            return self.typed
        return self.records[self.index] if self.records else None

    def result(self, index: int) -> Result:
        """The result of record `index` with the current pipeline (cached per pipeline)."""
        if self._cache_generation != self.watcher.generation:
            self._cache, self._cache_generation = {}, self.watcher.generation
        if index not in self._cache:
            self._cache[index] = self.watcher.pipeline.normalize(self.records[index].text)
        return self._cache[index]

    # Commands.

    def command(self, text: str) -> bool:
        """Act on one input line (a command, or text to normalize); False means quit."""
        self.message, self.show_help = "", False
        if text.startswith("::"):
            return self._type(text[1:])
        if not text.startswith(":"):
            if text.strip():
                return self._type(text)
            if self.records:
                self.step(1)
            return True
        name, _, argument = text[1:].strip().partition(" ")
        argument = argument.strip()
        action = self._commands().get(name)
        if action is None:
            self.message = f"unknown command :{name}; :help lists the commands"
            return True
        return action(argument) is not QUIT

    def _commands(self) -> dict[str, Callable[[str], object]]:
        return {
            "n": lambda _: self.step(1), "next": lambda _: self.step(1),
            "p": lambda _: self.step(-1), "prev": lambda _: self.step(-1),
            "go": self.go, "rule": lambda v: self.set_filter("rule", v),
            "stage": lambda v: self.set_filter("stage", v),
            "flagged": lambda v: self.set_filter("flagged", v), "all": lambda _: self.set_filter(None),
            "reload": lambda _: self.reload(), "help": lambda _: setattr(self, "show_help", True),
            "h": lambda _: setattr(self, "show_help", True),
            "q": lambda _: QUIT, "quit": lambda _: QUIT,
        }

    def _type(self, text: str) -> bool:
        self.typed = Line(text)
        return True

    def step(self, direction: int, start: int | None = None) -> bool:
        """Go to the next (1) or previous (-1) record that matches the filter (from `start`)."""
        if not self.records:
            self.message = "no manifest: type a line, or start with 'ttsnorm preview MANIFEST'"
            return
        if self.watcher.pipeline is None:
            self.message = "no pipeline loaded yet: fix the rule file error first"
            return
        if start is None:
            # From a typed line, the next record is the one it was typed over.
            start = self.index if self.typed is not None else self.index + direction
        index = start
        while 0 <= index < len(self.records):
            if self.filter is None or self.filter.matches(self.result(index)):
                self.index, self.typed = index, None
                return True
            index += direction
        where = "after" if direction > 0 else "before"
        self.message = (f"no line {self.filter} {where} this one" if self.filter
                        else ("this is the last line" if direction > 0 else "this is the first line"))
        return False

    def go(self, target: str) -> None:
        """Jump to the record with id `target`, or else at manifest line number `target`."""
        if not target:
            self.message = ":go needs a record id or a line number"
            return
        for index, record in enumerate(self.records):
            if record.id == target:
                self.index, self.typed = index, None
                return
        if target.isdigit():
            number = int(target)
            for index, record in enumerate(self.records):
                if record.line is not None and record.line >= number:
                    self.index, self.typed = index, None
                    return
        self.message = f"no record with id or line {target!r}"

    def set_filter(self, kind: str | None, value: str = "") -> None:
        """Filter the lines stepping stops at, and move to the first match from here."""
        if kind is None:
            self.filter = None
            self.message = "showing all lines"
            return
        if kind in ("rule", "stage") and not value:
            self.message = f":{kind} needs a {kind} name"
            return
        pipeline = self.watcher.pipeline
        if pipeline is not None and value:
            known = self._names(kind, pipeline)
            if value not in known:
                self.message = f"no {'stage' if kind == 'stage' else 'rule'} {value!r} in the pipeline"
                return
        self.filter = Filter(kind, value)
        if self.records and pipeline is not None and (
                self.typed is not None or not self.filter.matches(self.result(self.index))):
            # The first match after this line, or else from the top.
            if not self.step(1) and not self.step(1, start=0):
                self.message = f"no line {self.filter} in {self.source}"
                return
            self.message = ""
        self.message = f"showing lines {self.filter}"

    @staticmethod
    def _names(kind: str, pipeline: Pipeline) -> set[str]:
        if kind == "stage":
            return {stage.name for stage in pipeline.stages}
        names = {rule.id for stage in pipeline.stages for rule in stage.rules}
        names |= {f"{stage.name}/{rule.id}" for stage in pipeline.stages for rule in stage.rules}
        return names | {"timeout"}

    def reload(self) -> None:
        self.watcher.load()
        self.message = "reloaded" if self.watcher.error is None else ""

    def poll(self) -> bool:
        """Reload if a rule file changed; True when the screen should be drawn again."""
        changed = self.watcher.poll()
        if changed is None:
            return False
        names = ", ".join(Path(name).name for name in changed)
        self.message = f"reloaded after a change to {names}" if self.watcher.error is None else ""
        return True

    # Rendering.

    def header(self) -> Fragments:
        pipeline = self.watcher.path or "default pipeline"
        parts = [("class:title", " ttsnorm preview "), ("", f" pipeline: {pipeline}")]
        if self.records:
            record = self.records[self.index]
            where = f"  {self.source} record {self.index + 1}/{len(self.records)}"
            if record.line is not None:
                where += f", line {record.line}"
            if record.id is not None:
                where += f", id {record.id}"
            if self.typed is not None:
                where += " (showing a typed line)"
            parts.append(("class:dim", where))
        if self.filter:
            parts.append(("class:filter", f"  [{self.filter}]"))
        return parts + [("", "\n")]

    def render(self) -> Fragments:
        """The whole screen above the input line."""
        out: Fragments = []
        if self.watcher.error:
            good = (f"still using the pipeline loaded at {self.watcher.loaded_at}"
                    if self.watcher.pipeline else "no pipeline loaded")
            out += [("class:error", f"rule file error: {self.watcher.error}"), ("", "\n"),
                    ("class:error", f"  ({good}; save the file again once it is fixed)"), ("", "\n\n")]
        if self.skipped:
            out += [("class:dim", f"{self.skipped} manifest lines are not records of the format "
                                  f"and are not shown"), ("", "\n\n")]
        if self.show_help:
            out += [("", HELP), ("", "\n\n")]
        line = self.current()
        if line is not None and self.watcher.pipeline is not None:
            out += render_line(line.text, self.watcher.pipeline)
        elif line is None and not self.show_help:
            out += [("class:dim", "Type or paste a line and press Enter. :help lists the commands.")]
        if self.message:
            out += [("", "\n"), ("class:message", self.message)]
        return out


LABEL = 10   # width of the left column


def _label(name: str, style: str = "class:label") -> tuple[str, str]:
    return style, f"{name:>{LABEL}}  "


def render_line(text: str, pipeline: Pipeline) -> Fragments:
    """Fragments for one line: original and normalized with the changes marked, each change
    with its rules, the text after each stage that did something, and the flags."""
    trace: list = []
    result = pipeline.normalize(text, trace=trace)
    edits = [change.as_dict() for change in result.edits]
    flags = [flag.as_dict() for flag in result.flags]
    parts = pieces(text, result.text, edits, flags, lambda rule: rule)
    out: Fragments = [_label("original")]
    out += _side(parts, normalized=False)
    out += [("", "\n"), _label("normalized")]
    out += _side(parts, normalized=True)
    out.append(("", "\n"))
    changes = [part for part in parts if not isinstance(part, str) and part[1] is not None]
    for number, (old, new, rules, _) in enumerate(changes):
        out += [_label("changes" if number == 0 else ""), ("class:old", repr(old)), ("", " → "),
                ("class:new", repr(new)), ("", "  "), ("class:rule", ", ".join(rules)), ("", "\n")]
    if not changes:
        out += [_label("changes"), ("class:dim", "none"), ("", "\n")]
    out.append(("", "\n"))
    out += _stages(text, result, trace)
    for number, flag in enumerate(result.flags):
        out += [_label("flags" if number == 0 else "", "class:flag"), ("class:flagged", repr(flag.text)),
                ("", f" at {list(flag.src)}: {flag.reason}  "), ("class:rule", f"{flag.stage}/{flag.rule}"),
                ("", "\n")]
    return out


def _side(parts: list, normalized: bool) -> Fragments:
    out: Fragments = []
    for part in parts:
        if isinstance(part, str):
            out.append(("", part))
            continue
        old, new, _, flags = part
        flagged = " class:flagged" if flags else ""
        if new is None:
            out.append(("class:flagged", old))
        elif normalized:
            out.append(("class:new" + flagged, new or "∅"))
        else:
            out.append(("class:old" + flagged, old or "∅"))
    return out


def _stages(text: str, result: Result, trace: list) -> Fragments:
    """The text after each stage that changed it or fired a rule; the other stages in a list."""
    out: Fragments = []
    idle = []
    for stage, after, fired in trace:
        changes = sorted((c for c in result.edits if c.stage == stage), key=lambda c: c.at)
        if not changes and not fired:
            idle.append(stage)
            continue
        out.append(_label(stage, "class:stage"))
        position, shift = 0, 0
        for change in changes:
            start = change.at[0] + shift
            out.append(("", after[position:start]))
            out.append(("class:new", after[start:start + len(change.new)] or "∅"))
            position = start + len(change.new)
            shift += len(change.new) - (change.at[1] - change.at[0])
        out.append(("", after[position:]))
        out += [("", "  "), ("class:rule", "[" + ", ".join(dict.fromkeys(fired)) + "]"), ("", "\n")]
    if idle:
        out += [_label("unchanged", "class:dim"), ("class:dim", ", ".join(idle)), ("", "\n")]
    return out


def plain(fragments: Fragments) -> str:
    """The text of fragments, without styles, trailing spaces trimmed."""
    return "\n".join(line.rstrip() for line in "".join(text for _, text in fragments).rstrip("\n").split("\n"))


def read_records(path: str, fmt: str | None, options: manifests.Options) -> tuple[list[Line], int]:
    """The records of a manifest as Lines, and how many lines were not records."""
    records, skipped = [], 0
    for item in manifests.read(path, fmt, options):
        if isinstance(item, manifests.Record):
            records.append(Line(item.text, item.line, item.id))
        elif isinstance(item, manifests.Rejected):
            skipped += 1
    return records, skipped


STYLE = {
    "title": "reverse bold",
    "label": "fg:ansicyan",
    "stage": "fg:ansiblue bold",
    "old": "fg:ansired underline",
    "new": "fg:ansigreen bold underline",
    "flagged": "fg:ansiyellow reverse",
    "flag": "fg:ansiyellow bold",
    "rule": "fg:ansimagenta",
    "dim": "fg:ansibrightblack",
    "filter": "fg:ansiyellow",
    "error": "fg:ansired bold",
    "message": "fg:ansiyellow",
    "toolbar": "reverse",
    "prompt": "bold",
}
TOOLBAR = " Enter: normalize / next   PgUp PgDn: prev/next   :help   Ctrl-D: quit "


def _history():
    from prompt_toolkit.history import FileHistory, InMemoryHistory
    state = os.environ.get("XDG_STATE_HOME") or os.path.join(os.path.expanduser("~"), ".local", "state")
    path = os.path.join(state, "ttsnorm", "preview_history")
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "a", encoding="utf-8"):
            pass
    except OSError:
        return InMemoryHistory()
    return FileHistory(path)


def application(session: Session, input=None, output=None):
    """The full-screen prompt_toolkit application around a Session."""
    import asyncio

    from prompt_toolkit.application import Application
    from prompt_toolkit.key_binding import KeyBindings
    from prompt_toolkit.layout import HSplit, Layout, Window
    from prompt_toolkit.layout.controls import FormattedTextControl
    from prompt_toolkit.styles import Style
    from prompt_toolkit.widgets import TextArea

    def accept(buffer) -> bool:
        if not session.command(buffer.text):
            app.exit()
        return False

    field = TextArea(height=1, prompt=[("class:prompt", "> ")], multiline=False, history=_history(),
                     accept_handler=accept)
    keys = KeyBindings()

    @keys.add("pagedown")
    def _next(event) -> None:
        session.command(":n")

    @keys.add("pageup")
    def _previous(event) -> None:
        session.command(":p")

    @keys.add("c-c")
    @keys.add("c-d", filter=_empty(field))
    def _quit(event) -> None:
        event.app.exit()

    body = HSplit([
        Window(FormattedTextControl(session.header), height=1, wrap_lines=False),
        # A wrapped line goes on under the text, not under the labels.
        Window(FormattedTextControl(session.render), wrap_lines=True,
               get_line_prefix=lambda line, wrap: " " * (LABEL + 2) if wrap else ""),
        Window(height=1, char="─", style="class:dim"),
        field,
        Window(FormattedTextControl([("class:toolbar", TOOLBAR)]), height=1),
    ])
    app = Application(layout=Layout(body, focused_element=field), key_bindings=keys,
                      style=Style.from_dict(STYLE), full_screen=True, mouse_support=False,
                      input=input, output=output)

    async def watch() -> None:
        loop = asyncio.get_running_loop()
        while True:
            await asyncio.sleep(POLL_SECONDS)
            # Rebuilding a pipeline takes a moment: off the event loop, so typing goes on.
            if await loop.run_in_executor(None, session.poll):
                app.invalidate()

    app.pre_run_callables.append(lambda: app.create_background_task(watch()))
    return app


def _empty(field):
    from prompt_toolkit.filters import Condition
    return Condition(lambda: not field.text)


def run_plain(session: Session, lines, write: Callable[[str], object]) -> None:
    """Without a terminal: each input line is a command or text; print the screen after each."""
    if session.current() is not None or session.watcher.error:
        write(plain(session.header() + session.render()) + "\n\n")
    for raw in lines:
        if not session.command(raw.rstrip("\r\n")):
            return
        write(plain(session.header() + session.render()) + "\n\n")


def main(pipeline: str | None, manifest: str | None, fmt: str | None = None,
         options: manifests.Options = manifests.Options()) -> int:
    """Run the preview: full screen on a terminal, line by line otherwise."""
    records, skipped = read_records(manifest, fmt, options) if manifest else ([], 0)
    watcher = Watcher(pipeline)
    if watcher.pipeline is None and not sys.stdin.isatty():
        raise NormalizerError(watcher.error)
    session = Session(watcher, records, Path(manifest).name if manifest else "", skipped)
    if not (sys.stdin.isatty() and sys.stdout.isatty()) or os.environ.get("TERM") == "dumb":
        run_plain(session, sys.stdin, sys.stdout.write)
        return 0
    try:
        import prompt_toolkit  # noqa: F401
    except ImportError:
        raise NormalizerError("ttsnorm preview needs prompt_toolkit: pip install prompt_toolkit") from None
    application(session).run()
    return 0
