"""Find probable speech-recognition errors in transcripts and draft fixes for a person to review.

- Given a lexicon of the terms that should appear, `suggest` finds words and word pairs that
  sound and are spelled like a term without being it: "ChachiPT" and "ChessGPT" for ChatGPT,
  "ScaleAI" for Scale AI, "chat GPT" for ChatGPT.
- An ordinary English word (one of the CMU pronouncing dictionary's words) is proposed only
  where its context names a term: a number after it ("Lama 2") or, mid-sentence, a word that
  follows the terms elsewhere in the same corpus ("the Cloud series", as in "the LLAMA series").
  Elsewhere it is a word in its own right, so the drafted rule keeps that context.
- Without a lexicon, the frequent names of the corpus stand in for it: a rare name that sounds
  and is spelled like one of them is proposed.
- `draft_rules` writes one rule per candidate, best first, with its evidence as a comment (how
  often, a score, two example lines with their ids) and its examples filled in.

>>> found = suggest([("a1", "I asked ChachiPT twice."), ("a2", "Then ChatGPT answered.")],
...                 ["ChatGPT"])
>>> [(c.forms, c.target, c.count) for c in found]
[(('ChachiPT',), 'ChatGPT', 1)]
"""

from __future__ import annotations

import functools
import json
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass, field, replace
from typing import Iterable, Iterator

import gzip
from pathlib import Path

import jellyfish
import regex

from . import manifests
from .edits import Edit, apply_edits
from .errors import ManifestError, NormalizerError
from .rules import NAME_PIECE_RE, parse_rule
from .stages.base import RuleStage, carry_case, starts_sentence
from .verbalize import DEFAULT_STYLE

# A word: letters, maybe joined by an apostrophe, dot or hyphen ("Scale.ai", "Chat-GPT"); the
# second group says whether one space and another word follow (the pair is a candidate too).
WORD_RE = regex.compile(r"[^\W\d_]+(?:['’.\-][^\W\d_]+)*")
TOKEN_RE = regex.compile(rf"({WORD_RE.pattern})(?=( [^\W\d_])?)")
POSSESSIVE = ("'s", "’s")
SEPARATORS_RE = regex.compile(r"[\W_]+")
NUMBER_AFTER_RE = regex.compile(r"[\s-]?[0-9]")
WORD_AFTER_RE = regex.compile(r"\s+([^\W\d_]+)")
INNER_CAPITAL_RE = regex.compile(r"\p{Ll}\p{Lu}")
SPACE_RE = regex.compile(r"\s+")

# How the letters of an acronym are said, so that "PT" in "ChachiPT" sounds like "GPT".
LETTER_NAMES = dict(zip("ABCDEFGHIJKLMNOPQRSTUVWXYZ", (
    "ay bee see dee ee ef jee aitch eye jay kay el em en oh pee cue ar es tee you vee "
    "doubleyou ex why zee").split()))
# A rough sound key: letters grouped by how they sound, each run of vowels one "A".
DIGRAPHS = {"tch": "X", "sch": "SK", "ch": "X", "sh": "X", "ph": "F", "th": "0", "gh": "G",
            "ck": "K", "qu": "KW", "wh": "W", "ce": "SA", "ci": "SA", "cy": "SA", "ge": "JA",
            "gi": "JA", "gy": "JA", "aw": "A", "ow": "A", "ew": "A"}
DIGRAPH_ORDER = sorted(DIGRAPHS, key=len, reverse=True)
LETTER_SOUNDS = str.maketrans({**{letter: letter.upper() for letter in "abcdefghijklmnopqrstuvwxyz"},
                               **dict.fromkeys("aeiouy", "A"), "c": "K", "q": "K", "x": "KS",
                               "z": "S", "h": ""})
