r"""Trigger literals: strings a line must contain for a rule to have any chance of matching.

Most lines give most rules nothing to do: a plain sentence has no digit for the numbers
rules, no "Henry" for the regnal numerals, no "%" for the percent rule. Trying every rule
at every candidate position is what costs; so each rule's pattern is analysed once, the way
RE2's FilteredRE2 and code-search trigram indexes do it, for *gates*: sets of literal
strings such that every match of the rule contains (or is preceded or followed by, for
lookarounds) at least one string of each gate. A line holding no string of some gate
cannot match the rule, which then is not tried at all.

The analysis is sound or silent: anything it does not understand (a backreference, an
unbounded repeat, syntax only `regex` knows) contributes no literal, and a rule it cannot
analyse gets no gate and is always tried. Strings inside a case-insensitive part are
casefolded and looked for in the casefolded line. Most lines are ASCII, where `\p{L}` is
[A-Za-z] and "–" cannot occur: a second analysis gives the gates that hold for them.

>>> sorted(text for text, _ in gates(r"(?<![\p{L}])[0-9]+%")[0])   # digits run on into "%"
['0%', '1%', '2%', '3%', '4%', '5%', '6%', '7%', '8%', '9%']
>>> gates(r"\b(?i:mr)\.(?=\s)")
[frozenset({('mr.', True)})]
>>> len(gates(r"\p{Sc}[0-9]")[0]), sorted(gates(r"\p{Sc}[0-9]", ascii=True)[0])[:2]
(10, [('$0', False), ('$1', False)])
>>> gates(r"[–—]", ascii=True)   # no line of ASCII holds one: an empty gate, never open
[frozenset()]
"""

from __future__ import annotations

import re

try:   # the standard library's own regular-expression parser (private, stable in practice)
    import re._parser as sre_parse
    import re._constants as sre
except ImportError:   # Python 3.10
    import sre_parse  # type: ignore[no-redef]
    import sre_constants as sre  # type: ignore[no-redef]

import regex

# A literal: (text, folded). A folded literal is looked for in the casefolded line.
Literal = tuple[str, bool]
Gate = frozenset[Literal]

PLACEHOLDERS = 0xE000   # private-use code points stand for classes the standard parser lacks
MAX_STRINGS = 400       # largest set of exact strings carried through a concatenation
MAX_CLASS = 64          # largest character class expanded into single characters
ASCII = [chr(code) for code in range(128)]
# (`regex` reads "\p{1,}" as "p" repeated, not as a property: a name is letters first)
PROPERTY_RE = regex.compile(r"(?<!\\)((?:\\\\)*)(\\[pP](?:\{\^?[A-Za-z_][\w =:.&-]*\}|[A-Za-z]))")
FUZZY_RE = regex.compile(r"\{[^{}]*[deis]\s*(?:[<=}]|$)")   # x{e<=1}: `regex`'s fuzzy matching
POSIX_CLASS_RE = regex.compile(r"\[:\^?[A-Za-z]+:\]")
NAMED_GROUP_RE = regex.compile(r"(?<!\\)((?:\\\\)*)\(\?P?<(?![=!])[^>]*>")
COMMON_PUNCTUATION = set(" .,;:'\"-()!?\n\t")
EVERYWHERE = set(" .,'\n\t")    # in nearly every line
OFTEN = set("-\"")             # in many lines; the rest of COMMON_PUNCTUATION in some
GLUED_PUNCTUATION_RE = regex.compile(r"[A-Za-z0-9][.'-][A-Za-z0-9]|(?<![a-z])\.[A-Za-z0-9]")
CATEGORY_ESCAPES = {"DIGIT": r"\d", "WORD": r"\w", "SPACE": r"\s"}
# `regex` matches "(?i)i" on "İ" and "(?i)I" on "ı", where str.casefold keeps them apart
# ("İ" -> "i̇", "ı" -> "ı"): lines and strings are folded as `regex` matches.
REGEX_FOLD = str.maketrans({"\u0130": "i", "\u0131": "i"})
# The ASCII letters a non-ASCII character matches under (?i): a class holding it may match them.
ASCII_PARTNERS = {0x130: "i", 0x131: "I", 0x17F: "sS", 0x212A: "kK"}


