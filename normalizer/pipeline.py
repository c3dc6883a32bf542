"""The pipeline: load a pipeline file, run its stages in order, account for every change.

A pipeline file names the stages in order and the style settings:

    style: {and_in_numbers: false, hyphens: true}
    stages: [cleanup, asr_fixes, numbers]

A user's pipeline starts from another one with `extends: default` (or a path) and may
change the style, replace the stage list (`stages:`), switch stages off (`disable:`),
and add rule files to stages (`rules: {asr_fixes: [my_fixes.yaml]}`), whose rules extend or
override the bundled ones by id. A stage entry is a name, or a mapping
`{name: ..., kind: <built-in stage>, rules: [files], enabled: false}`.

>>> pipe = load()
>>> pipe.normalize("It is 7 o'clock.").text
"It is seven o'clock."
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Iterable, NamedTuple

from . import prefilter
from .budget import LineBudget, LineTimeout, ticking
from .edits import Alignment, Change, Edit, Flag, Flagged, apply_edits, check_edits
from .errors import RuleError
from .rules import load_rules, load_yaml, merge_tables, read_rule_files
from .stages import STAGES
from .stages.base import RuleStage
from .triggers import ASCII_LINE, TriggerIndex
from .verbalize import Style

BUNDLED_DIR = Path(__file__).parent / "rules"
DEFAULT_PIPELINE = BUNDLED_DIR / "pipeline.yaml"
MAX_PASSES = 3   # passes of all stages over a line, until it stops changing
PIPELINE_KEYS = {"extends", "style", "stages", "disable", "rules", "remove_rules", "line_timeout"}
STAGE_KEYS = {"name", "kind", "rules", "enabled"}


class Result(NamedTuple):
    """What normalizing one text gives: the text, every change, every flag. (A named tuple:
    one is made for every line, and it makes in a third of a frozen dataclass's time.)"""

    text: str
    edits: tuple[Change, ...] = ()
    flags: tuple[Flagged, ...] = ()


@dataclass(frozen=True, slots=True)
class StageSpec:
    """A stage as the pipeline file describes it, before its rules are loaded."""

    name: str
    kind: str
    rules: tuple[str, ...]   # absolute paths of rule files, in override order
    enabled: bool = True


@dataclass(frozen=True, slots=True)
class PipelineSpec:
    """A resolved pipeline file: enough to rebuild the pipeline anywhere (it pickles)."""

    path: str
    stages: tuple[StageSpec, ...]
    style: Style = field(default_factory=Style)
    line_timeout: float = 1.0


def _file_list(files, key: str, stage: str, path: str, line: int) -> list[str]:
    """A stage's entry under `rules:` or `remove_rules:`: a file name or a list of them."""
    files = [files] if isinstance(files, str) else files
    if not isinstance(files, list) or not all(isinstance(f, str) for f in files):
        raise RuleError(f"'{key}' of stage {stage!r} must be a list of rule files", path=path, line=line)
    return files


def _resolve(base: Path, name: str) -> Path:
    """Resolve a file named in a pipeline or rule file, relative to that file."""
    return (base.parent / name).resolve()


def _style(raw: dict, base: Style, path: str, line: int) -> Style:
    if not isinstance(raw, dict):
        raise RuleError("'style' must be a mapping of settings", path=path, line=line)
    known = {f.name: f for f in fields(Style)}
    for key, value in raw.items():
        if key not in known:
            raise RuleError(f"unknown style setting {key!r}; known: {', '.join(known)}",
                            path=path, line=line)
        if not isinstance(value, bool):
            raise RuleError(f"style setting {key!r} must be true or false", path=path, line=line)
    return replace(base, **raw)


def _stage_entry(raw, inherited: dict[str, StageSpec], path: Path, line: int) -> StageSpec:
    if isinstance(raw, str):
        raw = {"name": raw}
    if not isinstance(raw, dict) or not isinstance(raw.get("name"), str):
        raise RuleError("a stage must be a name or a mapping with a 'name'", path=str(path), line=line)
    line = getattr(raw, "line", line)
    unknown = set(raw) - STAGE_KEYS
    if unknown:
        raise RuleError(f"unknown key(s) {', '.join(sorted(unknown))} in stage {raw['name']!r}; "
                        f"known: {', '.join(sorted(STAGE_KEYS))}", path=str(path), line=line)
    name = raw["name"]
    base = inherited.get(name)
    kind = raw.get("kind", base.kind if base else name)
    if kind not in STAGES:
        raise RuleError(f"unknown stage {kind!r}; known: {', '.join(STAGES)} "
                        f"(a stage of your own needs 'kind: rules' and 'rules: [file.yaml]')",
                        path=str(path), line=line)
    if "rules" in raw:
        files = raw["rules"]
        if isinstance(files, str):
            files = [files]
        if not isinstance(files, list) or not all(isinstance(f, str) for f in files):
            raise RuleError(f"stage {name!r}: 'rules' must be a list of file names",
                            path=str(path), line=line)
        rules = tuple(str(_resolve(path, f)) for f in files)
    elif base:
        rules = base.rules
    else:
        rules = (str(_resolve(path, f"{name}.yaml")),)
    enabled = raw.get("enabled", base.enabled if base else True)
    return StageSpec(name=name, kind=kind, rules=rules, enabled=bool(enabled))


def read_spec(path: str | Path | None = None, _seen: tuple[str, ...] = ()) -> PipelineSpec:
    """Resolve a pipeline file (and what it extends) into a PipelineSpec."""
    path = Path(DEFAULT_PIPELINE if path in (None, "default") else path).resolve()
    if str(path) in _seen:
        raise RuleError(f"'extends' cycle: {' -> '.join(_seen + (str(path),))}", path=str(path))
    data = load_yaml(path)
    where = str(path)
    if not isinstance(data, dict):
        raise RuleError("a pipeline file must be a mapping with 'stages:' or 'extends:'", path=where)
    unknown = set(data) - PIPELINE_KEYS
    if unknown:
        raise RuleError(f"unknown key(s) {', '.join(sorted(map(str, unknown)))}; known: "
                        f"{', '.join(sorted(PIPELINE_KEYS))}", path=where, line=data.line)
    if "extends" in data:
        parent = data["extends"]
        if not isinstance(parent, str):
            raise RuleError("'extends' must be 'default' or a file name", path=where, line=data.line)
        base = read_spec(None if parent == "default" else _resolve(path, parent), _seen + (str(path),))
    elif "stages" in data:
        base = PipelineSpec(path=where, stages=())
    else:
        raise RuleError("a pipeline file needs 'stages:' (or 'extends:' another pipeline)",
                        path=where, line=data.line)
    inherited = {stage.name: stage for stage in base.stages}
    stages = list(base.stages)
    if "stages" in data:
        if not isinstance(data["stages"], list):
            raise RuleError("'stages' must be a list", path=where, line=data.line)
        stages = [_stage_entry(raw, inherited, path, data.line) for raw in data["stages"]]
    names = [stage.name for stage in stages]
    duplicates = {name for name in names if names.count(name) > 1}
    if duplicates:
        raise RuleError(f"stage(s) {', '.join(sorted(duplicates))} listed twice; give the second "
                        f"a different 'name'", path=where, line=data.line)
    by_name = {stage.name: i for i, stage in enumerate(stages)}
    disable = data.get("disable", []) or []
    disable = [disable] if isinstance(disable, str) else disable
    if not isinstance(disable, list) or not all(isinstance(name, str) for name in disable):
        raise RuleError("'disable' must be a list of stage names", path=where, line=data.line)
    for name in disable:
        if name not in by_name:
            raise RuleError(f"cannot disable unknown stage {name!r}; stages: {', '.join(names)}",
                            path=where, line=data.line)
        stages[by_name[name]] = replace(stages[by_name[name]], enabled=False)
    extra = data.get("rules", {}) or {}
    if not isinstance(extra, dict):
        raise RuleError("'rules' must map stage names to lists of rule files", path=where, line=data.line)
    for name, files in extra.items():
        if name not in by_name:
            raise RuleError(f"'rules' names unknown stage {name!r}; stages: {', '.join(names)}",
                            path=where, line=getattr(extra, "line", data.line))
        files = _file_list(files, "rules", name, where, getattr(extra, "line", data.line))
        stage = stages[by_name[name]]
        stages[by_name[name]] = replace(
            stage, rules=stage.rules + tuple(str(_resolve(path, f)) for f in files))
    removed = data.get("remove_rules", {}) or {}
    if not isinstance(removed, dict):
        raise RuleError("'remove_rules' must map stage names to lists of rule files", path=where,
                        line=data.line)
    for name, files in removed.items():
        if name not in by_name:
            raise RuleError(f"'remove_rules' names unknown stage {name!r}; stages: {', '.join(names)}",
                            path=where, line=data.line)
        stage = stages[by_name[name]]
        for file in _file_list(files, "remove_rules", name, where, data.line):
            # a bundled file ("packs/dev_tools.yaml") or one next to this pipeline file
            matches = {str(_resolve(path, file)), str((BUNDLED_DIR / file).resolve())} & set(stage.rules)
            if not matches:
                raise RuleError(f"stage {name!r} does not read {file!r}; it reads: "
                                f"{', '.join(stage.rules)}", path=where, line=data.line)
            stage = replace(stage, rules=tuple(f for f in stage.rules if f not in matches))
        stages[by_name[name]] = stage
    style = _style(data.get("style", {}) or {}, base.style, where, data.line)
    timeout = data.get("line_timeout", base.line_timeout)
    if not isinstance(timeout, (int, float)) or timeout <= 0:
        raise RuleError("'line_timeout' must be a positive number of seconds", path=where, line=data.line)
    return PipelineSpec(path=where, stages=tuple(stages), style=style, line_timeout=float(timeout))


def build_stage(spec: StageSpec, style: Style, index: TriggerIndex | None = None) -> RuleStage:
    """Read a stage's rule files and build the stage (`index`: the pipeline's triggers)."""
    cls = STAGES[spec.kind]
    files = read_rule_files(list(spec.rules), cls.TABLES)
    # Tables are merged file by file, so that a bad entry is blamed on the file that adds it.
    tables, defines, where = {}, None, (spec.rules[-1], None)
    for number, (path, data) in enumerate(files):
        if cls.TABLES & set(data):
            tables, where = merge_tables(files[:number + 1], cls.TABLES), (path, data.line)
            defines = _with_tables(cls.table_defines, tables, spec.name, where)
    if defines is None:
        defines = _with_tables(cls.table_defines, tables, spec.name, where)
    rules = load_rules(files, defines)
    return _with_tables(lambda tables: cls(spec.name, rules, tables, style, index), tables,
                        spec.name, where)


def _with_tables(build, tables: dict, stage: str, where: "tuple[str, int | None]"):
    """`build(tables)`; a table entry of the wrong shape is the rule file's mistake (`where`:
    the file, and line, that added the last tables)."""
    try:
        return build(tables)
    except (KeyError, TypeError, ValueError, AttributeError, IndexError) as error:
        path, line = where
        raise RuleError(f"stage {stage!r}: bad table entry ({type(error).__name__}: {error}); "
                        f"see the stage's tables in its bundled rule file for the shape",
                        path=path, line=line) from None


class Pipeline:
    """Stages in order. `normalize(text)` returns a Result; the object pickles as its spec."""

    def __init__(self, spec: PipelineSpec):
        self.spec = spec
        self.style = spec.style
        self.index = TriggerIndex()   # one trigger mask per line serves every stage
        self.stages = [build_stage(stage, spec.style, self.index)
                       for stage in spec.stages if stage.enabled]
        prefilter.flush()   # the analyses of new patterns, for the next process to start from
        self._plans: dict[int, tuple] = {}
        self._plans_for: "list[RuleStage] | None" = None
        self._plan_bits = [0, 0]
        self._direct: "tuple[bool, ...]" = ()   # per stage: a RuleStage, called as its parts

    def __reduce__(self):
        return (Pipeline, (self.spec,))

    def stage(self, name: str) -> RuleStage:
        for stage in self.stages:
            if stage.name == name:
                return stage
        raise KeyError(f"no stage {name!r}; stages: {', '.join(s.name for s in self.stages)}")

    def normalize(self, text: str, trace: list | None = None) -> Result:
        """Normalize one text. With `trace` (a list), append (stage, text, rule ids) per stage.

        The stages run again over their own output until it stops changing (at most
        MAX_PASSES): a later stage can make the context an earlier rule needs ("Dr. $2" ->
        "Dr. Two dollars", where "Dr." is a title), and normalizing the output again must
        change nothing. A line that has not settled by then is flagged.

        A line the pipeline cannot finish in `line_timeout` seconds (budget.py) is passed
        through and flagged, never dropped, and never allowed to end a run of millions of
        lines; so is a line a stage fails on."""
        where = ["pipeline"]   # the stage at work, for the flag of a line out of time
        try:
            with LineBudget(self.spec.line_timeout) as budget:
                return self._normalize(text, trace, budget, where)
        except LineTimeout:
            reason = f"took longer than {self.spec.line_timeout:g} s; passed through unchanged"
            return _passed_through(text, where[0], "timeout", reason)

    def _normalize(self, text: str, trace: list | None, budget: LineBudget, where: list[str]) -> Result:
        original = text
        changes: list[Change] = []
        flags: list[tuple[str, Flag, tuple[int, int]]] = []
        alignment = None               # made at the first change or flag
        stages = self.stages
        count = len(stages)
        mask = self.index.mask(text)   # which rules the line can trigger (triggers.py)
        actives = self._actives(mask)
        direct = self._direct
        timer = budget.timer           # (then searches need no timeout of their own)
        last_change = -1               # the step that last changed the text
        ran_at = [-1] * count          # per stage: the step it last ran at
        # per stage: the flags it raised at its last run and did not act on
        raised: dict[int, list[tuple[str, Flag, tuple[int, int]]]] = {}
        for number in range(MAX_PASSES):
            changed = False
            for index, stage in enumerate(stages):
                if ran_at[index] > last_change:
                    continue   # it saw this very text in the last pass and changed nothing
                step = ran_at[index] = number * count + index
                output = None
                where[0] = stage.name
                try:
                    active = actives[index]
                    if active and direct[index]:   # (what `stage(text)` does, one call less)
                        deadline = None if timer else budget.deadline_left()
                        chosen = stage.candidates(text, mask, deadline, active)
                        if chosen:
                            output = stage.edits(text, chosen, deadline)
                    elif active:
                        output = stage(text, None if timer else budget.timeout(), mask, active)
                    if not output:   # most stages find nothing on most lines
                        if raised:
                            raised.pop(index, None)
                        if trace is not None:
                            trace.append((_trace_name(stage, number), text, []))
                        continue
                    if alignment is None:
                        alignment = Alignment()
                    edits = [item for item in output if isinstance(item, Edit)]
                    problem = check_edits(edits, len(text))
                    if problem:
                        raise RuleError(f"returned bad edits: {problem}")
                    edited = {(edit.start, edit.end, edit.rule) for edit in edits}
                    raised.pop(index, None)
                    for flag in output:   # mapped to the original before this stage's edits are
                        if isinstance(flag, Flag):
                            entry = (stage.name, flag, alignment.to_original(flag.start, flag.end))
                            # a flag on an applied edit stays; one left unread counts in the last pass
                            if (flag.start, flag.end, flag.rule) in edited:
                                flags.append(entry)
                            else:
                                raised.setdefault(index, []).append(entry)
                    stage_changes = []
                    for count_recorded, edit in enumerate(reversed(edits)):
                        if count_recorded % 1024 == 1023:
                            budget.timeout()   # recording is linear per edit: bounded too
                        src = alignment.record(edit.start, edit.end, len(edit.new))
                        stage_changes.append(Change(stage.name, edit.rule, (edit.start, edit.end),
                                                    src, text[edit.start:edit.end], edit.new, step))
                except TimeoutError:   # a search's own timeout, where there is no timer
                    raise LineTimeout() from None
                except Exception as error:
                    reason = (f"INTERNAL ERROR in stage {stage.name!r} ({type(error).__name__}: "
                              f"{str(error)[:200]}); passed through unchanged; this is a bug, please report it")
                    return _passed_through(original, stage.name, "error", reason)
                changes.extend(reversed(stage_changes))
                if edits:
                    text = apply_edits(text, edits)
                    mask = self.index.mask(text)
                    actives = self._actives(mask)
                    last_change = step
                    changed = True
                if trace is not None:
                    trace.append((_trace_name(stage, number), text, [item.rule for item in output]))
            if not changed:
                break
        if not changes and not flags and not raised:
            return Result(text)
        unsettled = []
        if changed:
            unsettled = [("pipeline", Flag(0, len(text), f"the text still changed after {MAX_PASSES} "
                                           "passes", "unsettled"), (0, len(original)))]
        return Result(text, tuple(changes), tuple(
            Flagged(stage, flag.rule, src, original[src[0]:src[1]], flag.reason)
            for stage, flag, src in flags + [entry for index in sorted(raised) for entry in raised[index]]
            + unsettled))

    def _actives(self, mask: int) -> tuple:
        """Per stage, what its `active` says for a line with this mask (cached here by the
        bits any stage looks at: a line asks once, not once a stage)."""
        if self._plans_for != self.stages:   # (the stage list was changed; no copy a line)
            self._plans, self._plans_for = {}, list(self.stages)
            self._plan_bits = [0, 0]
            self._direct = tuple(type(stage).__call__ is RuleStage.__call__ for stage in self.stages)
            for stage in self.stages:
                for ascii in (0, 1):
                    self._plan_bits[ascii] |= stage.active_bits[ascii]
        ascii = mask & ASCII_LINE
        key = (mask & self._plan_bits[ascii]) | ascii
        found = self._plans.get(key)
        if found is None:
            if len(self._plans) > 4096:
                self._plans.clear()
            found = self._plans[key] = tuple(stage.active(mask) for stage in self.stages)
        return found

    def normalize_batch(self, texts: Iterable[str]) -> list[Result]:
        """Normalize many texts (worker processes; `integrations.BatchNormalizer` for dataframes)."""
        with ticking(self.spec.line_timeout):
            return [self.normalize(text) for text in texts]


def _trace_name(stage: RuleStage, number: int) -> str:
    return stage.name if number == 0 else f"{stage.name} (pass {number + 1})"


def _passed_through(original: str, stage: str, rule: str, reason: str) -> Result:
    """The Result of a line left as it was: one flag over the whole line says why."""
    return Result(original, (), (Flagged(stage, rule, (0, len(original)), original, reason),))


def load(path: str | Path | None = None) -> Pipeline:
    """The bundled default pipeline, or the pipeline file at `path`."""
    return Pipeline(read_spec(path))