INFLECTIONS = ("s", "es", "ed", "ing", "ly")
# Words that say nothing about the word before them: never taken as a name's context.
FUNCTION_WORDS = frozenset("""
    a an the and or but nor so yet for of in on at to from by with about as into over under
    is are was were be been being am it its this that these those there here i you he she we
    they me him her us them my your his our their what which who whom whose when where why
    how if then than too very just not no do does did done have has had can could will would
    shall should may might must also only even all any some each every both more most less
    other such own same s t ll ve re d m
""".split())

MIN_LENGTH = 4          # shorter words and terms are too alike by chance to compare
MIN_SOUND = 0.7         # how alike the sound keys must be (1 - edit distance / length)
MIN_SPELLING = 0.5      # how alike the letters must be
MIN_SCORE = 0.65        # the blend: 0.6 sound + 0.4 spelling
WORD_SOUND = 0.85       # an English word must sound almost the same ("Lama", "Cloud")
WORD_SPELLING = 0.6
WORD_PENALTY = 0.9      # and, being meant as written elsewhere, ranks a little lower
CORPUS_MIN_COUNT = 5    # without a lexicon: how often a name must occur to be a term
CORPUS_RATIO = 5        # ... and how many times more often than its look-alike
CORPUS_PENALTY = 0.9    # no one named such a term: it ranks below the lexicon's
EVIDENCE = 5            # occurrences kept per candidate (two are shown)
WINDOW = 8              # words kept on each side of a candidate in an example
DRAFT_HEADER = """\
# Draft fixes proposed by `ttsnorm suggest`, best first. No person has checked them yet: read
# each rule's evidence, delete the wrong rules and correct the others, then add this file to
# the asr_fixes stage (`rules: {asr_fixes: [this file]}` in your pipeline file, or `include:`
# it from a rule file of yours) and run `ttsnorm check`.
# Score: 1 = the term's own letters, spaced, joined or cased otherwise; below that, how alike
# the sound and the spelling are. An English word is fixed only before what followed it here.
"""


@dataclass(frozen=True, slots=True)
class Evidence:
    """One occurrence: the record's id, its text, and the span of the candidate in it."""

    id: str | None
    text: str
    start: int
    end: int
    record: int = 0           # the record's position in the input, from 0


@dataclass(frozen=True, slots=True)
class Candidate:
    """A probable misrecognition of `target`, written as `forms` in the transcripts."""

    target: str
    forms: tuple[str, ...]            # spellings seen, the most frequent first
    count: int                        # occurrences (in context, when `context` is set)
    score: float                      # 0..1; 1 = the same letters, spaced or joined otherwise
    why: str                          # the evidence in words
    target_count: int = 0             # occurrences of the target as written
    context: tuple[str, ...] = ()     # for an English word, what follows it ("#": a number)
    evidence: tuple[Evidence, ...] = field(default=(), repr=False)
    ordinary: Evidence | None = field(default=None, repr=False)  # a use outside the context
    fixed_by: str | None = None       # rule(s) of the given stage that already fix it


# The words of the CMU pronouncing dictionary (BSD-style licence: data/CMUDICT-LICENSE.txt),
# lowercased, one per line; shipped as data so that no GPL package is needed to read it.
ENGLISH_WORDS = Path(__file__).parent / "data" / "english_words.txt.gz"


@functools.cache
def english_words() -> frozenset[str]:
    """The CMU pronouncing dictionary's words, lowercased (about 126,000)."""
    with gzip.open(ENGLISH_WORDS, "rt", encoding="utf-8") as handle:
        return frozenset(handle.read().split())


@functools.lru_cache(maxsize=1 << 18)
def is_english(word: str) -> bool:
    """A word of the list, an inflection of one, or a hyphenated compound of such words.

    >>> is_english("Cloud"), is_english("spars"), is_english("fine-tuning"), is_english("ChachiPT")
    (True, True, True, False)
    """
    words = english_words()
    lower = word.lower().replace("’", "'")
    if lower in words:
        return True
    if "-" in lower:
        return all(part in words for part in lower.split("-"))
    return any(lower.endswith(ending) and lower[:-len(ending)] in words for ending in INFLECTIONS)