def regex_fold(text: str) -> str:
    """The text casefolded as `regex` matches case-insensitively."""
    return text.casefold() if text.isascii() else text.translate(REGEX_FOLD).casefold()


class _Info:
    """What a sub-pattern can match: `exact`, every string it matches (None when too many or
    unknown); `prefix` and `suffix`, strings one of which every match starts (ends) with
    (None when unknown); and `gates` found inside it (each a set one of whose strings any
    match holds)."""

    __slots__ = ("exact", "gates", "prefix", "suffix", "ahead")

    def __init__(self, exact: frozenset[Literal] | None, gates: list[Gate] | None = None,
                 prefix: frozenset[Literal] | None = None, suffix: frozenset[Literal] | None = None,
                 ahead: frozenset[Literal] | None = None):
        self.exact, self.gates = exact, gates or []
        self.prefix = exact if prefix is None else prefix
        self.suffix = exact if suffix is None else suffix
        self.ahead = ahead   # of a lookahead: what the text after it starts with


EMPTY = frozenset({("", False)})


def minimal_gate(gate: Gate) -> Gate:
    """The gate without the strings whose presence implies another's (" %" goes when "%" is
    in; "face" as written goes when "face" in any case is in). Of strings that imply each
    other ("1" as written and casefolded), one stays."""
    def implies(literal: Literal, other: Literal) -> bool:
        (text, folded), (other_text, other_folded) = literal, other
        if other_folded:
            return other_text in (text if folded else regex_fold(text))
        # a string found casefolded says nothing of the case it is written in
        return other_text in text and (not folded or other_text.casefold() == other_text.upper())
    ordered = sorted(gate)
    return frozenset(literal for place, literal in enumerate(ordered) if not any(
        other != literal and implies(literal, other) and (not implies(other, literal) or earlier < place)
        for earlier, other in enumerate(ordered)))


def _usable(strings: frozenset[Literal] | None) -> bool:
    return strings is not None and all(text for text, _ in strings)


def _join(left: frozenset[Literal], right: frozenset[Literal]) -> frozenset[Literal] | None:
    if len(left) * len(right) > MAX_STRINGS:
        return None
    return frozenset((a + b, fa) if fa == fb else (regex_fold(a + b), True)
                     for a, fa in left for b, fb in right)


def _best(info: _Info) -> Gate | None:
    """The most selective gate a sub-pattern offers (its exact strings, and those it starts
    or ends with, count as gates too)."""
    candidates = list(info.gates) + [strings for strings in (info.exact, info.prefix, info.suffix)
                                     if _usable(strings)]
    return min(candidates, key=gate_cost, default=None)


def _union(sets: list) -> frozenset[Literal] | None:
    if any(strings is None for strings in sets):
        return None
    union = frozenset().union(*sets)
    return union if len(union) <= MAX_STRINGS else None


