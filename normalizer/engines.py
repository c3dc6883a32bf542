r"""The standard library's `re` for lines of ASCII, where it is the faster engine.

Rules are written for `regex` (Unicode properties, variable-width lookbehinds). On a line of
ASCII characters many patterns mean exactly the same in the standard library's syntax once
`\p{Lu}` is spelled [A-Z], and the two engines differ in speed pattern by pattern: `re` tries
a position in a few nanoseconds where `regex` takes tens when a pattern starts with a
lookaround ("acronym": 14 us a line against 2), while `regex` finds a pattern's literal
strings faster. So a pattern gets an ASCII translation where one is exactly equivalent, and
lines of ASCII are searched with `re` when a measurement, made once per machine and kept on
disk (prefilter.timed), says it is clearly faster. `re` has no timeout: it is used only under
the line budget's interval timer, which interrupts it.

Translating is sound or silent: anything it is unsure of keeps `regex` (syntax `re` refuses
or warns about, lookbehinds it cannot split into fixed widths, verbose mode, case-insensitive
matching of non-ASCII characters or of property classes, groups inside lookbehinds or
possessive repeats, nested repeats `re` could backtrack through for ever).

>>> ascii_translation(r"(?<![\p{L}])(?P<n>\p{Lu}{2,})")
'(?<![\\u0041-\\u005a\\u0061-\\u007a])(?P<n>[\\u0041-\\u005a]{2,})'
>>> ascii_translation(r"(?i)\p{Lu}") is None   # (?i) on a property class: unsure
True
"""

from __future__ import annotations

import re
import time
import warnings

import regex

from .prefilter import cached, class_ranges, outer_pieces, piece_end, timed
from .triggers import PROPERTY_RE, _ascii_members, _standard_syntax, sre, sre_parse

# a property class at an escape's backslash (`regex` reads "\p{1,}" as "p" repeated: not one)
PROPERTY_AT_RE = regex.compile(r"\\[pP](?:\{\^?[A-Za-z_][\w =:.&-]*\}|[A-Za-z])")
BOUNDED_RE = regex.compile(r"\{(\d*),(\d+)\}[?+]?")   # a repeat {m,n}, lazy or possessive
MAX_SPLIT = 16   # fixed-width lookbehinds a lookbehind of variable width may become
NEVER = "\\uffff"   # in a class that holds no ASCII character: no line of ASCII has it
FASTER = 0.75       # `re` is used when it takes at most this share of `regex`'s time
# What a pattern is timed on: lines like those of a transcript, plain and not.
SAMPLE = (
    "The Commission has also been informed that the President asked the Secret Service.",
    "He said that it was a mistake, and that he would not do it again, not for anything.",
    "In 1863 the price rose to $2.50 a pound, about 15% more than the year before.",
    "Meet Dr. Smith at 5:30 p.m. on Jan. 5, 2023, at 221B Baker St. in London.",
    "The FBI and the CIA sent 3 agents; Mr. Oswald's rifle weighed 8 lbs. 2 oz.",
    "We fine-tuned GPT-4 and Llama 2 70B on 8x A100 GPUs with PyTorch and CUDA 12.1.",
    "See https://example.com/docs or mail info@example.org, then run ./setup.sh -v.",
    "Chapter XIV: Henry VIII, World War II, and the 1920s (about 1,200 pages, vol. 3).",
)


def ascii_translation(pattern: str) -> str | None:
    """The pattern in `re`'s syntax, matching exactly as `regex` does on lines of ASCII; None
    when unsure. Kept on disk like the other analyses."""
    return cached("ascii-re:", pattern, _translate)


def ascii_engine(pattern: str, compiled: regex.Pattern) -> "re.Pattern | regex.Pattern":
    """What to search lines of ASCII with: the `re` translation when it is clearly faster
    than `compiled` (the pattern as `regex` searches it), else `compiled`."""
    source = ascii_translation(pattern)
    if source is None:
        return compiled
    faster = timed("ascii-faster:", source + "\0" + compiled.pattern,
                    lambda _: _seconds(re.compile(source, re.ASCII)) < FASTER * _seconds(compiled))
    return re.compile(source, re.ASCII) if faster else compiled   # (compiled once: re keeps it)


def _seconds(compiled: "re.Pattern | regex.Pattern") -> float:
    """The least time of five searches of the sample."""
    best = float("inf")
    for _ in range(5):
        start = time.perf_counter()
        for line in SAMPLE:
            compiled.search(line)
        best = min(best, time.perf_counter() - start)
    return best