def squash(text: str) -> str:
    """Lowercase letters and digits only: what a recognizer varies in spelling a name is gone.

    >>> squash("Chat-GPT"), squash("Scale.ai"), squash("Scale AI")
    ('chatgpt', 'scaleai', 'scaleai')
    """
    return text.lower() if text.isalnum() else SEPARATORS_RE.sub("", text).lower()


def _sound(spoken: str) -> str:
    lower = key = spoken.lower()
    for digraph in DIGRAPH_ORDER:
        if digraph in key:
            key = key.replace(digraph, DIGRAPHS[digraph])
    key = key.translate(LETTER_SOUNDS)
    if len(key) > 2 and key.endswith("A") and lower.endswith("e"):
        key = key[:-1]    # a silent final e: "Claude" sounds like "Cloud"
    return key[:1] + "".join(b for a, b in zip(key, key[1:]) if a != b)


@functools.lru_cache(maxsize=1 << 18)    # a form may be compared with lexicon and corpus
def sound_keys(text: str) -> tuple[str, ...]:
    """Rough sound keys, piece by piece. Acronyms are read letter by letter ("GPT": "jee pee
    tee"), each letter a syllable of its own; one of four capitals or more may be a word
    ("NVIDIA"), so it is also read as one.

    >>> sound_keys("ChatGPT"), sound_keys("ChachiPT"), sound_keys("Claude"), sound_keys("Cloud")
    (('XATJAPATA',), ('XAXAPATA',), ('KLAD',), ('KLAD',))
    """
    if text.isalpha() and (text.islower() or text[1:].islower()):
        return (_sound(text),)    # the common case, a plain word: one piece
    spelled, worded = [], []
    for piece in NAME_PIECE_RE.findall(text):
        if piece.isupper() and piece.isalpha():
            letters = "".join(_letter_sound(letter) for letter in piece)
            spelled.append(letters)
            worded.append(_sound(piece) if len(piece) >= 4 else letters)
        elif piece.isalnum():
            spelled.append(_sound(piece))
            worded.append(spelled[-1])
    return tuple(sorted({key for key in ("".join(spelled), "".join(worded)) if key}))


@functools.cache
def _letter_sound(letter: str) -> str:
    return _sound(LETTER_NAMES.get(letter, letter))


def _closeness(a: str, b: str) -> float:
    return 1 - jellyfish.levenshtein_distance(a, b) / max(len(a), len(b), 1)


def term_name(text: str) -> str:
    """The name in a term or in a fix's output, without version, size or template.

    >>> term_name("Llama \\\\g<version> \\\\g<size>B"), term_name("GPT-"), term_name("Scale AI")
    ('Llama', 'GPT', 'Scale AI')
    """
    words = []
    for word in text.split():
        if any(char.isdigit() or char in "\\{}<>" for char in word):
            break
        words.append(word)
    return " ".join(words).strip("-.,;: ")