class _Analysis:
    """One walk over a parsed pattern. With `ascii`, only what can occur in a line of ASCII
    counts; `classes` maps each placeholder code point to the ASCII characters its class
    holds (None: unknown, when not `ascii`)."""

    def __init__(self, ascii: bool, classes: dict[int, frozenset[str] | None]):
        self.ascii, self.classes = ascii, classes

    def strings(self, chars, fold: bool) -> frozenset[Literal]:
        """Single characters as literals; in ASCII mode, those a line of ASCII can hold."""
        out = set()
        for char in chars:
            literal = (regex_fold(char), True) if fold else (char, False)
            if not self.ascii or literal[0].isascii():
                out.add(literal)
        return frozenset(out)

    def chars(self, items) -> set[str] | None:
        """The characters of a class's items; None when unknown or too many."""
        chars: set[str] = set()
        negate = False
        for op, value in items:
            if op is sre.NEGATE:
                negate = True
            elif op is sre.LITERAL and value in self.classes:
                if self.classes[value] is None:
                    return None
                chars.update(self.classes[value])
            elif op is sre.LITERAL:
                chars.add(chr(value))
                if self.ascii:
                    chars.update(ASCII_PARTNERS.get(value, ""))
            elif op is sre.RANGE and (self.ascii or value[1] - value[0] < MAX_CLASS):
                low, high = value
                chars.update(map(chr, range(low, min(high, 127) + 1) if self.ascii
                                 else range(low, high + 1)))
                if self.ascii:   # (it may be case-insensitive: a partner counts)
                    chars.update(*(partners for code, partners in ASCII_PARTNERS.items()
                                   if low <= code <= high))
            elif op is sre.CATEGORY and self.ascii:
                name = str(op and value).split("_")[-1]
                escape = CATEGORY_ESCAPES.get(name)
                if escape is None:
                    return None
                matched = _ascii_members(escape)
                chars.update(matched if "NOT" not in str(value) else set(ASCII) - matched)
            else:
                return None
        if negate:
            if not self.ascii:
                return None
            chars = set(ASCII) - chars
        return chars if len(chars) <= (128 if self.ascii else MAX_CLASS) else None

    def node(self, item, fold: bool) -> _Info:
        op, value = item
        if op is sre.LITERAL:
            chars = self.chars([item])
            return _Info(None if chars is None else self.strings(chars, fold))
        if op is sre.IN:
            chars = self.chars(value)
            if chars is not None and fold:   # a case-insensitive class: both cases count
                chars = {regex_fold(char) for char in chars}
            return _Info(None if chars is None else self.strings(chars, fold))
        if op is sre.AT:
            return _Info(EMPTY)
        if op is sre.SUBPATTERN:
            _group, add, remove, body = value
            inner = (fold or bool(add & sre.SRE_FLAG_IGNORECASE)) and not (remove & sre.SRE_FLAG_IGNORECASE)
            return self.sequence(body, inner)
        if op is getattr(sre, "ATOMIC_GROUP", None):   # (Python 3.11 on)
            return self.sequence(value, fold)
        if op is sre.BRANCH:
            options = [self.sequence(option, fold) for option in value[1]]
            if all(option.exact is not None for option in options):
                union = frozenset().union(*(option.exact for option in options))
                if len(union) <= MAX_STRINGS:
                    return _Info(union)
            bests = [_best(option) for option in options]
            gates = [frozenset().union(*bests)] if all(best is not None for best in bests) else []
            return _Info(None, gates, prefix=_union([option.prefix for option in options]),
                         suffix=_union([option.suffix for option in options]))
        if op in (sre.MAX_REPEAT, sre.MIN_REPEAT, getattr(sre, "POSSESSIVE_REPEAT", None)):
            low, high, body = value
            info = self.sequence(body, fold)
            if high == 0:
                return _Info(EMPTY)
            if info.exact is not None and high <= 4:
                strings, power = (EMPTY if low == 0 else None), EMPTY
                for count in range(1, high + 1):
                    power = _join(power, info.exact)
                    if power is None:
                        break
                    if count >= low:
                        strings = power if strings is None else strings | power
                        if len(strings) > MAX_STRINGS:
                            break
                else:
                    return _Info(strings)
            if low == 0:
                return _Info(None)
            best = _best(info)   # at least once: it starts and ends as its body does
            return _Info(None, [best] if best is not None else [], prefix=info.prefix, suffix=info.suffix)
        if op is sre.ASSERT:   # a lookaround that must hold: what it needs, the line holds
            direction, body = value
            inner = self.sequence(body, fold)
            best = _best(inner)
            return _Info(EMPTY, [best] if best is not None else [],
                         ahead=inner.prefix if direction > 0 else None)
        if op is sre.ASSERT_NOT:
            return _Info(EMPTY)
        return _Info(None)   # ANY, NOT_LITERAL, GROUPREF, GROUPREF_EXISTS: unknown

    def sequence(self, items, fold: bool) -> _Info:
        gates: list[Gate] = []
        run = EMPTY          # exact strings of the current unbroken run
        prefix = None        # what the sequence starts with, once a run has been broken
        for item in items:
            info = self.node(item, fold)
            gates.extend(info.gates)
            if info.ahead is not None and run != EMPTY:   # "." then (?=\p{L}): ".a" .. ".z"
                ahead = _join(run, info.ahead)
                if _usable(ahead):
                    gates.append(ahead)
            joined = _join(run, info.exact) if info.exact is not None else None
            if joined is not None:
                run = joined
                continue
            # the run ends here: it goes on into what the item starts with, where that is known
            ended = (_join(run, info.prefix) if info.prefix is not None else None) or run
            if _usable(ended):
                gates.append(ended)
            if prefix is None:
                prefix = ended
            # the next run starts with what the item ends with
            if info.exact is not None and len(info.exact) <= MAX_STRINGS:
                run = info.exact
            else:
                run = info.suffix if info.suffix is not None and len(info.suffix) <= MAX_STRINGS else EMPTY
        if prefix is None:
            return _Info(run, gates)
        if _usable(run):
            gates.append(run)
        return _Info(None, gates, prefix=prefix, suffix=run)


