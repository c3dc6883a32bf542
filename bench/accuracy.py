"""Score the pipeline on dev sets of real (written, spoken) pairs and group what it got wrong.

    python bench/accuracy.py /work/shared/eval/libritts_dev.jsonl [more.jsonl ...] \\
        [--pipeline FILE] [--show N] [--top K] [--group GROUP] [--view strict] [--json out.json]

Each file holds JSON lines `{"id", "input", "ref"}`. Every `input` is normalized with the
pipeline and compared with `ref` in two views, applied identically to both sides:

- strict: lowercase, dashes to spaces, punctuation dropped, whitespace collapsed;
- neutral (style-neutral): strict, then the EQUIVALENCES table below (single letters joined,
  "Mr." = "mister", "hundred and four" = "hundred four", ...), so that what is left is a
  difference of substance, not of house style (see /work/shared/eval/README.md).

Per file: sentence accuracy in both views, word error rate in both views (word-level
Levenshtein: total edits / total reference words), lines, seconds and lines per second of
the pipeline alone. Failing lines (neutral view unless `--view strict`) are grouped by the
semiotic class of the written tokens that differ ("spelling" when the reference only
respells a word the American way); a line counts in every group it has a difference in, in
"residue-flagged" when the residue stage flagged it, and in "error" when the pipeline
raised. Everything but the timings is deterministic.

>>> strict("The U.S. -- 'twenty-three' people!")
'the u s twenty three people'
>>> neutral("Mr. Smith read one hundred and four P D F pages on the 5th of May.")
'mister smith read one hundred four pdf pages on the 5th of may'
>>> word_edits("a b c".split(), "a x c d".split())
2
>>> [token_class(t) for t in ("$5", "1990s", "IX", "GPT", "3:30", "Mr.", "walked")]
['money', 'year', 'roman', 'letters', 'time', 'abbreviation', 'other']
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from dataclasses import asdict, dataclass, field
from difflib import SequenceMatcher
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:          # run as a script from a checkout (the package is not installed)
    sys.path.insert(0, str(ROOT))

import normalizer  # noqa: E402  (needs the path above)

# ---------------------------------------------------------------------------------------------
# Knowledge tables. The views and the classifier read these; edit them, not the functions.

MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august",
          "september", "october", "november", "december")
MONTH_ABBREVIATIONS = ("jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct",
                       "nov", "dec")
UNITS_WORDS = ("zero one two three four five six seven eight nine ten eleven twelve thirteen "
               "fourteen fifteen sixteen seventeen eighteen nineteen").split()
TENS_WORDS = "twenty thirty forty fifty sixty seventy eighty ninety".split()
SCALE_WORDS = "hundred thousand million billion trillion".split()
ORDINAL_WORDS = ("first second third fourth fifth sixth seventh eighth ninth tenth eleventh "
                 "twelfth thirteenth fourteenth fifteenth sixteenth seventeenth eighteenth "
                 "nineteenth twentieth thirtieth fortieth fiftieth sixtieth seventieth eightieth "
                 "ninetieth hundredth thousandth millionth billionth").split()
# A day of the month read as a cardinal ("November eighteen", LJSpeech) -> its ordinal.
DAY_ORDINALS = {"one": "first", "two": "second", "three": "third", "five": "fifth",
                "eight": "eighth", "nine": "ninth", "twelve": "twelfth", "twenty": "twentieth",
                "thirty": "thirtieth"}

_NUMBER_WORD = "|".join(UNITS_WORDS + TENS_WORDS + SCALE_WORDS + ORDINAL_WORDS)
# Words a number is read with, to tell them from the words around it.
_NUMBER_WORDS = frozenset(UNITS_WORDS + TENS_WORDS + SCALE_WORDS + ORDINAL_WORDS
                          + ["and", "point", "oh", "o", "minus", "plus", "a", "half", "quarter"])
_MONTH = "|".join(MONTHS)
_DAY_ORDINAL = r"(?:(?:twenty|thirty) )?(?:%s)" % "|".join(ORDINAL_WORDS[:20] + ["thirtieth"])
_DAY_CARDINAL = (r"(?:twenty (?:one|two|three|four|five|six|seven|eight|nine)|thirty one|"
                 r"thirty|twenty|%s)" % "|".join(UNITS_WORDS[1:]))
# A day read as a cardinal ends the phrase, or is followed by a word that is no number, or by a
# year ("nineteen sixty-three", "two thousand eight"). Otherwise it is a year itself: "May
# eighteen forty-two" is May 1842, "November twenty eleven" November 2011.
_AFTER_DAY = (rf"(?=$| (?!(?:{_NUMBER_WORD}|oh|o)\b)| (?:{'|'.join(UNITS_WORDS[10:])}) "
              rf"(?:{'|'.join(TENS_WORDS)}|hundred|oh|o)\b| two thousand\b)")
_LETTER = r"[^\W\d_]"
_PLURAL_LETTER = r"(?!(?:as|is|us)\b)[^\W\d_]s\b"     # "Os" in "U F Os", not the word "is"


def _join_letters(match: re.Match) -> str:
    return match.group().replace(" ", "")


def _day_ordinal(match: re.Match) -> str:
    *tens, last = match.group("day").split()
    last = DAY_ORDINALS.get(last, last + "th")
    return " ".join([match.group("month"), *tens, last])


# The style-neutral view: (what it equates, pattern, replacement), applied in this order to the
# strict form of both the pipeline's output and the reference. Each row is a convention on
# which a corpus and SPEC.md may differ without either being wrong about what was said.
EQUIVALENCES = (
    ("apostrophes dropped: o'clock = oclock, m's = ms", r"'", ""),
    ("Mr. = mister", r"\bmr\b", "mister"),
    ("Mrs. = missus", r"\bmrs\b", "missus"),
    ("Dr. = doctor", r"\bdr\b", "doctor"),
    ("St. = saint", r"\bst\b", "saint"),
    ("zero read as a letter: three oh five = three o five", r"\boh\b", "o"),
    ("(the) fifteenth (of) September = September fifteenth (Google TN, LJSpeech)",
     rf"\b(?:the )?({_DAY_ORDINAL}) (?:of )?({_MONTH})\b", r"\2 \1"),
    ("November eighteen = November eighteenth (LJSpeech)",
     rf"\b(?P<month>{_MONTH}) (?P<day>{_DAY_CARDINAL})\b{_AFTER_DAY}", _day_ordinal),
    ("'and' inside a number dropped: hundred and four = hundred four",
     rf"\b({'|'.join(SCALE_WORDS)}) and (?=(?:{_NUMBER_WORD})\b)", r"\1 "),
    ("single letters joined, with a plural: p d f = pdf = P D F, U F Os = u f o's = ufos",
     rf"\b{_LETTER}\b(?:(?: {_LETTER}\b)+(?: {_PLURAL_LETTER})?| {_PLURAL_LETTER})", _join_letters),
)

# The strict view: typographic variants (and their cp1252 mojibake) unified first.
QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201b": "'", "\u02bc": "'", "\x91": "'",
                        "\x92": "'", "\u201c": '"', "\u201d": '"', "\u201e": '"', "\x93": '"',
                        "\x94": '"'})
DASHES = "-\u2010\u2011\u2012\u2013\u2014\u2015\u2e3a\u2e3b\x96\x97"
PUNCTUATION = ".,;:!?\"`()[]{}\u2026\u00ab\u00bb\u00a1\u00bf/\\|"
# An apostrophe stays only inside a word ("didn't", "o'clock"); as a quote mark it goes.
_LOOSE_APOSTROPHE = re.compile(r"(?<!\w)'|'(?!\w)")
_TO_SPACE = re.compile("[%s]" % re.escape(DASHES + PUNCTUATION))

# The classifier of written tokens.
CURRENCY = "$£€¥¢₹"
UNITS = frozenset(("km m cm mm nm kg g mg lb lbs oz ft yd mi mph kph km/h m/s hz khz mhz ghz "
                   "kb mb gb tb kw mw w kwh v ma ml l ha °c °f ° sq cc").split())
# A written word the reference spells the American way ("centre", "organise", "programme"):
# the Google TN data respells, nobody speaks it differently. (pattern, replacement) in order.
AMERICAN_SPELLING = ((r"(?<=\w\w)our(?=s?$|ed$|ing$|able$|ite|ist)", "or"), (r"tre(?=s?$)", "ter"),
                     (r"(?<=\w\w)is(?=e$|es$|ed$|ing$|ation|er)", "iz"), (r"ogue$", "og"),
                     (r"(?<=[aeiou])ll(?=ed$|ing$|er$)", "l"), (r"mme$", "m"))
AM_PM = frozenset(("am", "pm", "a.m.", "p.m.", "a.m", "p.m"))
ABBREVIATIONS = frozenset(("mr mrs ms messrs mme mlle dr st jr sr vs etc e.g i.e no nos vol vols "
                           "co ltd inc corp gen col capt lt sgt maj rev prof hon esq ave rd mt ft "
                           "fig figs ch chap pp approx dept univ").split())
# Words after which a lone "I" is a numeral ("Chapter I", "Henry I"), not the pronoun.
ROMAN_CUES = frozenset(("chapter book part volume vol act scene section article canto appendix "
                        "plate figure fig no number class phase stage war henry george edward "
                        "james charles william richard louis napoleon pope").split())
# Groups in order of precedence: a difference whose written tokens fall in several classes
# gets the first one ("$5 million" is money, not number).
CLASSES = ("electronic", "money", "percent", "time", "date", "measure", "fraction", "decimal",
           "ordinal", "range", "year", "number", "roman", "letters", "symbol", "abbreviation",
           "spelling", "other")
EXTRA_GROUPS = ("residue-flagged", "error")
# Classes of tokens that are words, not part of an expression that may be reordered when read.
WORD_CLASSES = frozenset(("letters", "roman", "symbol", "abbreviation", "spelling", "other"))

_ELECTRONIC = re.compile(r"^(?:https?://|www\.)|\w@\w"
                         r"|\w\.(?:com|org|net|edu|gov|info|io|ai|uk|de|fr|ro|ru|jp|cn|au|ca|py)\b",
                         re.I)
_TIME = re.compile(r"^\d{1,2}:\d\d(?::\d\d)?(?:[ap]\.?m\.?)?$|^\d{1,2}(?:[.:]\d\d)?[ap]\.?m\.?$", re.I)
_DATE = re.compile(r"^\d{1,4}([/.-])\d{1,2}\1\d{1,4}$")
_MEASURE = re.compile(r"^\d[\d,.]*/?(?P<unit>[^\d\s/][^\s/]*?)[23\u00b2\u00b3]?$")
_ORDINAL = re.compile(r"^\d+(?:st|nd|rd|th)$", re.I)
_YEAR = re.compile(r"^(?:1\d{3}|20\d\d)s?$|^'?\d0s$")
_FRACTION = re.compile(r"^\d[\d,]*/\d[\d,]*$")
_DECIMAL = re.compile(r"^[-+]?\d*\.\d+$")
_RANGE = re.compile(r"^\d[\d,.]*[-\u2013]\d[\d,.]*$")
_SYMBOL = re.compile(r"[&#+=@~*°§^<>|\\/]")
_ROMAN = re.compile(r"^(?=[MDCLXVI])M{0,4}(?:CM|CD|D?C{0,3})(?:XC|XL|L?X{0,3})(?:IX|IV|V?I{0,3})$")
_LETTERS = re.compile(r"^[A-Z]{2,}s?$|^(?:[A-Za-z]\.){2,}$|^(?:[A-Za-z]\.)+[A-Za-z]$|^[A-Za-z]*[a-z][A-Z]")
_ROMAN_ORDINAL = re.compile(r"^[IVXLC]+(?:st|nd|rd|th)\.?$")
_POSSESSIVE = re.compile(r"['\u2019\x92]s$")
_ABBREVIATION_SHAPE = re.compile(r"^[A-Z][a-z]{0,3}\.$")
# Written tokens: split at spaces and at dashes that separate words ("II.--It", "is\x97a").
_WORD_SPLIT = re.compile(r"\s+|--+|[\u2014\u2015\x97]")
_EDGE_PUNCTUATION = "\"'`()[]{},;:!?\u201c\u201d\u2018\u2019\u00ab\u00bb"

# ---------------------------------------------------------------------------------------------
# The two views and the word error rate.


def strict(text: str) -> str:
    """Lowercase, dashes to spaces, punctuation dropped, whitespace collapsed.

    >>> strict("Elm St., 10:45 A.M. -- didn't  \u201cwe\u201d?")
    "elm st 10 45 a m didn't we"
    """
    text = text.translate(QUOTES).lower()
    text = _LOOSE_APOSTROPHE.sub(" ", text)
    return " ".join(_TO_SPACE.sub(" ", text).split())


_EQUIVALENCES = tuple((re.compile(pattern), replacement) for _, pattern, replacement in EQUIVALENCES)


def neutral(text: str) -> str:
    """The strict view with the EQUIVALENCES applied: house style no longer counts.

    >>> neutral("the twenty ninth of November, G.P.T. eighteen oh five")
    'november twenty ninth gpt eighteen o five'
    >>> neutral("On November thirty, nineteen sixty-three")
    'on november thirtieth nineteen sixty three'
    """
    text = strict(text)
    for pattern, replacement in _EQUIVALENCES:
        text = pattern.sub(replacement, text)
    return " ".join(text.split())


VIEWS = {"strict": strict, "neutral": neutral}


def word_edits(hyp: list[str], ref: list[str]) -> int:
    """Levenshtein distance over words: substitutions + insertions + deletions.

    >>> word_edits([], ["a", "b"]), word_edits(["a", "b"], ["a", "b"]), word_edits(["b", "a"], ["a", "b"])
    (2, 0, 2)
    """
    start = 0                                        # a shared start or end costs nothing
    while start < min(len(hyp), len(ref)) and hyp[start] == ref[start]:
        start += 1
    end = 0
    while end < min(len(hyp), len(ref)) - start and hyp[-1 - end] == ref[-1 - end]:
        end += 1
    hyp, ref = hyp[start:len(hyp) - end], ref[start:len(ref) - end]
    previous = list(range(len(ref) + 1))
    for i, word in enumerate(hyp, 1):
        current = [i]
        for j, other in enumerate(ref, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (word != other)))
        previous = current
    return previous[-1]


# ---------------------------------------------------------------------------------------------
# What went wrong: align the written tokens with both outputs, classify those that differ.


def _core(token: str) -> str:
    """A written token without the punctuation around it ("(1839)." -> "1839"; "Mr." stays)."""
    core = _POSSESSIVE.sub("", token.strip(_EDGE_PUNCTUATION)).strip(_EDGE_PUNCTUATION)
    if core.endswith(".") and _has_digit(core[:-1]):
        core = core.rstrip(".")
    return core


def _has_digit(text: str) -> bool:
    return any(ch.isdigit() for ch in text)


def _is_month(word: str) -> bool:
    word = word.rstrip(".")
    return word in MONTHS or word in MONTH_ABBREVIATIONS


def token_class(token: str, prev: str = "", next_: str = "") -> str:
    """The semiotic class of one written token, by its shape and its neighbours.

    >>> token_class("5"), token_class("5", next_="km"), token_class("21", prev="November")
    ('number', 'measure', 'date')
    >>> token_class("I"), token_class("I", prev="Chapter"), token_class("&")
    ('other', 'roman', 'symbol')
    """
    core = _core(token)
    low = core.lower()
    before, after = _core(prev).lower(), _core(next_).lower()
    digit = _has_digit(core)
    measure = _MEASURE.match(core)
    if _ELECTRONIC.search(core):
        return "electronic"
    if any(ch in CURRENCY for ch in core) or (digit and before and before[-1] in CURRENCY):
        return "money"
    if "%" in core or (digit and after in ("%", "percent")):
        return "percent"
    if _TIME.match(core) or (digit and after in AM_PM) or low in AM_PM:
        return "time"
    if (_DATE.match(core) or (digit and (_is_month(before) or _is_month(after)))
            or (_is_month(low) and (_has_digit(prev) or _has_digit(next_)))):
        return "date"
    if ((measure and measure["unit"].lower() in UNITS) or (digit and after in UNITS)
            or (low in UNITS and _has_digit(prev))):
        return "measure"
    for name, shape in (("fraction", _FRACTION), ("decimal", _DECIMAL), ("ordinal", _ORDINAL),
                        ("range", _RANGE), ("year", _YEAR)):
        if shape.match(core):
            return name
    if _SYMBOL.search(core) or (low in ("x", "\u00d7") and _has_digit(prev) and _has_digit(next_)):
        return "symbol"
    if digit:
        return "letters" if any(ch.isalpha() for ch in core) else "number"
    numeral = core.rstrip(".")
    if (_ROMAN.match(numeral) and (numeral != "I" or before in ROMAN_CUES)) or _ROMAN_ORDINAL.match(core):
        return "roman"
    if _LETTERS.match(core):
        return "letters"
    if low.rstrip(".") in ABBREVIATIONS or (_ABBREVIATION_SHAPE.match(core) and next_):
        return "abbreviation"
    return "other"


def token_classes(tokens: list[str]) -> list[str]:
    """The class of each written token among its neighbours.

    Punctuation alone is skipped and "of" is looked through ("the 1st of May", "Mar . 11"); a
    scale word after a number belongs to it ("$ 30 billion").

    >>> token_classes("on the 1st of May".split()), token_classes("$ 30 billion".split())
    (['other', 'other', 'date', 'other', 'date'], ['money', 'money', 'money'])
    """
    words = [t for t in tokens if _core(t)]         # neighbours: punctuation alone is skipped
    classes, w, cls = [], -1, "other"
    for token in tokens:
        if not _core(token):
            classes.append("other")
            continue
        w += 1
        if not (w and _core(token).lower() in SCALE_WORDS and _has_digit(words[w - 1])):
            before = w - 2 if w > 1 and words[w - 1].lower() == "of" else w - 1
            after = w + 2 if w + 2 < len(words) and words[w + 1].lower() == "of" else w + 1
            cls = token_class(token, words[before] if before >= 0 else "",
                              words[after] if after < len(words) else "")
        classes.append(cls)
    return classes


@dataclass(frozen=True)
class Difference:
    """A stretch where the pipeline and the reference differ, with the written tokens behind it."""

    cls: str
    written: str
    ours: str
    ref: str


def differences(written: str, ours: str, ref: str, view=neutral) -> list[Difference]:
    """Where `ours` and `ref` differ (in `view`), each with the written tokens it came from.

    Plain words (not part of a number, date, ...) that the view leaves the same in the written
    text, the output and the reference anchor the alignment; the stretches between anchors
    are compared, and the written tokens a difference comes from name its class.

    >>> [d] = differences("Retrieved 29 November 2011 .", "Retrieved 29 November twenty eleven .",
    ...                   "Retrieved the twenty ninth of november twenty eleven .")
    >>> d.cls, d.written, d.ours, d.ref
    ('date', '29 November', '29 november twenty eleven', 'november twenty ninth twenty eleven')
    """
    raw = [token for token in _WORD_SPLIT.split(written) if token]
    classes = token_classes(raw)
    keys, spans = [], []                  # view tokens of the written text; each raw token's range
    for token in raw:
        start = len(keys)
        keys += view(token).split()
        spans.append((start, len(keys)))
    hyp, gold = view(ours).split(), view(ref).split()
    to_hyp, to_gold = _matches(keys, hyp), _matches(keys, gold)
    anchors = []                          # (raw index, first/last hyp index, first/last gold index)
    for i, (a, b) in enumerate(spans):
        # A word inside an expression ("November" in "29 November") may move when the expression
        # is read ("the twenty ninth of November"): only plain words anchor.
        if a == b or classes[i] not in WORD_CLASSES:
            continue
        if all(k in to_hyp and k in to_gold for k in range(a, b)) and \
                to_hyp[b - 1] - to_hyp[a] == to_gold[b - 1] - to_gold[a] == b - 1 - a:
            anchors.append((i, to_hyp[a], to_hyp[b - 1], to_gold[a], to_gold[b - 1]))
    found, last = [], (-1, -1, -1)
    for i, h_first, h_last, g_first, g_last in anchors + [(len(raw), len(hyp), 0, len(gold), 0)]:
        ours_part, ref_part = hyp[last[1] + 1:h_first], gold[last[2] + 1:g_first]
        if ours_part != ref_part:
            tokens = [j for j in range(last[0] + 1, i) if spans[j][0] < spans[j][1]]
            numeric = [_has_digit(raw[j]) or classes[j] == "roman" for j in tokens]
            blamed = _blame([keys[slice(*spans[j])] for j in tokens], numeric, ours_part, ref_part)
            tokens = [tokens[t] for t in blamed]
            # Nothing written between the anchors: the words around say what it was about.
            context = tokens or [j for j in (last[0], i) if 0 <= j < len(raw)]
            cls = min((classes[j] for j in context), key=CLASSES.index, default="other")
            if cls == "other" and _respelled(ours_part, ref_part):
                cls = "spelling"
            found.append(Difference(cls, " ".join(raw[j] for j in tokens),
                                    " ".join(ours_part), " ".join(ref_part)))
        last = (i, h_last, g_last)
    return found


def _respelled(ours: list[str], ref: list[str]) -> bool:
    """Whether `ref` is `ours` with some words spelled the American way.

    >>> _respelled(["the", "centre"], ["the", "center"]), _respelled(["four"], ["for"])
    (True, False)
    """
    if len(ours) != len(ref) or ours == ref:
        return False
    for word, other in zip(ours, ref):
        if word == other:
            continue
        for pattern, replacement in AMERICAN_SPELLING:
            word = re.sub(pattern, replacement, word)
        if word != other:
            return False
    return True


def _blame(token_keys: list[list[str]], numeric: list[bool], ours: list[str], ref: list[str]) -> list[int]:
    """Which written tokens of a differing stretch the difference comes from (their indices).

    Words that `ours` and `ref` share at the start and end of the stretch are not the
    difference; a written token is to blame if its words in `ours` reach into the rest. Its
    words: itself where the pipeline left it, else what lies between the tokens it left.

    >>> _blame([["3", "30pm"], ["5"], ["km"]], [True, True, False], "three thirty p m 5 km".split(),
    ...        "three thirty p m five kilometers".split())
    [1, 2]
    """
    if len(token_keys) < 2:
        return list(range(len(token_keys)))
    prefix = next((n for n, (a, b) in enumerate(zip(ours, ref)) if a != b), min(len(ours), len(ref)))
    suffix = next((n for n, (a, b) in enumerate(zip(ours[::-1], ref[::-1])) if a != b),
                  min(len(ours), len(ref)))
    low, high = prefix, max(len(ours) - suffix, prefix)
    flat = [key for keys in token_keys for key in keys]
    found = _matches(flat, ours)
    kept, start = [], 0
    for keys in token_keys:
        at = [found.get(k) for k in range(start, start + len(keys))]
        if None not in at and at == list(range(at[0], at[0] + len(at))):
            kept.append((at[0], at[0] + len(at)))
        else:
            kept.append(None)
        start += len(keys)
    chunks = []
    for t, span in enumerate(kept):
        if span is None:     # verbalized: somewhere between the kept tokens around it
            before = next((kept[u][1] for u in range(t - 1, -1, -1) if kept[u]), 0)
            after = next((kept[u][0] for u in range(t + 1, len(kept)) if kept[u]), len(ours))
            span = (before, after)
        chunks.append(span)
    _split_numbers(numeric, kept, chunks, ours)
    blamed = [t for t, (a, b) in enumerate(chunks)
              if (a < high and b > low) or (low == high and a <= low <= b)]
    return blamed or list(range(len(token_keys)))


def _split_numbers(numeric: list[bool], kept: list, chunks: list, ours: list[str]) -> None:
    """Share the words of verbalized neighbours ("No. 2" -> "number two") between them: a
    numeric token (digits, a Roman numeral) says number words, the others what lies around them."""
    t = 0
    while t < len(chunks):
        end = t
        while end + 1 < len(chunks) and kept[end + 1] is None and chunks[end + 1] == chunks[t]:
            end += 1
        group = range(t, end + 1)
        if kept[t] is None and end > t and any(numeric[u] for u in group):
            position, last = chunks[t]
            pending, digits = [], None
            for u in group:
                if not numeric[u]:
                    pending.append(u)
                    continue
                start = next((w for w in range(position, last) if _is_number_word(ours[w])), last)
                for v in pending:
                    chunks[v] = (position, start)
                stop = next((w for w in range(start, last) if not _is_number_word(ours[w])), last)
                chunks[u], position, pending, digits = (start, stop), stop, [], u
            for v in pending:
                chunks[v] = (position, last)
            if not pending:      # what follows the last number ("dollars") is its own
                chunks[digits] = (chunks[digits][0], last)
        t = end + 1


def _is_number_word(word: str) -> bool:
    return word in _NUMBER_WORDS or word.removesuffix("s") in _NUMBER_WORDS or \
        word.removesuffix("ies") + "y" in _NUMBER_WORDS


def _matches(a: list[str], b: list[str]) -> dict[int, int]:
    matcher = SequenceMatcher(None, a, b, autojunk=False)
    return {block.a + k: block.b + k for block in matcher.get_matching_blocks() for k in range(block.size)}


def failure_groups(found: list[Difference], residue_flagged: bool = False, error: bool = False) -> list[str]:
    """The groups a failing line counts in, in CLASSES order, then the extra groups.

    >>> failure_groups([Difference("year", "", "", ""), Difference("money", "", "", "")], True)
    ['money', 'year', 'residue-flagged']
    """
    groups = sorted({d.cls for d in found}, key=CLASSES.index)
    return groups + [name for name, on in zip(EXTRA_GROUPS, (residue_flagged, error)) if on]


# ---------------------------------------------------------------------------------------------
# Scoring files.


@dataclass
class LineScore:
    """A line that fails: what was written, what we said, what the corpus says, and why."""

    id: str
    input: str
    ours: str
    ref: str
    groups: list[str]
    differences: list[dict]
    flags: list[str]


@dataclass
class FileScore:
    """The figures for one dev set (accuracies and word error rates in percent)."""

    file: str
    lines: int = 0
    strict_accuracy: float = 0.0
    neutral_accuracy: float = 0.0
    wer_strict: float = 0.0
    wer_neutral: float = 0.0
    flagged_lines: int = 0
    seconds: float = 0.0
    lines_per_second: float = 0.0
    failures_view: str = "neutral"
    groups: dict[str, int] = field(default_factory=dict)
    failures: list[LineScore] = field(default_factory=list)


class DataError(Exception):
    """A dev-set file that cannot be read: the message names the file and line."""


def read_pairs(path: str) -> list[dict]:
    """The records of a dev set; a line without an "id" is named by its file and line number."""
    pairs = []
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as error:
                raise DataError(f"{path}:{number}: not JSON ({error.msg})") from None
            if not (isinstance(record, dict)
                    and all(isinstance(record.get(key), str) for key in ("input", "ref"))):
                raise DataError(f"{path}:{number}: needs string fields \"input\" and \"ref\"")
            record.setdefault("id", f"{Path(path).name}:{number}")
            pairs.append(record)
    return pairs


def _normalize_all(pipeline, texts: list[str]) -> tuple[list, float]:
    """Normalize every text; (Result or the exception it raised, per text) and the seconds taken."""
    results = []
    start = time.perf_counter()
    for text in texts:
        try:
            results.append(pipeline.normalize(text))
        except Exception as error:   # a stage under construction may crash: count it, go on
            results.append(error)
    return results, time.perf_counter() - start


def score_file(pipeline, path: str, failures_view: str = "neutral") -> FileScore:
    """Normalize a dev set and score it against its references."""
    pairs = read_pairs(path)
    results, seconds = _normalize_all(pipeline, [pair["input"] for pair in pairs])
    score = FileScore(file=path, lines=len(pairs), seconds=round(seconds, 3), failures_view=failures_view,
                      lines_per_second=round(len(pairs) / seconds) if seconds else 0.0)
    right = {"strict": 0, "neutral": 0}
    edits = {"strict": 0, "neutral": 0}
    words = {"strict": 0, "neutral": 0}
    for pair, result in zip(pairs, results):
        error = isinstance(result, Exception)
        ours = pair["input"] if error else result.text
        flags = [f"{type(result).__name__}: {result}"] if error else [
            f"{flag.stage}/{flag.rule} {flag.text!r}: {flag.reason}" for flag in result.flags]
        score.flagged_lines += bool(flags) and not error
        same = {}
        for name, view in VIEWS.items():
            hyp, gold = view(ours).split(), view(pair["ref"]).split()
            same[name] = hyp == gold
            right[name] += same[name]
            edits[name] += word_edits(hyp, gold)
            words[name] += len(gold)
        if same[failures_view]:
            continue
        found = differences(pair["input"], ours, pair["ref"], VIEWS[failures_view])
        residue = not error and any(flag.stage == "residue" for flag in result.flags)
        groups = failure_groups(found, residue, error)
        for group in groups:
            score.groups[group] = score.groups.get(group, 0) + 1
        score.failures.append(LineScore(str(pair["id"]), pair["input"], ours, pair["ref"], groups,
                                        [asdict(d) for d in found], flags))
    lines = max(len(pairs), 1)
    score.strict_accuracy = round(100 * right["strict"] / lines, 2)
    score.neutral_accuracy = round(100 * right["neutral"] / lines, 2)
    score.wer_strict = round(100 * edits["strict"] / max(words["strict"], 1), 2)
    score.wer_neutral = round(100 * edits["neutral"] / max(words["neutral"], 1), 2)
    score.groups = dict(sorted(score.groups.items(),
                               key=lambda item: (item[0] in EXTRA_GROUPS, -item[1], item[0])))
    return score


# ---------------------------------------------------------------------------------------------
# Output.

WIDTH = 200   # longest stretch of a line shown in an example


def _window(text: str, ratio: float) -> str:
    """WIDTH characters of `text` around the point `ratio` of the way through it."""
    if len(text) <= WIDTH:
        return text
    start = min(max(int(ratio * len(text)) - WIDTH // 3, 0), len(text) - WIDTH)
    head, tail = ("\u2026" if start else ""), ("\u2026" if start + WIDTH < len(text) else "")
    return head + text[start:start + WIDTH] + tail


def _example(line: LineScore, group: str) -> list[str]:
    shown = [d for d in line.differences if d["cls"] == group or group in EXTRA_GROUPS]
    first = shown[0]["written"].split()[:1] if shown else []
    ratio = max(line.input.find(first[0]), 0) / len(line.input) if first and line.input else 0.0
    out = [f"    [{line.id}] {_window(line.input, ratio)}", f"      ours: {_window(line.ours, ratio)}",
           f"      ref:  {_window(line.ref, ratio)}"]
    out += [f"      {d['cls']}: {d['written']!r} -> ours {d['ours']!r} | ref {d['ref']!r}" for d in shown]
    if group in EXTRA_GROUPS:
        out += [f"      flag: {_window(flag, 0.0)}" for flag in line.flags[:3]]
    return out


def render(scores: list[FileScore], pipeline_name: str, show: int = 2, top: int = 5,
           group: str | None = None) -> str:
    """The report: one table row per file, then each file's failure groups with examples.

    Examples are shown for the `top` largest groups of written-token classes, or for `group` only.
    """
    out = [f"pipeline: {pipeline_name}", "",
           f"{'set':<22}{'lines':>7}{'strict':>9}{'neutral':>9}{'WER':>8}{'WER-n':>8}"
           f"{'flagged':>9}{'sec':>8}{'lines/s':>9}"]
    for s in scores:
        out.append(f"{Path(s.file).stem:<22}{s.lines:>7}{s.strict_accuracy:>8.1f}%{s.neutral_accuracy:>8.1f}%"
                   f"{s.wer_strict:>7.1f}%{s.wer_neutral:>7.1f}%{s.flagged_lines:>9}{s.seconds:>8.2f}"
                   f"{s.lines_per_second:>9.0f}")
    out.append("(strict, neutral: sentence accuracy; WER, WER-n: word error rate in either view; "
               "flagged: lines with a flag)")
    for s in scores:
        out += ["", f"{Path(s.file).stem}: {len(s.failures)} lines fail in the {s.failures_view} view; "
                    f"by group (a line counts in each group it has a difference in):"]
        out += [f"  {name:<17}{count:>6}" for name, count in s.groups.items() if group in (None, name)]
        for name in [group] if group else [g for g in s.groups if g not in EXTRA_GROUPS][:top]:
            lines = [f for f in s.failures if name in f.groups][:show]
            if lines:
                out.append(f"  -- {name}")
                for line in lines:
                    out += _example(line, name)
    return "\n".join(out)


# Normalized once before timing, so that lazy imports (num2words) do not count against the first set.
WARM_UP = "On Jan. 5, 2023 at 3:30pm Dr. Smith paid $2.5 million for 104 GB (97%) of GPT-4's data."


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("files", nargs="+", help="JSON lines with \"id\", \"input\", \"ref\"")
    parser.add_argument("--pipeline", "-p", metavar="FILE", help="pipeline file (default: the bundled one)")
    parser.add_argument("--show", type=int, default=2, metavar="N", help="examples per group (default 2)")
    parser.add_argument("--top", type=int, default=5, metavar="K",
                        help="show examples for the K largest groups (default 5)")
    parser.add_argument("--group", choices=CLASSES + EXTRA_GROUPS, help="show only this group")
    parser.add_argument("--view", choices=tuple(VIEWS), default="neutral",
                        help="the view in which a line counts as failing (default neutral)")
    parser.add_argument("--json", metavar="FILE", help="write every figure and failure as JSON")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        pipeline = normalizer.load(args.pipeline)
        _normalize_all(pipeline, [WARM_UP])
        scores = [score_file(pipeline, path, args.view) for path in args.files]
    except (OSError, DataError, normalizer.NormalizerError) as error:
        print(f"accuracy: {error}", file=sys.stderr)
        return 1
    name = args.pipeline or "default"
    print(render(scores, name, args.show, args.top, args.group))
    if args.json:
        report = {"pipeline": name, "view": args.view, "equivalences": [row[0] for row in EQUIVALENCES],
                  "sets": [asdict(s) for s in scores]}
        Path(args.json).write_text(json.dumps(report, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