def load_lexicon(path: str) -> list[str]:
    """Terms, one per line; blank lines and lines starting with '#' are skipped."""
    try:
        with open(path, encoding="utf-8") as handle:
            lines = handle.read().splitlines()
    except OSError as error:
        raise NormalizerError(f"cannot read the lexicon: {error.strerror}", path=path) from None
    except UnicodeDecodeError as error:
        raise NormalizerError(f"the lexicon is not valid UTF-8 ({error.reason})", path=path) from None
    return [line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")]


def stage_targets(stage: RuleStage) -> list[str]:
    """The names a stage's rules write: for `pipeline.stage("asr_fixes")`, the packs' targets."""
    names = (term_name(rule.replace) for rule in stage.rules if rule.replace)
    return list(dict.fromkeys(name for name in names if name))


def transcripts(paths: Iterable[str], fmt: str | None = None,
                options: manifests.Options = manifests.Options()) -> Iterator[tuple[str, str]]:
    """(id, text) of every record of the manifests, in any supported format; a record without
    an id is named by its file and line. A line that is not a record stops the reading."""
    for path in paths:
        for item in manifests.read(path, fmt, options):
            if isinstance(item, manifests.Record):
                yield item.id or f"{path}:{item.line}", item.text
            elif isinstance(item, manifests.Rejected):
                raise ManifestError(item.reason, path=path, line=item.line)


def _tokens(text: str) -> Iterator[tuple[str, int, int]]:
    """(word, start, end) of each word; a possessive 's is not part of it."""
    for match in TOKEN_RE.finditer(text):
        word, start, end = match.group(1), match.start(1), match.end(1)
        if word.endswith(POSSESSIVE):
            word, end = word[:-2], end - 2
        yield word, start, end


def _count(texts: list[tuple[str | None, str]]) -> tuple[Counter, Counter]:
    """How often each word, and each pair of words one space apart, occurs."""
    words: Counter = Counter()
    pairs: Counter = Counter()
    for _, text in texts:
        found = TOKEN_RE.findall(text)
        words.update(word for word, _ in found)
        pairs.update(f"{found[i][0]} {found[i + 1][0]}" for i in range(len(found) - 1)
                     if found[i][1])
    for word in [word for word in words if word.endswith(POSSESSIVE)]:
        words[word[:-2]] += words.pop(word)
    return words, pairs


def _name_like(word: str) -> bool:
    """A name rather than a word: not English, or a capital after a small letter ("GitHub")."""
    return bool(INNER_CAPITAL_RE.search(word)) or not is_english(word)


def _is_word(form: str) -> bool:
    """Every word of the form is English and cased as one ("Cloud", not "GetHub"), so it may
    well be meant as written."""
    return not INNER_CAPITAL_RE.search(form) and all(is_english(word) for word in form.split())


@dataclass(frozen=True, slots=True)
class _Term:
    text: str
    squashed: str
    keys: tuple[str, ...]
    pieces: frozenset[str]        # squashed pieces: "Meta" is no misrecognition of "Meta AI"
    count: int                    # occurrences as written


@dataclass(frozen=True, slots=True)
class _Match:
    term: _Term
    score: float
    why: str
    variant: bool                 # the term's own letters, spaced, joined or cased otherwise


def _term(text: str, count: int) -> _Term:
    pieces = frozenset(squash(piece) for piece in NAME_PIECE_RE.findall(text) + text.split())
    return _Term(text, squash(text), sound_keys(text), pieces, count)


class _Matcher:
    """Terms and how to find the one closest to a form.

    `near=False` compares a form with every term whose key starts with the same sound and
    has a length that could be close enough (a lexicon is small). `near=True` only finds
    keys at most one edit apart, through an index of their one-letter deletions (SymSpell),
    which stays fast with thousands of terms (the names of a corpus)."""

    def __init__(self, terms: Iterable[_Term], near: bool = False):
        self.near = near
        self.by_squashed: dict[str, _Term] = {}
        self.by_key: dict = defaultdict(list)
        self.lengths: set[int] = set()    # of squashed forms that can be close to a term
        for term in terms:
            self.by_squashed.setdefault(term.squashed, term)
            if len(term.squashed) >= MIN_LENGTH:
                slack = max(2, int(0.3 * len(term.squashed)))
                self.lengths.update(range(len(term.squashed) - slack, len(term.squashed) + slack + 1))
                for key in term.keys:
                    for entry in (_deletions(key) if near else [(key[0], len(key))]):
                        self.by_key[entry].append((key, term))

    def _close_keys(self, key: str, min_sound: float) -> Iterator[tuple[str, _Term]]:
        if self.near:
            for entry in _deletions(key):
                yield from self.by_key.get(entry, ())
        else:
            for length in range(int(len(key) * min_sound), int(len(key) / min_sound) + 1):
                yield from self.by_key.get((key[0], length), ())

    def match(self, form: str, strict: bool) -> _Match | None:
        """The term closest to `form`, if one is close enough. `strict`: it must sound almost
        the same (for an English word, or a corpus's name)."""
        squashed = squash(form)
        term = self.by_squashed.get(squashed)
        if term is not None:
            if form == term.text or (form.islower() and is_english(form)):
                return None
            if form.lower() == term.text.lower():
                return _Match(term, 0.95, "the same word in another case", True)
            return _Match(term, 1.0, "the same letters, spaced or joined otherwise", True)
        if len(squashed) < MIN_LENGTH or len(squashed) not in self.lengths:
            return None
        min_sound, min_spelling = (WORD_SOUND, WORD_SPELLING) if strict else (MIN_SOUND, MIN_SPELLING)
        best = None
        for key in sound_keys(form):
            for term_key, term in self._close_keys(key, min_sound):
                if (abs(len(squashed) - len(term.squashed)) > max(2, int(0.3 * len(term.squashed)))
                        or squashed in term.pieces or term.squashed in squashed):
                    continue
                sound = _closeness(key, term_key)
                if sound < min_sound:
                    continue
                spelling = _closeness(squashed, term.squashed)
                score = round(0.6 * sound + 0.4 * spelling, 3)
                # Ties go to the more frequent term, then the first in order: the same
                # input always gives the same candidates.
                rank = (score, term.count, term.text)
                if spelling >= min_spelling and score >= MIN_SCORE and (best is None or rank > best[0]):
                    best = (rank, _Match(term, score, f"sounds alike ({key} ~ {term_key}), "
                                                      f"spelled alike ({spelling:.2f})", False))
        return best[1] if best else None


def _deletions(key: str) -> set[str]:
    """The key and the keys one letter shorter: two keys one edit apart share one of them."""
    return {key, *(key[:i] + key[i + 1:] for i in range(len(key)))}


def _context_after(text: str, end: int) -> str | None:
    """What follows an occurrence: "#" for a number, else the next word in lower case."""
    if NUMBER_AFTER_RE.match(text, end):
        return "#"
    word = WORD_AFTER_RE.match(text, end)
    return word.group(1).lower() if word else None


class _Occurrences:
    """A second pass over the texts: where each found form occurs and what follows it there,
    and which words follow the terms themselves (what names a term in this corpus)."""

    def __init__(self, texts: list[tuple[str | None, str]], forms: set[str], term_forms: set[str]):
        self.evidence: dict[str, dict[str | None, list[Evidence]]] = defaultdict(lambda: defaultdict(list))
        self.counts: Counter = Counter()          # (form, context) -> occurrences
        self.term_context: Counter = Counter()    # word -> times it follows a term
        pairs = {form for form in forms if " " in form}
        wanted = {word for form in forms for word in form.split(" ")} | term_forms
        wanted |= {word + ending for word in wanted for ending in POSSESSIVE}
        for record, (ident, text) in enumerate(texts):
            if wanted.isdisjoint(WORD_RE.findall(text)):
                continue
            previous = None
            for word, start, end in _tokens(text):
                if word in term_forms:
                    after = _context_after(text, end)
                    if after not in (None, "#") and after not in FUNCTION_WORDS:
                        self.term_context[after] += 1
                if word in forms:
                    self._add(word, (ident, text, record), start, end)
                if previous and text[previous[2]:start] == " " and f"{previous[0]} {word}" in pairs:
                    self._add(f"{previous[0]} {word}", (ident, text, record), previous[1], end)
                previous = (word, start, end)

    def _add(self, form: str, where: tuple[str | None, str, int], start: int, end: int) -> None:
        ident, text, record = where
        after = _context_after(text, end)
        # A capital at a sentence start says nothing about the word being a name.
        context = after if after == "#" or not starts_sentence(text, start) else None
        self.counts[(form, context)] += 1
        slot = self.evidence[form][context]
        if len(slot) < EVIDENCE:
            slot.append(Evidence(ident, text, start, end, record))

    def candidate(self, forms: list[str], match: _Match, needs_context: bool) -> Candidate | None:
        """The candidate for forms of one term; an English word only where its context names
        a term (a number, or a word that follows the terms elsewhere), else None."""
        found = {key for form in forms for key in self.evidence[form]}
        contexts = ({key for key in found if key == "#" or key in self.term_context}
                    if needs_context else found)
        if not contexts:
            return None
        evidence = sorted((item for form in forms for key, slot in self.evidence[form].items()
                           if key in contexts for item in slot),
                          key=lambda item: (item.record, item.start))
        count = sum(self.counts[(form, key)] for form in forms for key in contexts)
        target = match.term
        if not needs_context:
            return Candidate(target.text, tuple(forms), count, match.score, match.why,
                             target.count, evidence=tuple(evidence[:EVIDENCE]))
        ordinary = next((item for form in forms for key, slot in self.evidence[form].items()
                         if key not in contexts for item in slot), None)
        return Candidate(target.text, tuple(forms), count, round(match.score * WORD_PENALTY, 3),
                         match.why + "; an English word, so only in this context", target.count,
                         tuple(sorted(contexts, key=lambda key: (key != "#", key))),
                         tuple(evidence[:EVIDENCE]), ordinary)


def _fixed_by(candidate: Candidate, stage: RuleStage) -> str | None:
    """The stage's rules that already change every sampled occurrence of the candidate."""
    rules = set()
    for item in candidate.evidence:
        covering = [edit.rule for edit in stage(item.text) if isinstance(edit, Edit)
                    and edit.start <= item.start and item.end <= edit.end]
        if not covering:
            return None
        rules.add(covering[0])
    return ", ".join(sorted(rules)) or None


def suggest(texts: Iterable[tuple[str | None, str]], lexicon: Iterable[str] = (), *,
            stage: RuleStage | None = None) -> list[Candidate]:
    """Probable misrecognitions of the lexicon's terms, and of the corpus's frequent names,
    best first. `texts` are (id, text) pairs; a term's version or size is ignored ("Llama 2"
    is Llama). With `stage` (the pipeline's asr_fixes stage), a candidate that the stage
    already fixes names its rule(s) in `fixed_by`."""
    texts = list(texts)
    words, pairs = _count(texts)
    counts = {**pairs, **words}
    lexicon_terms = {}
    for name in map(term_name, lexicon):
        if name and squash(name) not in lexicon_terms:
            lexicon_terms[squash(name)] = _term(name, counts.get(name, 0))
    by_lexicon = _Matcher(lexicon_terms.values())
    by_corpus = _Matcher((_term(word, count) for word, count in words.items()
                          if count >= CORPUS_MIN_COUNT and _proper_name(word)
                          and squash(word) not in lexicon_terms), near=True)

    found: dict[str, _Match] = {}
    for form in _forms(words, pairs):
        match = by_lexicon.match(form, _is_word(form))
        if match is None and squash(form) not in lexicon_terms:
            match = _corpus_match(by_corpus, form, counts[form])
        if match is not None:
            found[form] = match

    term_forms = {word for word in words if squash(word) in lexicon_terms}
    seen = _Occurrences(texts, set(found), term_forms)
    groups: dict[tuple[str, str, bool], list[str]] = defaultdict(list)
    for form, match in found.items():
        needs_context = not match.variant and _is_word(form)
        groups[(match.term.text, squash(form), needs_context)].append(form)
    candidates = []
    for (_, _, needs_context), forms in groups.items():
        forms.sort(key=lambda form: (-counts[form], form))
        best = max((found[form] for form in forms), key=lambda match: match.score)
        candidate = seen.candidate(forms, best, needs_context)
        if candidate is not None and stage is not None:
            candidate = replace(candidate, fixed_by=_fixed_by(candidate, stage))
        if candidate is not None:
            candidates.append(candidate)
    candidates.sort(key=lambda c: (-c.score, -c.count, c.forms[0]))
    return candidates


def _corpus_match(matcher: _Matcher, form: str, count: int) -> _Match | None:
    """A rare name that sounds almost the same as a name found far more often in the corpus
    (or is that name in another case); ranked below the lexicon's terms."""
    if not (form[:1].isupper() and form.isalpha()):
        return None
    match = matcher.match(form, True)
    if (match is None or count * CORPUS_RATIO > match.term.count
            or not (match.variant or _proper_name(form))):
        return None
    return replace(match, score=round(match.score * CORPUS_PENALTY, 3),
                   why=f"like {match.term.text}, a name found {match.term.count} times here: "
                       f"{match.why}")


def _proper_name(word: str) -> bool:
    """Shaped like a proper name and not an English word ("Karpathy", "GitHub"): the
    corpus's own names, and their rare look-alikes. Not "CHAPTER" or "NASA"."""
    return (word.isalpha() and len(word) >= MIN_LENGTH and word[0].isupper()
            and not word.isupper() and _name_like(word))


def _forms(words: Counter, pairs: Counter) -> Iterator[str]:
    """The words and word pairs worth comparing: not lowercase English words, and pairs
    without a function word that hold a name or are capitalized ("chat GPT", "Hugging Phase")."""
    for word in words:
        if not (word.islower() and is_english(word)):
            yield word
    for pair in pairs:
        first, second = pair.split(" ")
        if (first.lower() not in FUNCTION_WORDS and second.lower() not in FUNCTION_WORDS
                and (_name_like(first) or _name_like(second)
                     or (first[0].isupper() and second[0].isupper()))):
            yield pair


def _slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return regex.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-") or "term"


def _quoted(text: str) -> str:
    """A YAML double-quoted string; characters YAML does not allow raw are escaped."""
    return "".join(char if char.isprintable() else f"\\u{ord(char):04x}" if ord(char) <= 0xFFFF
                   else f"\\U{ord(char):08x}" for char in json.dumps(text, ensure_ascii=False))


def _one_line(text: str) -> str:
    return SPACE_RE.sub(" ", text).strip()


def _comment(text: str) -> str:
    return "".join(char if char.isprintable() else " " for char in _one_line(text))


def _window(item: Evidence) -> str:
    """The occurrence with up to WINDOW words on each side."""
    before = SPACE_RE.split(item.text[:item.start])
    after = SPACE_RE.split(item.text[item.end:])
    return _one_line(" ".join(before[-WINDOW - 1:])[-400:] + item.text[item.start:item.end]
                     + " ".join(after[:WINDOW + 1])[:400])


def _matcher(candidate: Candidate) -> dict:
    """`words` for a candidate that is no English word; else a pattern that keeps its context:
    a number after it, or one of the words seen after it ("Cloud(?=\\s+(?i:series)\\b)")."""
    if not candidate.context:
        return {"words": list(candidate.forms)}
    forms = "|".join(regex.escape(form).replace("\\ ", r"\s+") for form in candidate.forms)
    after = [r"[\s-]?[0-9]"] if "#" in candidate.context else []
    words = [regex.escape(key) for key in candidate.context if key != "#"]
    if words:
        after.append(rf"\s+(?i:{'|'.join(words)})\b")
    return {"pattern": rf"(?<!\w)(?:{forms})(?={'|'.join(after)})"}


def _raw_rule(candidate: Candidate, taken: set[str]) -> dict:
    """The rule for a candidate, as a rule file holds it; its id is new to `taken`."""
    rule_id = base = f"{_slug(candidate.forms[0])}-to-{_slug(candidate.target)}"
    number = 1
    while rule_id in taken:
        number += 1
        rule_id = f"{base}-{number}"
    taken.add(rule_id)
    raw = {"id": rule_id, **_matcher(candidate),
           "replace": candidate.target.replace("{", "{{").replace("}", "}}")}
    if "words" in raw and any(carry_case(form, candidate.target) != candidate.target
                              for form in candidate.forms):
        raw["keep_case"] = False
    return raw


def _rule_lines(rank: int, candidate: Candidate, raw: dict, tester: RuleStage) -> list[str]:
    """The YAML lines of one drafted rule, its evidence first as a comment; the examples are
    the evidence as `tester` (the stage the rule will join) changes it."""

    def output(text: str) -> tuple[str, bool]:
        edits = [item for item in tester(text) if isinstance(item, Edit)]
        return apply_edits(text, edits), any(edit.rule == raw["id"] for edit in edits)

    examples = []
    for text in dict.fromkeys(map(_window, candidate.evidence)):
        expected, fired = output(text)
        if fired and len(examples) < 2:
            examples.append((text, expected))
    keeps = [candidate.target]
    if candidate.context:    # the word outside its context stays as it is
        keeps.insert(0, _window(candidate.ordinary) if candidate.ordinary else candidate.forms[0])
    keeps = [text for text in keeps if output(text)[0] == text]

    forms = ", ".join(f'"{form}"' for form in candidate.forms)
    times = "time" if candidate.count == 1 else "times"
    lines = [f"  # {rank}. {forms} -> \"{candidate.target}\": {candidate.count} {times}, "
             f"score {candidate.score:.2f}; \"{candidate.target}\" as written: "
             f"{candidate.target_count}.",
             f"  #    {candidate.why}."]
    lines += [f"  #    {_comment(f'{item.id}: {_window(item)}')}" for item in candidate.evidence[:2]]
    lines.append(f"  - id: {raw['id']}")
    if "words" in raw:
        lines.append(f"    words: [{', '.join(map(_quoted, raw['words']))}]")
    else:
        lines.append("    pattern: '" + raw["pattern"].replace("'", "''") + "'")
    lines.append(f"    replace: {_quoted(raw['replace'])}")
    if "keep_case" in raw:
        lines.append("    keep_case: false")
    if examples:
        lines.append("    examples:")
        lines += [f"      - [{_quoted(text)}, {_quoted(expected)}]" for text, expected in examples]
    if keeps:
        lines.append(f"    keep: [{', '.join(map(_quoted, keeps))}]")
    return lines


def draft_rules(candidates: Iterable[Candidate], stage: RuleStage | None = None,
                top: int | None = None) -> str:
    """A rule file: one rule per candidate, in the given order, ready for review; at most
    `top` rules. With `stage` (the one the file will join), examples are computed through
    it, ids do not collide with its rules, and candidates it already fixes are only listed
    at the end."""
    taken = {rule.id for rule in stage.rules} if stage else set()
    drafts, fixed = [], []
    for rank, candidate in enumerate(candidates, 1):
        if candidate.fixed_by:
            forms = ", ".join(f'"{form}"' for form in candidate.forms)
            fixed.append(f"#   {rank}. {forms} -> \"{candidate.target}\" ({candidate.count}x, "
                         f"score {candidate.score:.2f}): rule {candidate.fixed_by}")
        elif top is None or len(drafts) < top:
            drafts.append((rank, candidate, _raw_rule(candidate, taken)))
    rules = [parse_rule(raw, "draft", {}) for _, _, raw in drafts]
    tester = RuleStage(stage.name if stage else "asr_fixes", [*(stage.rules if stage else ()), *rules],
                       style=stage.style if stage else DEFAULT_STYLE)
    body: list[str] = []
    for rank, candidate, raw in drafts:
        body += [""] if body else []
        body += _rule_lines(rank, candidate, raw, tester)
    lines = [DRAFT_HEADER.rstrip("\n"), "rules:" if body else "rules: []", *body]
    if fixed:
        lines += ["", "# Found as well, and already fixed by the pipeline's rules (no rule drafted):",
                  *fixed]
    return "\n".join(lines) + "\n"