def _literal_cost(literal: Literal) -> float:
    """A rough chance that a line of English holds this string (for choosing gates only)."""
    text, folded = literal
    core = _core(text)
    if not core:   # " " and "." are common; "-" less so; ":", "  ", ".." and a tab are not
        if len(text) > 1 or text in "\t\n":
            return 0.05
        return 0.8 if text in EVERYWHERE else 0.3 if text in OFTEN else 0.1
    if not core.isascii() or not core.isalnum():
        return 0.02    # a symbol or a letter from elsewhere
    if not core.isalpha():
        return 0.03 if len(core) == 1 else 0.01   # digits
    if GLUED_PUNCTUATION_RE.search(text):
        return 0.02    # "e.g", "A.k.a", ".A"
    chance = {1: 0.9, 2: 0.5, 3: 0.25, 4: 0.1, 5: 0.02, 6: 0.005}.get(len(core), 0.002)
    if not folded and core.isupper():
        return 0.2 if len(core) == 1 else 0.002
    if not folded and core[0].isupper():
        return chance / 3
    return chance


def _core(text: str) -> str:
    """The string without spaces and common punctuation: what tells its variants apart."""
    return "".join(char for char in text if char not in COMMON_PUNCTUATION)


def gate_cost(gate: Gate) -> float:
    """The chance that a line holds some string of the gate, if the strings were independent;
    variants that differ in spacing or punctuation only count once."""
    variants: dict[tuple[str, bool], float] = {}
    for literal in gate:
        key = (_core(literal[0]).casefold() if literal[1] else _core(literal[0]), literal[1])
        variants[key] = max(variants.get(key, 0.0), _literal_cost(literal))
    miss = 1.0
    for chance in variants.values():
        miss *= 1.0 - chance
    return 1.0 - miss


def _standard_syntax(pattern: str) -> tuple[str, list[str]] | None:
    r"""The pattern in the standard library's syntax, for analysis only, and the `regex`
    property classes (`\p{L}`) replaced by placeholder characters; None if unsure."""
    if (any("\ue000" <= char <= "\uf8ff" for char in pattern) or "[[" in pattern
            or POSIX_CLASS_RE.search(pattern)):
        return None   # private-use characters, nested sets, POSIX classes
    properties: list[str] = []

    def placeholder(match: regex.Match) -> str:
        if match.group(2) not in properties:
            properties.append(match.group(2))
        return match.group(1) + f"\\u{PLACEHOLDERS + properties.index(match.group(2)):04x}"

    source = PROPERTY_RE.sub(placeholder, pattern)
    if FUZZY_RE.search(source):   # (looked for once "\p{Nd}" is out of the way)
        return None
    return NAMED_GROUP_RE.sub(lambda m: m.group(1) + "(?:", source), properties


def _ascii_members(escape: str) -> frozenset[str] | None:
    try:
        compiled = regex.compile(escape)
    except regex.error:
        return None
    return frozenset(char for char in ASCII if compiled.match(char))


