"""RuleStage: the mechanism every stage shares. Its knowledge comes from rule files.

- All rules of a stage are compiled into one alternation and matched in a single scan of
  the stage's input: the leftmost match wins; at the same position, the rule listed first.
  Rules never see each other's output; cascades happen only between stages.
- A rule's output is a `replace` template or a `say` verbalizer call. A template holds
  literal text, `\\g<group>` for a group's text and `{verbalizer}` / `{verbalizer:group}` for
  a verbalizer applied to the whole match or to one group.
- A verbalization that starts a sentence is capitalized ("7 billion" -> "Seven billion").
- A `words` rule carries the matched text's capitalization over ("Lama" -> "Llama",
  "chat gpt" at a sentence start -> "ChatGPT" stays as written).

>>> from normalizer.rules import parse_rules
>>> stage = RuleStage("demo", parse_rules([
...     {"id": "num", "pattern": r"\\d+", "replace": "{cardinal}"}], "demo.yaml"))
>>> stage("7 cats and 12 dogs")
[Edit(start=0, end=1, new='Seven', rule='num'), Edit(start=11, end=13, new='twelve', rule='num')]
"""

from __future__ import annotations

import time
import unicodedata
from typing import Callable

import regex

from .. import verbalize
from ..edits import Edit, Flag
from ..errors import RuleError
from ..prefilter import compiled_before, first_characters, remember_compiled
from ..rules import Rule, check_pattern
from ..verbalize import DEFAULT_STYLE, Style

# A verbalizer: (match, group name or None, rule args, style) -> spoken text.
Sayer = Callable[[regex.Match, "str | None", dict, Style], str]
GROUP_NAME_RE = regex.compile(r"\(\?P?<([^\W\d]\w*)>")
CALL_RE = regex.compile(r"\{\{|\}\}|\{([a-z_]+)(?::([A-Za-z_][A-Za-z0-9_]*))?\}")
GROUP_RE = regex.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# A numbered group in a template (\1, \g<1>): rules are combined into one pattern, so numbers shift.
NUMBERED_RE = regex.compile(r"(?<!\\)(?:\\\\)*\\(?:g<[1-9][0-9]*>|[1-9])")
OPENING = "\"'“‘([«"
SENTENCE_END = ".!?"


def group_text(match: regex.Match, group: str | None) -> str:
    """The text of `group` (the whole match when None or when the group did not take part)."""
    if group is None:
        return match.group(0)
    try:
        text = match.group(group)
    except IndexError:
        raise RuleError(f"the pattern has no group named {group!r}") from None
    return match.group(0) if text is None else text


def _number_sayer(function: Callable[..., str]) -> Sayer:
    return lambda match, group, args, style: function(group_text(match, group), style=style)


def say_fraction(match: regex.Match, group: str | None, args: dict, style: Style) -> str:
    """Reads the groups `numerator` and `denominator`."""
    return verbalize.fraction(match.group("numerator"), match.group("denominator"), style=style)


def say_digits(match: regex.Match, group: str | None, args: dict, style: Style) -> str:
    """Digit by digit; other characters (dashes, dots) become `args.separator` (default: space)."""
    separator = args.get("separator", " ")
    pieces = regex.split(r"[^0-9]+", group_text(match, group))
    return separator.join(verbalize.digits(piece, zero=args.get("zero", "zero"))
                          for piece in pieces if piece)


def say_roman(match: regex.Match, group: str | None, args: dict, style: Style) -> str:
    """A Roman numeral as a cardinal, or as an ordinal with `args.ordinal: true`."""
    value = verbalize.roman_value(group_text(match, group))
    if value is None:
        return group_text(match, group)
    reading = verbalize.ordinal if args.get("ordinal") else verbalize.cardinal
    return reading(str(value), style=style)


GENERIC_SAYERS: dict[str, Sayer] = {
    "cardinal": _number_sayer(verbalize.cardinal),
    "decimal": _number_sayer(verbalize.number_words),
    "ordinal": _number_sayer(verbalize.ordinal),
    "year": _number_sayer(verbalize.year),
    "decade": _number_sayer(verbalize.decade),
    "digits": say_digits,
    "fraction": say_fraction,
    "roman": say_roman,
    "letters": lambda match, group, args, style: verbalize.letters(group_text(match, group)),
    "nfc": lambda match, group, args, style: unicodedata.normalize("NFC", group_text(match, group)),
}


# The generic verbalizers that read the group they are given (fraction reads its own two).
GROUP_SAYERS = [sayer for name, sayer in GENERIC_SAYERS.items() if name != "fraction"]