def _translate(pattern: str) -> str | None:
    if _standard_syntax(pattern) is None:
        return None   # nested sets, POSIX classes, fuzzy matching: `regex`'s own
    source = _spell_properties(pattern)
    if source is None:
        return None
    source = _fixed_lookbehinds(source)
    if source is None:
        return None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")   # "possible nested set": `regex` reads it otherwise
            parsed = sre_parse.parse(source, re.ASCII)
            re.compile(source, re.ASCII)
    except Exception:   # syntax `re` lacks: variable-width lookbehind, \m, (?r), ...
        return None
    flags, has_property = parsed.state.flags, bool(PROPERTY_RE.search(pattern))
    fold = bool(flags & re.IGNORECASE)
    if flags & re.VERBOSE or (fold and has_property) or not _sure(list(parsed), fold, has_property,
                                                                  in_lookbehind=False):
        return None
    return source


def _spell_properties(pattern: str) -> str | None:
    r"""The pattern with each property class (`\p{L}`, `\P{Lu}`) spelled as the ASCII
    characters it holds: a class of them, or their ranges inside a class; and named groups
    as `re` writes them, (?P<name>."""
    out: list[str] = []
    i, in_class, class_start = 0, False, 0
    while i < len(pattern):
        char = pattern[i]
        if char == "\\":
            match = PROPERTY_AT_RE.match(pattern, i)
            if match is None:
                if pattern[i + 1:i + 2] in ("p", "P"):
                    return None   # not a property `regex` and we read alike
                out.append(pattern[i:i + 2])
                i += 2
                continue
            members = _ascii_members(match.group())
            if members is None:
                return None
            spelled = class_ranges(sorted(map(ord, members))) or NEVER
            if in_class:
                if pattern[match.end():match.end() + 1] == "-" or out[-1] == "-":
                    return None   # a range with a class at one end: unsure
                out.append(spelled)
            else:
                out.append(f"[{spelled}]")
            i = match.end()
            continue
        if in_class and char == "]" and i > class_start + 1 + (pattern[class_start + 1] == "^"):
            in_class = False
        elif not in_class and char == "[":
            in_class, class_start = True, i
        elif not in_class and pattern.startswith("(?<", i) and pattern[i + 3:i + 4] not in ("=", "!"):
            out.append("(?P<")
            i += 3
            continue
        out.append(char)
        i += 1
    return "".join(out)


def _fixed_lookbehinds(source: str) -> str | None:
    r"""`re` takes only lookbehinds of a fixed width: one of alternatives of different widths
    becomes one lookbehind per alternative, and a bounded repeat in one, one per count.

    >>> _fixed_lookbehinds(r"(?<![a-z]|[0-9]x{0,2}-)y")
    '(?:(?<![a-z])(?<![0-9]-)(?<![0-9]x{1}-)(?<![0-9]x{2}-))y'
    >>> _fixed_lookbehinds(r"(?<=a|bc)d")
    '(?:(?<=a)|(?<=bc))d'
    """
    out = []
    for start, end, behind in outer_pieces(source):
        if not behind:
            out.append(source[start:end])
            continue
        body = source[start + 4:end - 1]
        widths = _width(body)
        if widths is None:
            return None
        if widths[0] == widths[1]:
            out.append(source[start:end])
            continue
        options = [fixed for option in _alternatives(body) for fixed in _fixed(option)]
        if not options or len(options) > MAX_SPLIT or any(fixed is None for fixed in options):
            return None
        kind = source[start:start + 4]
        looks = [f"{kind}{option})" for option in options]
        # (a group, so that a quantifier after the lookbehind takes all of it)
        out.append(f"(?:{''.join(looks)})" if kind == "(?<!" else f"(?:{'|'.join(looks)})")
    return "".join(out)