def gates(pattern: str, keep: int = 4, useful: float = 0.999, ascii: bool = False) -> list[Gate]:
    """Up to `keep` gates of `pattern`, most selective first; [] when there are none worth
    checking (every line would likely pass them anyway). With `ascii`, the gates that hold
    for lines of ASCII characters only."""
    translated = _standard_syntax(pattern)
    if translated is None:
        return []
    source, properties = translated
    try:
        parsed = sre_parse.parse(source)
    except Exception:   # syntax only `regex` knows (fuzzy matching, \m, branch reset, ...)
        return []
    classes = {PLACEHOLDERS + number: _ascii_members(escape) if ascii else None
               for number, escape in enumerate(properties)}
    fold = bool(parsed.state.flags & sre.SRE_FLAG_IGNORECASE)
    info = _Analysis(ascii, classes).sequence(list(parsed), fold)
    found = list(info.gates) + ([info.exact] if _usable(info.exact) else [])
    unique = sorted({minimal_gate(gate) for gate in found}, key=lambda gate: (gate_cost(gate), sorted(gate)))
    return [gate for gate in unique if gate_cost(gate) < useful][:keep]


# English letters from the most to the least frequent: a gate is keyed on the rarest
# character of each of its strings.
LETTER_ORDER = "etaoinshrdlcumwfgypbvkjxqz"
# The same for the characters of a line as written: capitals are rarer than most letters.
ASCII_ORDER = "etaoinshrdlcumwfgypbvkTIjxSAMHqWCBzNOPDFRLGJEKUVYQZX"


def _rarity(char: str, order: str = LETTER_ORDER) -> int:
    """Lower is rarer in English text: symbols, some punctuation, digits (in the lines that
    need normalizing, digits abound), then letters by frequency, then spaces and periods."""
    if char in EVERYWHERE:
        return 90
    if char in OFTEN:
        return 50
    if char in COMMON_PUNCTUATION:
        return 2
    if char in order:
        return 80 - order.index(char)
    return 3 if char.isdigit() else 0


def _written_rarity(char: str) -> int:
    """As _rarity, for a character as written (case counts)."""
    return _rarity(char, ASCII_ORDER)


def key_characters(gate: Gate, ascii: bool = False) -> frozenset[str]:
    """Characters one of which the line holds if the gate is open: casefolded characters
    of the casefolded line; with `ascii`, characters of the line as written (both cases of
    a letter of a casefolded string), which only holds for a line of ASCII."""
    if not ascii:
        return frozenset(min(regex_fold(text), key=_rarity) for text, _ in gate)
    keys = set()
    for text, folded in gate:
        if folded:
            char = min(text, key=_rarity)
            keys |= {char, char.upper()}
        else:
            keys.add(min(text, key=_written_rarity))
    return frozenset(keys)


COMMON_KEY = _rarity("v")   # a key at least this common is in most lines ("etaoinshrdlcumwfgypbv")
ASCII_LINE = 1   # the mask's first bit: the line is all ASCII (its gates are the ASCII ones)