def starts_sentence(text: str, position: int, consumed: int = 0) -> bool:
    """True if `position` starts the text or follows [.!?] and space (and opening quotes).

    A period before `consumed` belonged to an earlier match of the same scan ("2 lbs. 2 oz."):
    it was an abbreviation's, not a sentence end.

    >>> starts_sentence("It is. 7 more", 7), starts_sentence("2 lbs. 2 oz.", 7, consumed=6)
    (True, False)
    """
    i = position
    while i > 0 and text[i - 1] in OPENING:
        i -= 1
    if i == 0:
        return True
    if not text[i - 1].isspace():
        return False
    while i > 0 and text[i - 1].isspace():
        i -= 1
    return i > consumed and text[i - 1] in SENTENCE_END


def carry_case(old: str, new: str) -> str:
    """Give `new` the capitalization of `old` where that is meaningful.

    >>> carry_case("Lama", "llama"), carry_case("LAMA", "llama"), carry_case("lama", "Llama")
    ('Llama', 'LLAMA', 'Llama')
    """
    if not new or not old[:1].isalpha():
        return new
    if old.isupper() and len(old) > 1 and new.islower():
        return new.upper()
    if old[0].isupper() and new[0].islower():
        return new[0].upper() + new[1:]
    return new


class Template:
    """A compiled `replace` template: literal pieces and verbalizer calls."""

    __slots__ = ("parts", "literal")

    def __init__(self, template: str, sayers: dict[str, Sayer], rule: Rule):
        self.parts: list[tuple[str, str | None, Sayer | None]] = []
        position = 0
        for call in CALL_RE.finditer(template):
            literal = template[position:call.start()]
            if call.group(0) in ("{{", "}}"):
                literal += call.group(0)[0]
            elif call.group(1) not in sayers:
                raise RuleError(f"rule {rule.id!r}: unknown verbalizer {{{call.group(1)}}}; known: "
                                f"{', '.join(sorted(sayers))}", path=rule.path, line=rule.line)
            self.parts.append((literal, None, None))
            if call.group(1):
                self.parts.append(("", call.group(2), sayers[call.group(1)]))
            position = call.end()
        self.parts.append((template[position:], None, None))
        self.parts = [part for part in self.parts if part[0] or part[2]]
        self.literal = all(sayer is None for _, _, sayer in self.parts) and "\\" not in template
        self._check(template, rule)

    def _check(self, template: str, rule: Rule) -> None:
        """Refuse at load what would fail on every line the rule matches: a group the pattern
        does not have, a numbered group, a bad escape."""
        groups = dict.fromkeys(GROUP_NAME_RE.findall(rule.pattern))   # no compile: that is the stage's
        probe = regex.match("".join(f"(?P<{name}>)" for name in groups), "")
        for literal, group, sayer in self.parts:
            problem = None
            # a stage's own verbalizer may read its group name its own way ("from" -> from_hour)
            if group is not None and group not in groups and sayer in GROUP_SAYERS:
                problem = f"names the group {group!r}, which the pattern does not have"
            elif "\\" in literal and NUMBERED_RE.search(literal):
                problem = "refers to a group by number; name it: (?P<name>...) and \\g<name>"
            elif "\\" in literal:
                try:
                    probe.expand(literal)
                except (regex.error, IndexError) as error:
                    problem = f"cannot be expanded ({error})"
            if problem:
                raise RuleError(f"rule {rule.id!r}: the template {template!r} {problem}; the "
                                f"pattern's groups: {', '.join(groups) or 'none'}",
                                path=rule.path, line=rule.line)

    def render(self, match: regex.Match, args: dict, style: Style) -> str:
        pieces = []
        for literal, group, sayer in self.parts:
            if sayer is not None:
                pieces.append(sayer(match, group, args, style))
            elif "\\" in literal:
                pieces.append(match.expand(literal))
            else:
                pieces.append(literal)
        return "".join(pieces)


class Scanner:
    """Some rules of a stage compiled into one alternation, with a first-character pre-check.

    Compiling a stage's pattern is most of a run's start-up, so a pattern that has compiled
    before (prefilter's cache) is compiled when a line first needs it; a new one is compiled,
    and so checked, at load. `compile_seconds` is the time spent compiling on first need,
    which the pipeline leaves out of a line's time budget.
    """

    __slots__ = ("stage", "rules", "source", "_regex", "precheck", "groups", "compile_seconds")

    def __init__(self, stage: str, rules: list[tuple[int, Rule]]):
        self.stage, self.rules = stage, rules
        alternatives = "|".join(f"(?P<_r{index}>{rule.pattern})" for index, rule in rules)
        start = first_characters(alternatives)
        self.source = alternatives if start is None else f"(?={start})(?:{alternatives})"
        self.precheck = None if start is None else regex.compile(start)
        self._regex: regex.Pattern | None = None
        self.compile_seconds = 0.0
        if not compiled_before(self.source):
            self._compile()

    @property
    def regex(self) -> regex.Pattern:
        if self._regex is None:
            started = time.perf_counter()
            self._compile()
            self.compile_seconds += time.perf_counter() - started
        return self._regex

    def _compile(self) -> None:
        try:
            compiled = regex.compile(self.source)
        except regex.error as error:
            for _, rule in self.rules:   # name the rule at fault, with its file and line
                check_pattern(rule)
            raise RuleError(f"stage {self.stage!r}: rules do not combine into one pattern ({error}); "
                            f"use named groups, not numbered back-references",
                            path=self.rules[0][1].path) from None
        if self.precheck is None and compiled.search(""):
            for _, rule in self.rules:   # a rule that matches the empty string edits everywhere
                check_pattern(rule)
        # (group number of the rule's wrapper group, rule index), in rule order
        self.groups = [(compiled.groupindex[f"_r{index}"], index) for index, _ in self.rules]
        self._regex = compiled
        remember_compiled(self.source)

    def rule_index(self, match: regex.Match) -> int:
        spans = match.regs
        for group, index in self.groups:
            if spans[group][0] != -1:
                return index
        raise AssertionError("a match that belongs to no rule")


