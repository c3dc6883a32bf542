"""RuleStage: the mechanism every stage shares. Its knowledge comes from rule files.

- A stage's rules behave as one alternation matched in a single scan of the stage's input:
  the leftmost match wins; at the same position, the rule listed first. Rules never see each
  other's output; cascades happen only between stages. (A line is tried only against the
  rules it can trigger, each searched alone, and their matches merged: see RuleStage.)
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

import re
import time
import unicodedata
from typing import Callable, NamedTuple

import ahocorasick
import regex

from .. import verbalize
from ..budget import compiling
from ..edits import Edit, Flag
from ..engines import SAMPLE, ascii_engine
from ..errors import RuleError
from ..prefilter import cached, compile_pattern, timed, with_lookahead
from ..rules import Rule, check_pattern
from ..triggers import ASCII_LINE, TriggerIndex, regex_fold, rule_gating, trie_pattern
from ..verbalize import DEFAULT_STYLE, Style

# A verbalizer: (match, group name or None, rule args, style) -> spoken text.
Sayer = Callable[[regex.Match, "str | None", dict, Style], str]
GROUP_NAME_RE = regex.compile(r"\(\?P?<([^\W\d]\w*)>")
CALL_RE = regex.compile(r"\{\{|\}\}|\{([a-z_]+)(?::([A-Za-z_][A-Za-z0-9_]*))?\}")
GROUP_RE = regex.compile(r"[A-Za-z_][A-Za-z0-9_]*")
NON_DIGITS_RE = regex.compile(r"[^0-9]+")
# A numbered group in a template (\1, \g<1>): rules are combined into one pattern, so numbers shift.
NUMBERED_RE = regex.compile(r"(?<!\\)(?:\\\\)*\\(?:g<[1-9][0-9]*>|[1-9])")
SCREEN_COST = 0.4   # a stage's screen covers rules whose strings are that rare (else it
                    # would pass every line)
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
    pieces = NON_DIGITS_RE.split(group_text(match, group))
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

    __slots__ = ("parts", "literal", "re_expands")

    def __init__(self, template: str, sayers: dict[str, Sayer], rule: Rule):
        self.parts: list[tuple[str, str | None, Sayer | None]] = []
        self.re_expands = True   # whether a `re` match expands it as a `regex` match does
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
        probe = compile_pattern("".join(f"(?P<{name}>)" for name in groups)).match("")
        for literal, group, sayer in self.parts:
            problem = None
            # a stage's own verbalizer may read its group name its own way ("from" -> from_hour)
            if group is not None and group not in groups and sayer in GROUP_SAYERS:
                problem = f"names the group {group!r}, which the pattern does not have"
            elif "\\" in literal and NUMBERED_RE.search(literal):
                problem = "refers to a group by number; name it: (?P<name>...) and \\g<name>"
            elif "\\" in literal:
                try:
                    expanded = probe.expand(literal)
                except (regex.error, IndexError) as error:
                    problem = f"cannot be expanded ({error})"
                else:   # `re` reads fewer escapes ("\\u00a0"): such a rule keeps to `regex`
                    try:
                        self.re_expands &= re.match(probe.re.pattern, "").expand(literal) == expanded
                    except (re.error, IndexError):
                        self.re_expands = False
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
    """Rules compiled into one alternation: leftmost match wins, then the rule listed first.

    What `scan` does pattern by pattern, exactly, including matches of the empty string;
    a stage uses it for a line where a rule matches the empty string, tests as a reference.
    """

    __slots__ = ("regex", "groups")

    def __init__(self, stage: str, rules: list[tuple[int, Rule]]):
        source = "|".join(f"(?P<_r{index}>{rule.pattern})" for index, rule in rules)
        try:
            with compiling():
                self.regex = regex.compile(source)
        except regex.error as error:
            for _, rule in rules:   # name the rule at fault, with its file and line
                check_pattern(rule)
            raise RuleError(f"stage {stage!r}: rules do not combine into one pattern ({error}); "
                            f"use named groups, not numbered back-references",
                            path=rules[0][1].path) from None
        # (group number of the rule's wrapper group, rule index), in rule order
        self.groups = [(self.regex.groupindex[f"_r{index}"], index) for index, _ in rules]

    def rule_index(self, match: regex.Match) -> int:
        spans = match.regs
        for group, index in self.groups:
            if spans[group][0] != -1:
                return index
        raise AssertionError("a match that belongs to no rule")


class RulePattern:
    """One rule's pattern, compiled (prefilter.compile_pattern keeps it on disk), and the
    trigger literals that gate it. A pattern that can start with few characters gets a
    leading lookahead of them, which lets the engine skip the positions where it cannot start.
    `ascii`: what lines of ASCII are searched with (engines.py: `re` where it is faster, and
    where `re`'s matches expand the rule's template as `regex`'s do: `may_use_re`).
    """

    __slots__ = ("rule", "source", "regex", "ascii", "gating")

    def __init__(self, rule: Rule, index: TriggerIndex, may_use_re: bool = True):
        self.rule = rule
        self.source = with_lookahead(rule.pattern)
        # per kind of line (any, ASCII): trigger bits, gates to check string by string, and
        # the strings for the stage's screen with their cost
        self.gating = []
        for ascii in (False, True):
            found = cached(f"gating:{int(ascii)}:", rule.pattern + "\0" + (rule.when or ""),
                           lambda _: rule_gating(rule.pattern, rule.when, ascii))
            bits = 0
            for keys in found["keys"]:
                bits |= index.bit(frozenset(keys), ascii)
            checks = [_check(gate) for gate in found["checks"]]
            self.gating.append((bits, checks, found["screen"]))
        try:
            compiled = compile_pattern(self.source)
        except regex.error:
            compiled = None
        if compiled is None or compiled.search(""):
            check_pattern(self.rule)   # names the rule, its file and line
            raise RuleError(f"rule {self.rule.id!r}: bad pattern", path=self.rule.path,
                            line=self.rule.line)
        self.regex: regex.Pattern = compiled
        self.ascii = ascii_engine(rule.pattern, compiled) if may_use_re else compiled


def _check(gate: list) -> tuple[bool, Callable[[str], object]]:
    """(whether to look in the casefolded line, a test for the gate's strings): `in` for one
    or two, else string_search's fastest way; a gate with casefolded strings is looked for
    casefolded as a whole."""
    folded = any(is_folded for _, is_folded in gate)
    strings = sorted({regex_fold(text) if folded else text for text, _ in gate})
    if len(strings) == 1:   # `in` costs a fraction of a search
        string = strings[0]
        return folded, lambda text: string in text
    if len(strings) == 2:
        first, second = strings
        return folded, lambda text: first in text or second in text
    return folded, string_search(set(strings), folded).search


class _Few:
    """Whether a text holds any of a few strings, by `in` one after another."""

    __slots__ = ("strings",)

    def __init__(self, strings: set[str]):
        self.strings = tuple(sorted(strings))

    def search(self, text: str) -> bool:
        for string in self.strings:
            if string in text:
                return True
        return False


class _Automaton:
    """Whether a text holds any of many strings, by Aho-Corasick: one pass, whatever the strings."""

    __slots__ = ("automaton",)

    def __init__(self, strings: set[str]):
        self.automaton = ahocorasick.Automaton(ahocorasick.STORE_INTS)
        for text in strings:
            self.automaton.add_word(text, 0)
        self.automaton.make_automaton()

    def search(self, text: str) -> bool:
        return next(self.automaton.iter(text), None) is not None


def _trie(strings: set[str]) -> re.Pattern:
    return re.compile(cached("trie:", "\0".join(sorted(strings)), lambda _: trie_pattern(strings)))


SEARCHES = {"few": _Few, "trie": _trie, "automaton": _Automaton}


def string_search(strings: set[str], folded: bool = False) -> "_Few | re.Pattern | _Automaton":
    """Something whose `search(text)` tells whether the text holds one of the strings
    (`folded`: the text will be casefolded). Of three ways, the fastest for these strings as
    timed once on lines that hold none of them, the common case (kept on disk with the other
    timings, prefilter.timed): `in` for each string, each at C speed but one pass a string; a
    trie pattern, which the `re` engine tries only where a string can start (fast when they
    start with rare characters, slow when with common letters); an Aho-Corasick automaton,
    one pass whatever the strings."""
    # (the ways' names are in the key: a choice of an earlier version's ways is timed anew)
    key = "|".join(SEARCHES) + ("\0folded\0" if folded else "\0") + "\0".join(sorted(strings))
    return SEARCHES[timed("string-search:", key, lambda _: _fastest(strings, folded))](strings)


def _fastest(strings: set[str], folded: bool) -> str:
    lines = [regex_fold(line) for line in SAMPLE] if folded else list(SAMPLE)
    lines = [line for line in lines if not any(text in line for text in strings)] or lines
    seconds = {}
    for way, make in SEARCHES.items():
        search, best = make(strings).search, float("inf")
        for _ in range(5):
            start = time.perf_counter()
            for line in lines:
                search(line)
            best = min(best, time.perf_counter() - start)
        seconds[way] = best
    return min(seconds, key=seconds.get)


class Triggers(NamedTuple):
    """A stage's rules as a kind of line (any, ASCII) gets to them; see RuleStage.__init__."""

    plain: tuple          # (trigger bits, rule number): tried as they are
    checked: tuple        # (trigger bits, (rule number, checks, hint)): tried if those hold
    screened: tuple       # the same, for the rules the stage's screen covers
    rarest: int           # a bit one of the screened rules needs (-1: some needs none)
    bits: int             # the bits of a mask `active` looks at
    screened_bits: int    # the bits the screened rules need


def _left(deadline: float) -> float:
    """Seconds left before the deadline, as a search's timeout."""
    return max(deadline - time.monotonic(), 0.001)


def scan(patterns: list[tuple[int, regex.Pattern]], text: str,
         deadline: float | None) -> "list[tuple[int, regex.Match]] | None":
    """The matches of one alternation of the patterns, in the order they were given, found
    pattern by pattern: the leftmost match wins, at the same position the pattern given
    first; the scan goes on after it. None when a pattern matches the empty string here,
    whose handling only the combined alternation gets exactly right.
    """
    def search(pattern: regex.Pattern, position: int) -> "regex.Match | None":
        if deadline is None:   # (even `timeout=None` costs the engine half a microsecond)
            return pattern.search(text, position)
        return pattern.search(text, position, timeout=_left(deadline))

    if len(patterns) == 1:
        index, pattern = patterns[0]
        matches = (pattern.finditer(text) if deadline is None else
                   pattern.finditer(text, timeout=_left(deadline)))
        found = []
        for match in matches:
            if match.start() == match.end():
                return None
            found.append((index, match))
        return found
    if deadline is None:
        upcoming = [pattern.search(text) for _, pattern in patterns]
    else:
        upcoming = [search(pattern, 0) for _, pattern in patterns]
    found, position = [], 0
    while True:
        best = chosen = None
        for slot, match in enumerate(upcoming):
            if match is not None and match.start() < position:
                match = upcoming[slot] = search(patterns[slot][1], position)
            if match is not None and (best is None or match.start() < best.start()):
                best, chosen = match, slot
        if best is None:
            return found
        if best.start() == best.end():
            return None
        found.append((patterns[chosen][0], best))
        position = best.end()


class RuleStage:
    """A stage built from rules; subclasses add verbalizers and read tables.

    Subclasses set TABLES (top-level rule-file keys they read) and may override
    `table_defines` (named patterns built from tables, e.g. {UNIT}) and `sayers`.

    A line is matched only against the rules it can trigger (triggers.py): the rules whose
    gates its characters and strings hold and whose `when` hint occurs in it. Together they
    behave as the alternation of all the stage's rules would.
    """

    TABLES: frozenset[str] = frozenset()

    def __init__(self, name: str, rules: list[Rule], tables: dict | None = None,
                 style: Style = DEFAULT_STYLE, index: TriggerIndex | None = None):
        self.name = name
        self.style = style
        self.tables = tables or {}
        self.rules = list(rules)
        self.index = index if index is not None else TriggerIndex()
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
        self.patterns = [RulePattern(rule, self.index, template is None or template.re_expands)
                         for rule, template in self.outputs]
        # one compiled pattern per distinct hint (rules.py checked them at load), and what
        # lines of ASCII are searched with
        hints = {rule.when: compile_pattern(rule.when) for rule in self.rules if rule.when}
        for_ascii = {when: ascii_engine(when, hint) for when, hint in hints.items()}
        self.hints = [hints.get(rule.when) if rule.when else None for rule in self.rules]
        ascii_hints = [for_ascii.get(rule.when) if rule.when else None for rule in self.rules]
        self.screens = [self._screen(ascii) for ascii in (0, 1)]
        # Per kind of line (any, ASCII), in rule order: (trigger bits, rule number) of the
        # rules tried as they are; (trigger bits, what to check) of the others, and of those
        # the screen covers; and the bits `active` looks at. Of a screened rule, only its
        # rarest bit counts there (whether any of them may be open), so that its bits do not
        # multiply the masks `active` tells apart (the others are looked at once the screen
        # lets a line by).
        self.triggers = []
        for ascii in (0, 1):
            covered = self.screens[ascii][2] if self.screens[ascii] else frozenset()
            plain, checked, screened, bits, rarest = [], [], [], 0, 0
            for number, pattern in enumerate(self.patterns):
                gates, checks = pattern.gating[ascii][0], pattern.gating[ascii][1]
                hint = (ascii_hints if ascii else self.hints)[number]
                if number in covered:
                    screened.append((gates, (number, checks, hint)))
                    rarest = -1 if gates == 0 or rarest == -1 else rarest | self.index.rarest(gates)
                    continue
                bits |= gates
                if checks or hint is not None:
                    checked.append((gates, (number, checks, hint)))
                else:
                    plain.append((gates, number))
            screened_bits = 0
            for gates, _ in screened:
                screened_bits |= gates
            self.triggers.append(Triggers(tuple(plain), tuple(checked), tuple(screened), rarest,
                                          bits | max(rarest, 0), screened_bits))
        # the bits of a line's mask `active` looks at, per kind of line
        self.active_bits = tuple(table.bits for table in self.triggers)
        self._active: dict[int, "tuple | None"] = {}   # trigger mask -> what `active` says
        self._open: dict[int, tuple] = {}              # and what `_screened_open` says
        self._combined: dict[tuple[int, ...], Scanner] = {}

    def _screen(self, ascii: int) -> "tuple[re.Pattern | _Automaton | None, re.Pattern | _Automaton | None, frozenset[int]] | None":
        """One search that rules out, on most lines, every rule with a gate of rare strings:
        the start of the longest piece of each string of each such rule's rarest gate, as one
        trie for the line and one for its casefold. (What holds a string holds every piece.)"""
        raw: set[str] = set()
        folded: set[str] = set()
        screened = set()
        for number, pattern in enumerate(self.patterns):
            screen = pattern.gating[ascii][2]
            if screen is not None and screen[0] <= SCREEN_COST:
                for text, is_folded in screen[1]:
                    (folded if is_folded else raw).add(text)
                screened.add(number)
        if not screened:
            return None
        if raw and folded:   # one search: all of them, casefolded, in the casefolded line
            folded |= {regex_fold(text) for text in raw}
            raw = set()
        return (string_search(raw) if raw else None,
                string_search(folded, folded=True) if folded else None, frozenset(screened))

    @classmethod
    def table_defines(cls, tables: dict) -> dict[str, str]:
        """Named sub-patterns computed from the stage's tables, usable as {NAME} in rules."""
        return {}

    def sayers(self) -> dict[str, Sayer]:
        return dict(GENERIC_SAYERS)

    def active(self, mask: int) -> "tuple[tuple[int, ...], tuple, tuple] | None":
        """The rules a line with this trigger mask may match, or None if there are none: the
        rules to try as they are; the others, as what to check first (rule number, its gates
        of strings, its `when` hint); and the rules the stage's screen covers, with their
        trigger bits, for the lines the screen lets by."""
        ascii = mask & ASCII_LINE
        plain_rules, checked_rules, screened, rarest, bits, _ = self.triggers[ascii]
        key = (mask & bits) | ascii
        if key in self._active:
            return self._active[key]
        plain = tuple(number for gates, number in plain_rules if key & gates == gates)
        checked = tuple(entry for gates, entry in checked_rules if key & gates == gates)
        if rarest != -1 and not key & rarest:
            screened = ()   # every screened rule is shut
        found = (plain, checked, screened) if plain or checked or screened else None
        if len(self._active) > 4096:
            self._active.clear()
        self._active[key] = found
        return found

    def candidates(self, text: str, mask: int | None, deadline: float | None,
                   active: "tuple | None" = None) -> list[int]:
        """The rules to try on this line, in rule order: gates open, strings present, `when`
        hint found. (`active`: what `active(mask)` said, if it was asked already.)"""
        if mask is None:
            mask = self.index.mask(text)
        if active is None:
            active = self.active(mask)
            if active is None:
                return []
        plain, checked, screened = active
        folded = None
        if screened:   # one search rules out, on most lines, all the rules the screen covers
            raw, casefolded, _ = self.screens[mask & ASCII_LINE]
            if casefolded is not None:
                folded = regex_fold(text)
            if ((raw is not None and raw.search(text)) or
                    (casefolded is not None and casefolded.search(folded))):
                checked += self._screened_open(mask)
        if not checked:
            return list(plain)
        hinted: "dict[int, bool] | None" = None   # id(hint) -> found (a pattern's own hash
                                                  # hashes its whole program, every time)
        chosen = []
        for number, checks, hint in checked:
            if checks:
                for in_folded, search in checks:
                    if in_folded:
                        if folded is None:
                            folded = regex_fold(text)
                        if not search(folded):
                            break
                    elif not search(text):
                        break
                else:
                    checks = None
                if checks is not None:
                    continue   # a gate of strings is shut
            if hint is not None:
                if hinted is None:
                    hinted = {}
                found = hinted.get(id(hint))
                if found is None:   # `when` hints are user patterns: bounded too (by `regex`)
                    found = hinted[id(hint)] = (hint.search(text) if deadline is None else self.hints[
                        number].search(text, timeout=_left(deadline))) is not None
                if not found:
                    continue
            chosen.append(number)
        if not plain:
            return sorted(chosen) if screened else chosen
        return sorted(plain + tuple(chosen)) if chosen else list(plain)

    def _screened_open(self, mask: int) -> tuple:
        """The screened rules whose trigger bits the mask holds (for a line the screen let by)."""
        ascii = mask & ASCII_LINE
        table = self.triggers[ascii]
        key = (mask & table.screened_bits) | ascii
        found = self._open.get(key)
        if found is None:
            if len(self._open) > 4096:
                self._open.clear()
            found = self._open[key] = tuple(entry for gates, entry in table.screened
                                            if key & gates == gates)
        return found

    def matches(self, text: str, mask: int | None = None, timeout: float | None = None,
                active: "tuple | None" = None) -> list[tuple[int, regex.Match]]:
        """(rule number, match) for the line, as one alternation of all rules would find them."""
        deadline = None if timeout is None else time.monotonic() + timeout
        chosen = self.candidates(text, mask, deadline, active)
        return self._matches(text, chosen, deadline) if chosen else []

    def _matches(self, text: str, chosen: list[int], deadline: float | None) -> list[tuple[int, regex.Match]]:
        patterns = self.patterns
        if deadline is None and text.isascii():   # (`re` has no timeout: only when unbounded)
            found = scan([(number, patterns[number].ascii) for number in chosen], text, None)
        else:
            found = scan([(number, patterns[number].regex) for number in chosen], text, deadline)
        if found is None:   # an empty match: the combined alternation knows how to go on
            scanner = self._combined.get(tuple(chosen))
            if scanner is None:
                scanner = self._combined[tuple(chosen)] = Scanner(
                    self.name, [(number, self.rules[number]) for number in chosen])
            matches = (scanner.regex.finditer(text) if deadline is None else
                       scanner.regex.finditer(text, timeout=_left(deadline)))
            found = [(scanner.rule_index(match), match) for match in matches]
        return found

    def __call__(self, text: str, timeout: float | None = None, mask: int | None = None,
                 active: "tuple | None" = None) -> list[Edit | Flag]:
        deadline = None if timeout is None else time.monotonic() + timeout
        chosen = self.candidates(text, mask, deadline, active)
        return self.edits(text, chosen, deadline) if chosen else []

    def edits(self, text: str, chosen: list[int], deadline: float | None) -> list[Edit | Flag]:
        """The edits and flags of the rules `chosen` (by `candidates`) on the line."""
        results: list[Edit | Flag] = []
        consumed = 0
        for number, match in self._matches(text, chosen, deadline):
            rule, template = self.outputs[number]
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