class TriggerIndex:
    """Tells, from the characters a line holds, which gates may be open.

    Every distinct set of key characters gets one bit; a line's mask has the bits of the
    sets it holds a character of. A rule whose gates' bits are not all in the mask cannot
    match the line. One index serves all the stages of a pipeline, so a line's mask is
    computed once for all of them (and again only when a stage changes the line). A line
    of ASCII is looked at as written, with the ASCII gates' keys; any other, casefolded.
    """

    def __init__(self) -> None:
        self.bits: dict[tuple[bool, frozenset[str]], int] = {}
        self.rarity: dict[int, int] = {}   # bit -> how rare its key characters are (lower: rarer;
                                           # -1: none, a gate no line of that kind opens)
        self.char_bits: list[dict[str, int]] = [{}, {}]   # any line, a line of ASCII
        self.keys: list[frozenset[str]] = [frozenset(), frozenset()]

    def bit(self, keys: frozenset[str], ascii: bool = False) -> int:
        """The bit of a gate with these key characters; 0 (no bit: nothing to require) for a
        gate most lines open, keyed on a common letter or a space, which would only cost
        every line's mask a step."""
        if (ascii, keys) not in self.bits:
            rarity = max(map(_written_rarity if ascii else _rarity, keys), default=-1)
            if rarity >= COMMON_KEY:
                self.bits[ascii, keys] = 0
                return 0
            self.bits[ascii, keys] = bit = 2 << len(self.rarity)   # (1 is ASCII_LINE)
            self.rarity[bit] = rarity
            char_bits = self.char_bits[ascii]
            for char in keys:
                char_bits[char] = char_bits.get(char, 0) | bit
            self.keys[ascii] = frozenset(char_bits)
        return self.bits[ascii, keys]

    def rarest(self, bits: int) -> int:
        """The bit of `bits` a line is least likely to have (0 for no bits)."""
        return min((1 << place for place in range(bits.bit_length()) if bits >> place & 1),
                   key=self.rarity.__getitem__, default=0)

    def mask(self, text: str) -> int:
        if text.isascii():
            char_bits, mask = self.char_bits[1], ASCII_LINE
            for char in self.keys[1].intersection(text):
                mask |= char_bits[char]
            return mask
        char_bits, mask = self.char_bits[0], 0
        for char in self.keys[0].intersection(regex_fold(text)):
            mask |= char_bits[char]
        return mask


def trie_pattern(strings: set[str]) -> str:
    """A pattern (standard `re` syntax) matching any of the strings, shaped as a trie so the
    engine takes one branch per character; a string that extends another is dropped, as
    finding the shorter one is enough.

    >>> trie_pattern({"lama", "llama", "lam", "cuda"})
    '(?:cuda|l(?:am|lama))'
    """
    root: dict = {}
    for text in sorted(strings, key=len):
        node = root
        for char in text:
            if "" in node:
                break
            node = node.setdefault(char, {})
        else:
            node.clear()
            node[""] = {}

    def pattern(node: dict) -> str:
        if "" in node:
            return ""
        branches = [re.escape(char) + pattern(child) for char, child in sorted(node.items())]
        return branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    return pattern(root)


SMALL_GATE = 400     # gates of at most this many strings are also checked string by string
                     # (a trie of them: "0-0".."9-9" rules a phone number out in one search)
SCREEN_PREFIX = 6    # a stage's screen looks for the first characters of strings only
WHITESPACE_RE = re.compile(r"\s+")


def longest_piece(text: str) -> str:
    """The longest part of `text` without whitespace (`text` itself if it is all whitespace)."""
    return max(WHITESPACE_RE.split(text), key=len) or text


def rule_gating(pattern: str, when: str | None, ascii: bool) -> dict:
    """What a stage needs to know of a rule (and its `when` hint, which every match holds
    too), as JSON for the disk cache:
    - "keys": per gate, the characters one of which the casefolded line must hold;
    - "checks": the two rarest gates of longer strings, to check string by string ("Mr."
      is keyed on "M", which many lines hold), each string cut to its longest piece without
      a space ("Dr\\t", "Dr\\n" and "Dr " are all checked as "Dr": what holds a string holds
      every piece of it);
    - "screen": the rarest gate, as the starts of those pieces, and its cost.
    """
    found = gates(pattern, ascii=ascii) + (gates(when, ascii=ascii) if when else [])
    keys = [sorted(key_characters(gate, ascii)) for gate in found]
    checks = set()   # (a gate of the pattern's and the hint's is checked once)
    for gate in found:
        cut = frozenset((longest_piece(text), folded) for text, folded in gate)
        if len(cut) <= SMALL_GATE and any(len(text) > 1 for text, _ in cut):
            checks.add(minimal_gate(cut))
    screens = [minimal_gate(frozenset((longest_piece(text)[:SCREEN_PREFIX], folded)
                                      for text, folded in gate)) for gate in found]
    screen = min(screens, key=gate_cost, default=None)
    return {"keys": keys,
            "checks": [sorted(map(list, gate)) for gate in sorted(checks, key=lambda gate: (
                gate_cost(gate), sorted(gate)))[:2]],
            "screen": None if screen is None else [gate_cost(screen), sorted(map(list, screen))]}