class RuleStage:
    """A stage built from rules; subclasses add verbalizers and read tables.

    Subclasses set TABLES (top-level rule-file keys they read) and may override
    `table_defines` (named patterns built from tables, e.g. {UNIT}) and `sayers`.
    """

    TABLES: frozenset[str] = frozenset()

    def __init__(self, name: str, rules: list[Rule], tables: dict | None = None,
                 style: Style = DEFAULT_STYLE):
        self.name = name
        self.style = style
        self.tables = tables or {}
        self.rules = list(rules)
        sayers = self.sayers()
        self.outputs: list[tuple[Rule, Template | None]] = []
        for rule in self.rules:
            if rule.say is not None:
                if rule.say not in sayers:
                    raise RuleError(f"rule {rule.id!r}: unknown verbalizer {rule.say!r}; known: "
                                    f"{', '.join(sorted(sayers))}", path=rule.path, line=rule.line)
                group = rule.args.get("group")
                if group is not None and not (isinstance(group, str) and GROUP_RE.fullmatch(group)):
                    raise RuleError(f"rule {rule.id!r}: 'args: group' must name a group of the "
                                    f"pattern, not {group!r}", path=rule.path, line=rule.line)
                template = Template("{" + rule.say + (":" + group if group else "") + "}",
                                    sayers, rule)
            elif rule.replace is not None:
                template = Template(rule.replace, sayers, rule)
            else:
                template = None
            self.outputs.append((rule, template))
        # Rules with a `when` hint are left out of the everyday scanner; a line where any
        # hint occurs gets the scanner of all rules. Both are compiled now, at load.
        hints = sorted({rule.when for rule in self.rules if rule.when})
        self.hint = regex.compile("|".join(f"(?:{hint})" for hint in hints)) if hints else None
        unhinted = [(i, rule) for i, rule in enumerate(self.rules) if not rule.when]
        self.everyday = Scanner(self.name, unhinted) if unhinted else None
        self.full = Scanner(self.name, list(enumerate(self.rules))) if hints else self.everyday

    @classmethod
    def table_defines(cls, tables: dict) -> dict[str, str]:
        """Named sub-patterns computed from the stage's tables, usable as {NAME} in rules."""
        return {}

    def sayers(self) -> dict[str, Sayer]:
        return dict(GENERIC_SAYERS)

    def compile_seconds(self) -> float:
        """Time this stage has spent compiling its patterns on first need."""
        return sum(scanner.compile_seconds for scanner in {self.everyday, self.full} if scanner)

    def scanner(self, text: str, timeout: float | None) -> "Scanner | None":
        """The scanner for this line: all rules if a `when` hint occurs in it."""
        if self.hint is None or not self.hint.search(text, timeout=timeout):
            return self.everyday
        return self.full

    def __call__(self, text: str, timeout: float | None = None) -> list[Edit | Flag]:
        scanner = self.scanner(text, timeout)   # `when` hints are user patterns: bounded too
        # The pre-check is a character class: it cannot backtrack, so it needs no timeout.
        if scanner is None or (scanner.precheck is not None and not scanner.precheck.search(text)):
            return []
        results: list[Edit | Flag] = []
        consumed = 0
        for match in scanner.regex.finditer(text, timeout=timeout):
            rule, template = self.outputs[scanner.rule_index(match)]
            start, end = match.span()
            if end < len(text) and unicodedata.category(text[end])[0] == "M":
                continue   # the match would split a letter from its accent: leave it be
            old = match.group(0)
            if template is not None:
                new = template.render(match, rule.args, self.style)
                if rule.keep_case:
                    new = carry_case(old, new)
                if (self.style.capitalize_sentence_start and new[:1].islower()
                        and not old[:1].islower() and starts_sentence(text, start, consumed)):
                    new = new[0].upper() + new[1:]
                if new != old:
                    results.append(Edit(start, end, new, rule.id))
            if rule.flag is not None:
                results.append(Flag(start, end, rule.flag, rule.id))
            consumed = end
        return results
