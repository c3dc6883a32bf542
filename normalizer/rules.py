"""Load and validate rule files: YAML in, `Rule` objects out, every error naming file and line.

A rule file is a mapping with a `rules:` list, and optionally `define:` (named sub-patterns
that patterns use as `{NAME}`), `include:` (other rule files, merged first) and tables that
the stage reading the file knows about (units, currencies, a lexicon...).

>>> rules = parse_rules([{"id": "ok", "words": ["OK"], "replace": "okay",
...                       "examples": [["OK, go.", "okay, go."]]}], "inline.yaml")
>>> rules[0].pattern
'(?<!\\\\w)(?:OK)(?!\\\\w)'
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import regex
import yaml

from .errors import RuleError
from .prefilter import compile_pattern, read_once

RULE_KEYS = {"id", "words", "pattern", "replace", "say", "args", "flag", "ignore_case",
             "keep_case", "loose", "when", "examples", "keep", "note", "disable"}
FILE_KEYS = {"rules", "define", "include"}
DEFINE_RE = regex.compile(r"(?<!\\[pPN])\{([A-Z][A-Z0-9_]*)\}")  # not \p{L}
RESERVED_GROUP_RE = regex.compile(r"\(\?P?<_")
# \1 or \g<1> outside a character class: a back-reference by number
# a numbered back-reference; escapes and character classes are read past whole ("\\1", "[\\1]")
NUMBERED_REFERENCE_RE = regex.compile(r"(?P<reference>\\(?:g<[0-9]+>|[1-9]))|\\.|\[(?:\\.|[^\]])*\]")
ID_RE = regex.compile(r"[a-z0-9][a-z0-9_.-]*")
MAX_YAML_VALUES = 5_000_000
MAX_PATTERN = 100_000       # characters: a rule this large compiles and scans slowly


class LineDict(dict):
    """A YAML mapping that remembers the line it started on."""

    line: int = 0


class _LineLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
    """The safe loader (no object construction from tags), in C where libyaml is available,
    whose mappings know their line."""


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> LineDict:
    loader.flatten_mapping(node)
    mapping = LineDict()
    mapping.line = node.start_mark.line + 1
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in mapping:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark)
        mapping[key] = loader.construct_object(value_node, deep=True)
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def load_yaml(path: str | Path) -> Any:
    """Read a YAML file safely; syntax errors become a RuleError with the line. (What a file
    held is kept on disk until it changes: prefilter.read_once.)"""
    return read_once(str(path), _parse_yaml)


def _parse_yaml(path: str) -> Any:
    try:
        with open(path, encoding="utf-8") as handle:
            data = yaml.load(handle, Loader=_LineLoader)
        size = _expanded_size(data, {})
    except FileNotFoundError:
        raise RuleError("file not found", path=path) from None
    except OSError as error:
        raise RuleError(f"cannot read the file: {error.strerror}", path=path) from None
    except UnicodeDecodeError as error:
        raise RuleError(f"not valid UTF-8 ({error.reason} at byte {error.start})", path=path) from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        problem = getattr(error, "problem", None) or str(error)
        if "nesting depth" in problem:   # PyYAML 6.0.4 and later stop there themselves
            problem = "lists or mappings nested too deeply"
        raise RuleError(f"invalid YAML: {problem}", path=path,
                        line=mark.line + 1 if mark else None) from None
    except RecursionError:
        raise RuleError("invalid YAML: lists or mappings nested too deeply", path=path) from None
    if size > MAX_YAML_VALUES:   # "billion laughs": aliases of aliases
        raise RuleError(f"more than {MAX_YAML_VALUES:,} values once its aliases (*name) are "
                        f"expanded; that is not a rule file", path=path)
    return data


def _expanded_size(value: Any, seen: dict[int, int]) -> int:
    """How many values `value` holds with every alias expanded (each shared node counted once)."""
    if not isinstance(value, (dict, list)):
        return 1
    if id(value) not in seen:
        items = [*value.keys(), *value.values()] if isinstance(value, dict) else value
        seen[id(value)] = 1 + sum(_expanded_size(item, seen) for item in items)
    return seen[id(value)]


@dataclass(frozen=True, slots=True)
class Rule:
    """One rule: a matcher, an output, and the examples that test it."""

    id: str
    pattern: str                      # `regex` syntax, defines expanded
    replace: str | None = None        # template with \g<name>
    say: str | None = None            # a verbalizer name known to the stage
    args: dict = field(default_factory=dict)
    flag: str | None = None           # reason: the output is a default that context could not settle
    keep_case: bool = False           # carry the matched text's capitalization over to the output
    when: str | None = None           # speed hint: try the rule only on lines where this occurs
    examples: tuple[tuple[str, str], ...] = ()
    keep: tuple[str, ...] = ()
    path: str = ""
    line: int = 0
    disable: bool = False

    @property
    def where(self) -> str:
        return f"{self.path}:{self.line}"


# Where a recognizer may split or join a name: case changes, letter/digit changes, and
# existing spaces, hyphens and dots ("ChatGPT", "Chat GPT", "chat-gpt", "Meta.ai").
NAME_PIECE_RE = regex.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+|[^\sA-Za-z0-9.\-_]+")


def loose_word(word: str) -> str:
    r"""A pattern for `word` that allows any spacing, hyphen or dot between its pieces.

    >>> print(loose_word("ChatGPT"))
    Chat[\s.\-_]?GPT
    """
    return r"[\s.\-_]?".join(regex.escape(piece) for piece in NAME_PIECE_RE.findall(word))


def alternation(words) -> str:
    r"""A regex alternation of literal words, longest first (so "Sept" is tried before "Sep");
    a space matches any run of spaces; an empty list gives a pattern that never matches.
    Stages build their {NAMES} from tables with it.

    >>> print(alternation(["Sep", "Sept", "US$", "sq ft"]))
    sq\s+ft|Sept|Sep|US\$
    """
    words = list(words)
    if not all(isinstance(word, str) for word in words):
        raise ValueError(f"expected words, found {[w for w in words if not isinstance(w, str)]!r} "
                         "(quote YAML words like 'NO' and 'ON', which YAML reads as false)")
    ordered = sorted(set(words), key=lambda word: (-len(word), word))
    return "|".join(regex.escape(word).replace("\\ ", r"\s+") for word in ordered) or "(?!)"


def words_pattern(words: list[str], loose: bool = False) -> str:
    """A whole-word alternation; longer alternatives first so "chat GPT" wins over "chat".

    >>> words_pattern(["e.g.", "eg"])
    '(?<!\\\\w)(?:e\\\\.g\\\\.|eg)(?!\\\\w)'
    """
    if not loose:
        return rf"(?<!\w)(?:{alternation(words)})(?!\w)"
    alternatives = sorted(set(words), key=lambda word: (-len(word), word))   # the same in every process
    return r"(?<!\w)(?:" + "|".join(loose_word(word) for word in alternatives) + r")(?!\w)"


def expand_defines(pattern: str, defines: dict[str, str], path: str, line: int) -> str:
    """Replace each {NAME} by its definition, recursively, as a non-capturing group."""
    for _ in range(20):
        if "{" not in pattern or not DEFINE_RE.search(pattern):
            return pattern

        def substitute(match: regex.Match) -> str:
            name = match.group(1)
            if name not in defines:
                raise RuleError(f"pattern uses {{{name}}}, which is not defined; defined: "
                                f"{', '.join(sorted(defines)) or 'none'}", path=path, line=line)
            return f"(?:{defines[name]})"

        pattern = DEFINE_RE.sub(substitute, pattern)
        if len(pattern) > MAX_PATTERN:   # defines of defines grow exponentially
            raise RuleError(f"the pattern grows beyond {MAX_PATTERN:,} characters as its "
                            f"{{NAMES}} are expanded", path=path, line=line)
    raise RuleError("defines refer to each other in a cycle", path=path, line=line)


def _fail(message: str, path: str, line: int) -> RuleError:
    return RuleError(message, path=path, line=line)


def _string_list(value: Any, key: str, path: str, line: int) -> list[str]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _fail(f"'{key}' must be a list of strings", path, line)
    return value


def _examples(value: Any, path: str, line: int) -> tuple[tuple[str, str], ...]:
    if not isinstance(value, list):
        raise _fail("'examples' must be a list of [input, expected] pairs", path, line)
    pairs = []
    for example in value:
        if not (isinstance(example, list) and len(example) == 2
                and all(isinstance(side, str) for side in example)):
            raise _fail(f"example {example!r} must be a pair [input, expected] of strings", path, line)
        pairs.append((example[0], example[1]))
    return tuple(pairs)


def check_pattern(rule: "Rule") -> None:
    """Compile one rule's pattern alone; raise a RuleError naming its file and line if it is
    bad or matches the empty string."""
    try:
        compiled = regex.compile(rule.pattern)
    except regex.error as error:
        raise _fail(f"rule {rule.id!r}: bad pattern: {error}", rule.path, rule.line) from None
    if compiled.search(""):
        raise _fail(f"rule {rule.id!r}: pattern matches the empty string", rule.path, rule.line)


def parse_rule(raw: Any, path: str, defines: dict[str, str]) -> Rule:
    """Validate one rule mapping and compile its matcher to a pattern string."""
    line = getattr(raw, "line", 0)
    if not isinstance(raw, dict):
        raise _fail(f"a rule must be a mapping with an 'id', found {type(raw).__name__}", path, line)
    unknown = set(raw) - RULE_KEYS
    if unknown:
        raise _fail(f"unknown key(s) {', '.join(sorted(map(str, unknown)))} in rule "
                    f"{raw.get('id')!r}; known: {', '.join(sorted(RULE_KEYS))}", path, line)
    rule_id = raw.get("id")
    if not isinstance(rule_id, str) or not ID_RE.fullmatch(rule_id):
        raise _fail(f"rule id {rule_id!r} must be a lowercase kebab-case string like 'per-hour'",
                    path, line)
    if raw.get("disable"):
        return Rule(id=rule_id, pattern="", path=path, line=line, disable=True)
    has_words, has_pattern = "words" in raw, "pattern" in raw
    if has_words == has_pattern:
        raise _fail(f"rule {rule_id!r} needs exactly one matcher: 'words' or 'pattern'", path, line)
    if has_words:
        words = _string_list(raw["words"], "words", path, line)
        if not words or not all(word.strip() for word in words):
            raise _fail(f"rule {rule_id!r}: 'words' needs words; an empty one matches the empty "
                        f"string, everywhere", path, line)
        pattern = words_pattern(words, bool(raw.get("loose")))
    else:
        if not isinstance(raw["pattern"], str) or not raw["pattern"]:
            raise _fail(f"rule {rule_id!r}: 'pattern' must be a non-empty string", path, line)
        pattern = expand_defines(raw["pattern"], defines, path, line)
    if raw.get("ignore_case") or raw.get("loose"):
        pattern = f"(?i:{pattern})"
    if len(pattern) > MAX_PATTERN:
        raise _fail(f"rule {rule_id!r}: its pattern is {len(pattern):,} characters, more than "
                    f"{MAX_PATTERN:,}; a pattern this large compiles and matches slowly", path, line)
    # The pattern is compiled by the stage (stages/base.py: RulePattern; kept on disk by
    # prefilter.compile_pattern).
    if RESERVED_GROUP_RE.search(pattern):
        raise _fail(f"rule {rule_id!r}: group names starting with '_' are reserved", path, line)
    if any(found.group("reference") for found in NUMBERED_REFERENCE_RE.finditer(pattern)):
        # a stage's rules must combine into one alternation, where numbers shift
        raise _fail(f"rule {rule_id!r}: refers to a group by number; use named groups: "
                    f"(?P<name>...) and (?P=name)", path, line)
    outputs = [key for key in ("replace", "say") if key in raw]
    if len(outputs) > 1:
        raise _fail(f"rule {rule_id!r} has both 'replace' and 'say'; keep one", path, line)
    if not outputs and "flag" not in raw:
        raise _fail(f"rule {rule_id!r} needs an output: 'replace', 'say', or 'flag'", path, line)
    for key in ("replace", "say", "flag"):
        if key in raw and not isinstance(raw[key], str):
            raise _fail(f"rule {rule_id!r}: '{key}' must be a string", path, line)
    examples = _examples(raw.get("examples", []), path, line)
    when = raw.get("when")
    if when is not None:
        if not isinstance(when, str):
            raise _fail(f"rule {rule_id!r}: 'when' must be a pattern string", path, line)
        when = expand_defines(when, defines, path, line)
        try:
            hint = compile_pattern(when)
        except (regex.error, TypeError) as error:
            raise _fail(f"rule {rule_id!r}: bad 'when' pattern: {error}", path, line) from None
        for text, _ in examples:
            if not hint.search(text):
                raise _fail(f"rule {rule_id!r}: example {text!r} does not contain its "
                            f"'when' pattern {when!r}, so the rule would never see it", path, line)
    args = raw.get("args", {})
    if not isinstance(args, dict):
        raise _fail(f"rule {rule_id!r}: 'args' must be a mapping", path, line)
    return Rule(
        id=rule_id, pattern=pattern, replace=raw.get("replace"), say=raw.get("say"),
        args=dict(args), flag=raw.get("flag"),
        keep_case=bool(raw.get("keep_case", has_words)), when=when,
        examples=examples,
        keep=tuple(_string_list(raw.get("keep", []), "keep", path, line)),
        path=path, line=line,
    )


def parse_rules(raw_rules: Any, path: str, defines: dict[str, str] | None = None) -> list[Rule]:
    """Validate a list of rule mappings; ids must be unique within the list."""
    if not isinstance(raw_rules, list):
        raise RuleError("'rules' must be a list of rules", path=path)
    rules: list[Rule] = []
    seen: dict[str, int] = {}
    for raw in raw_rules:
        rule = parse_rule(raw, path, defines or {})
        if rule.id in seen:
            raise _fail(f"duplicate rule id {rule.id!r} (first at line {seen[rule.id]})", path, rule.line)
        seen[rule.id] = rule.line
        rules.append(rule)
    return rules


def read_rule_files(paths: list[str], table_keys: frozenset[str] = frozenset(),
                    _including: tuple[str, ...] = ()) -> list[tuple[str, LineDict]]:
    """Read rule files and their includes (each include before its includer), unparsed."""
    files = []
    for path in map(str, paths):
        resolved = str(Path(path).resolve())
        if resolved in _including:
            chain = " -> ".join(_including + (resolved,))
            raise RuleError(f"include cycle: {chain}", path=path)
        data = load_yaml(path)
        if not isinstance(data, dict) or "rules" not in data:
            raise RuleError("a rule file must be a mapping with a 'rules:' list", path=path,
                            line=getattr(data, "line", 1))
        unknown = set(data) - FILE_KEYS - table_keys
        if unknown:
            known = ", ".join(sorted(FILE_KEYS | table_keys))
            raise RuleError(f"unknown top-level key(s) {', '.join(sorted(map(str, unknown)))}; "
                            f"known here: {known}", path=path, line=data.line)
        includes = _string_list(data.get("include", []), "include", path, data.line)
        for name in includes:
            included = Path(path).parent / name
            if not included.is_file():
                raise RuleError(f"include {name!r}: file not found ({included})", path=path, line=data.line)
        files += read_rule_files([str(Path(path).parent / name) for name in includes],
                                 table_keys, _including + (resolved,))
        files.append((path, data))
    return files


def merge_tables(files: list[tuple[str, LineDict]], table_keys: frozenset[str]) -> dict:
    """Tables of all files: lists are concatenated in file order, mappings updated."""
    tables: dict = {}
    for path, data in files:
        for key in table_keys & set(data):
            value, before = data[key], tables.get(key)
            if not isinstance(value, (list, dict)):
                raise RuleError(f"table '{key}' must be a list or a mapping", path=path,
                                line=data.line)
            if before is not None and type(before) is not type(value):
                kind = "list" if isinstance(before, list) else "mapping"
                raise RuleError(f"table '{key}' must be a {kind}, as in the files before this one",
                                path=path, line=data.line)
            tables[key] = before + value if isinstance(value, list) and before else (
                {**before, **value} if before else value)
    return tables


def file_defines(path: str, data: LineDict) -> dict[str, str]:
    raw = data.get("define", {})
    if not isinstance(raw, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in raw.items()):
        raise RuleError("'define' must map NAMES to pattern strings", path=path, line=data.line)
    return raw


def load_rules(files: list[tuple[str, LineDict]], defines: dict[str, str]) -> list[Rule]:
    """Parse the rules of every file in order; later files override earlier ones by id.

    Defines accumulate in file order, so a user file can use the bundled file's {NAMES}."""
    defines = dict(defines)
    merged: list[Rule] = []
    for path, data in files:
        defines.update(file_defines(path, data))
        merged = merge_rules(merged, parse_rules(data["rules"], path, defines))
    return merged


def merge_rules(base: list[Rule], overrides: list[Rule] | tuple[Rule, ...]) -> list[Rule]:
    """Rules of `overrides` replace same-id rules of `base` in place, or are appended;
    an override with `disable: true` removes the rule."""
    merged = list(base)
    position = {rule.id: index for index, rule in enumerate(merged)}
    for rule in overrides:
        if rule.id in position:
            merged[position[rule.id]] = rule
        else:
            position[rule.id] = len(merged)
            merged.append(rule)
    return [rule for rule in merged if not rule.disable]