def _width(source: str) -> "tuple[int, int] | None":
    """The least and greatest length of what `source` matches (None: not readable)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            return sre_parse.parse(source, re.ASCII).getwidth()
    except Exception:
        return None


def _alternatives(source: str) -> list[str]:
    """The top-level alternatives of a pattern."""
    options, start, i = [], 0, 0
    while i < len(source):
        end = piece_end(source, i, groups=True)
        if source[i:end] == "|":
            options.append(source[start:i])
            start = end
        i = end
    return options + [source[start:]]


def _fixed(option: str) -> "list[str | None]":
    """The alternative as patterns of fixed width: itself, or one per count of its one bounded
    repeat ([None] when that is not enough)."""
    widths = _width(option)
    if widths is not None and widths[0] == widths[1]:
        return [option]
    repeats = [match for match in BOUNDED_RE.finditer(option)
               if _width(option[:match.start()]) is not None]   # not inside a class or group
    if len(repeats) != 1 or "(?>" in option or "+" in option:
        return [None]   # (possessive and atomic parts: backwards, `regex` may match otherwise)
    repeat = repeats[0]
    low, high = int(repeat.group(1) or 0), int(repeat.group(2))
    counts = range(low, high + 1)
    fixed = [option[:repeat.start()] + (f"{{{count}}}" if count else "") + option[repeat.end():]
             for count in counts]
    # (a count of 0 drops the repeat, and must drop the atom before it too)
    if low == 0:
        atom_start = _atom_start(option, repeat.start())
        if atom_start is None:
            return [None]
        fixed[0] = option[:atom_start] + option[repeat.end():]
    if len(fixed) > MAX_SPLIT:
        return [None]
    return [text if _width(text) is not None and _width(text)[0] == _width(text)[1] else None
            for text in fixed]


def _atom_start(source: str, end: int) -> int | None:
    """Where the atom that ends at `end` (a character, an escape, a class or a group) starts."""
    i, start = 0, None
    while i < end:
        start, i = i, piece_end(source, i, groups=True)
    return start if i == end else None


def _has_group(items) -> bool:
    """Whether a parsed part holds a capturing group."""
    for op, value in items:
        if op is sre.SUBPATTERN and (value[0] is not None or _has_group(value[3])):
            return True
        if op in (sre.MAX_REPEAT, sre.MIN_REPEAT, getattr(sre, "POSSESSIVE_REPEAT", None)):
            if _has_group(value[2]):
                return True
        elif op is sre.BRANCH and any(_has_group(option) for option in value[1]):
            return True
        elif op in (sre.ASSERT, sre.ASSERT_NOT) and _has_group(value[1]):
            return True
        elif op is getattr(sre, "ATOMIC_GROUP", None) and _has_group(value):
            return True
    return False


def _varies(items) -> bool:
    """Whether a parsed part holds a repeat that may match more or fewer times (one that
    backtracks), outside possessive repeats and atomic groups."""
    for op, value in items:
        if op in (sre.MAX_REPEAT, sre.MIN_REPEAT) and (value[0] != value[1] or _varies(value[2])):
            return True
        if op is sre.SUBPATTERN and _varies(value[3]):
            return True
        if op is sre.BRANCH and any(_varies(option) for option in value[1]):
            return True
        if op in (sre.ASSERT, sre.ASSERT_NOT) and _varies(value[1]):
            return True
    return False


def _sure(items, fold: bool, has_property: bool, in_lookbehind: bool) -> bool:
    """Whether `re` matches this part of the parsed translation as `regex` matches the
    original on lines of ASCII."""
    for op, value in items:
        if op in (sre.LITERAL, sre.NOT_LITERAL):
            if fold and value > 127:   # "(?i)K" (Kelvin) matches "k" in `regex`
                return False
        elif op is sre.IN:
            for kind, member in value:
                if fold and ((kind in (sre.LITERAL, sre.NOT_LITERAL) and member > 127)
                             or (kind is sre.RANGE and member[1] > 127)):
                    return False
        elif op is sre.SUBPATTERN:
            group, add, remove, body = value
            if group is not None and in_lookbehind:
                return False   # `regex` matches lookbehinds backwards: captures may differ
            if add & re.VERBOSE:
                return False
            inner = (fold or bool(add & re.IGNORECASE)) and not remove & re.IGNORECASE
            if inner and has_property:
                return False   # whether (?i) widens \p{Lu} to lowercase: unsure
            if add & re.IGNORECASE and body.getwidth()[0] == 0:
                return False   # `regex` lets an empty (?i:x*) make what follows case-blind
            if not _sure(body, inner, has_property, in_lookbehind):
                return False
        elif op is sre.BRANCH:
            if not all(_sure(option, fold, has_property, in_lookbehind) for option in value[1]):
                return False
        elif op in (sre.ASSERT, sre.ASSERT_NOT):
            direction, body = value
            if not _sure(body, fold, has_property, in_lookbehind or direction < 0):
                return False
        elif op in (sre.MAX_REPEAT, sre.MIN_REPEAT, getattr(sre, "POSSESSIVE_REPEAT", None)):
            body = value[2]
            if op is getattr(sre, "POSSESSIVE_REPEAT", None) and (body.getwidth()[0] == 0
                                                                  or _has_group(body)):
                return False   # Python 3.11's `re` loses captures in such a repeat
            if op is not getattr(sre, "POSSESSIVE_REPEAT", None) and value[1] > 1 and _varies(body):
                return False   # (a+)+: `re` can backtrack for ever where `regex` does not
            if not _sure(body, fold, has_property, in_lookbehind):
                return False
        elif op is getattr(sre, "ATOMIC_GROUP", None):
            if not _sure(value, fold, has_property, in_lookbehind):
                return False
        elif op is sre.GROUPREF_EXISTS:
            _group, yes, no = value
            if not (_sure(yes, fold, has_property, in_lookbehind)
                    and (no is None or _sure(no, fold, has_property, in_lookbehind))):
                return False
    return True
