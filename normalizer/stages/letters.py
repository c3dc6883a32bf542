"""Letter strings and mixed tokens: "GPT-4" -> "G P T four", "70B" -> "seventy B"; a lexicon keeps NASA a word.

>>> from normalizer.edits import Edit, apply_edits
>>> from normalizer.pipeline import load
>>> stage = load().stage("letters")
>>> text = "OpenAI's GPT-4, NASA and 70B models, OK?"
>>> apply_edits(text, [edit for edit in stage(text) if isinstance(edit, Edit)])
"Open A I's G P T four, NASA and seventy B models, okay?"
"""

from __future__ import annotations

from itertools import groupby

import regex

from .. import verbalize
from ..rules import Rule, alternation
from ..verbalize import DEFAULT_STYLE, Style
from .base import RuleStage

# The pieces of a token: a number; a word (maybe capitalized); a run of capitals, which stops
# before a plural "s" ("LLMs") or before the capital that starts the next word ("XMLHttp");
# any other letter (a letter without case) as it is. Hyphens between pieces are not said.
SEGMENT_RE = regex.compile(
    r"(?P<number>[0-9]+(?:,[0-9]{3})*(?:\.[0-9]+)*)|(?P<word>\p{Lu}?\p{Ll}+)"
    r"|(?P<caps>\p{Lu}{2,}(?=s(?!\p{L}))|\p{Lu}+?(?=\p{Lu}\p{Ll})|\p{Lu}+)|(?P<other>[^-])")
# The words next to a token, across the punctuation a line written in capitals may have.
WORD_BEFORE_RE = regex.compile(r"([\p{L}']+)[\s,;:\"()—–-]+$")
WORD_AFTER_RE = regex.compile(r"[\s,;:\"()—–-]+([\p{L}']+)")
NEIGHBOUR_REACH = 40
ROMAN_LETTERS = frozenset("IVX")
# A lexicon entry of capitals only: the acronym rule finds it, the lexicon rule need not.
CAPITALS_RE = regex.compile(r"\p{Lu}{2,}")




class LettersStage(RuleStage):
    """The letters stage (rules/letters.yaml; the order of the decisions is explained there).

    - Capital-letter tokens are spelled: "GPT" -> "G P T", "LLMs" -> "L L Ms", "GPT's" ->
      "G P T's"; unless the lexicon says otherwise ("NASA" stays, "OK" -> "okay", "JPEG" ->
      "J peg") or they are words: "NOT", "IT WAS", "FIFA".
    - Letters glued to numbers are read together: "GPT-3.5" -> "G P T three point five",
      "H100" -> "H one hundred", "70B" -> "seventy B", "float16" -> "float sixteen".
    - In names, only a run of capitals is spelled: "ChatGPT" -> "Chat G P T", "OpenAI" ->
      "Open A I"; "YouTube" and "iPhone" stay.
    - Roman numerals after a cue or a name are left for the numbers stage: "Chapter IV",
      "Henry VIII" (but "an IV drip" -> "an I V drip").
    """

    TABLES = frozenset({"as_words", "spoken", "spelled", "english_words", "onsets", "codas",
                        "initial_vowels", "roman_cues", "not_names", "numbered_books"})

    def __init__(self, name: str, rules: list[Rule], tables: dict | None = None,
                 style: Style = DEFAULT_STYLE, index=None):
        tables = tables or {}
        self.spoken = {**{word: word for word in tables.get("as_words", [])},
                       **tables.get("spoken", {})}
        self.spelled = frozenset(tables.get("spelled", []))
        self.english = frozenset(tables.get("english_words", []))
        self.onsets = frozenset(tables.get("onsets", []))
        self.codas = frozenset(tables.get("codas", []))
        self.initial_vowels = frozenset(tables.get("initial_vowels", []))
        super().__init__(name, rules, tables, style, index)

    @classmethod
    def table_defines(cls, tables: dict) -> dict[str, str]:
        spoken = tables.get("spoken", {})
        lexicon = list(tables.get("as_words", [])) + list(spoken)
        alternation(lexicon + list(spoken.values()))  # every entry must be text
        mixed = [word for word in lexicon if not CAPITALS_RE.fullmatch(word)]
        return {"MIXED_LEXICON": alternation(mixed),
                "ROMAN_CUE": alternation(tables.get("roman_cues", [])),
                "NOT_NAME": alternation(tables.get("not_names", [])),
                "NUMBERED_BOOK": alternation(tables.get("numbered_books", []))}

    def sayers(self):
        return {**super().sayers(), "lexicon": self.say_lexicon, "acronym": self.say_acronym,
                "token": self.say_token}

    def say_lexicon(self, match: regex.Match, group, args: dict, style: Style) -> str:
        return self.spoken[match["word"]] + (match["suffix"] or "")

    def say_acronym(self, match: regex.Match, group, args: dict, style: Style) -> str:
        start, end = match.span("caps")
        return self.acronym(match["caps"], match.string, start, end) + (match["suffix"] or "")

    def say_token(self, match: regex.Match, group, args: dict, style: Style) -> str:
        """Each piece of the group `token` read on its own, joined by spaces."""
        token = match["token"]
        has_number = any("0" <= char <= "9" for char in token)
        pieces: list[str] = []
        previous = None
        for piece in SEGMENT_RE.finditer(token):
            kind, text = piece.lastgroup, piece.group()
            if text == "s" and previous in ("caps", "number") and piece.end() == len(token):
                pieces[-1] = verbalize.plural_words(pieces[-1]) if previous == "number" else pieces[-1] + "s"
            elif kind == "number":
                pieces.append(self.number(text, style))
            elif kind == "caps":
                pieces.append(self.acronym(text))
            elif kind == "other":
                pieces.append(text)
            else:
                pieces.append(self.word(text, glued_to_number=has_number))
            previous = kind
        return " ".join(pieces) + (match["suffix"] or "")

    def number(self, digits: str, style: Style) -> str:
        if digits.count(".") > 1:  # a version, read as the numbers stage reads "3.10.2"
            return verbalize.dotted_number(digits, style=style)
        if len(digits) > 1 and digits[0] == "0" and digits.isdigit():
            return verbalize.digits(digits)  # "A007": a code, not a quantity
        return verbalize.number_words(digits, style=style)

    def word(self, text: str, glued_to_number: bool) -> str:
        """A lowercase piece: "float" stays; next to a number, a short non-word is spelled ("mp3")."""
        if text in self.spoken:
            return self.spoken[text]
        if (glued_to_number and 1 < len(text) <= 3 and text.islower()
                and text not in self.english):
            return verbalize.letters(text)
        return text

    def acronym(self, caps: str, text: str | None = None, start: int = 0, end: int = 0) -> str:
        """A run of capitals, as a word or spelled; `text` gives the context of a whole token."""
        if caps in self.spoken:
            return self.spoken[caps]
        lower = caps.lower()
        shouting = text is not None and self.shouting(text, start, end)
        if caps in self.spelled and not shouting:
            return verbalize.letters(caps)
        if lower in self.english and (len(lower) > 2 or shouting):
            return caps
        if len(lower) > 3 and self.sayable(lower):
            return caps
        if text is not None and self.numeral_after_word(caps, text, start):
            return caps
        return verbalize.letters(caps)

    def numeral_after_word(self, caps: str, text: str, start: int) -> bool:
        """A numeral of I, V and X after a word in capitals: "HENRY VIII", "STORY XXVI"."""
        if not ROMAN_LETTERS.issuperset(caps) or verbalize.roman_value(caps) is None:
            return False
        before = WORD_BEFORE_RE.search(text, max(0, start - NEIGHBOUR_REACH), start)
        return (before is not None and len(before.group(1)) > 1
                and self.capital_word(before.group(1)))

    def shouting(self, text: str, start: int, end: int) -> bool:
        """Whether a neighbouring word is a word written in capitals too ("IT WAS")."""
        before = WORD_BEFORE_RE.search(text, max(0, start - NEIGHBOUR_REACH), start)
        after = WORD_AFTER_RE.match(text, end, end + NEIGHBOUR_REACH)
        return any(found is not None and self.capital_word(found.group(1)) for found in (before, after))

    def capital_word(self, token: str) -> bool:
        if not token.isupper():
            return False
        if "'" in token or token in ("I", "A"):
            return True  # "DON'T", "I": words, not acronyms
        lower = token.lower()
        return lower in self.english or (len(lower) > 3 and self.sayable(lower))

    def sayable(self, word: str) -> bool:
        """Whether a lowercase word can be said as one: a vowel, and English consonant clusters.

        "nasa", "fifa", "john", "ielts" can; "isbn" (coda "sbn"), "ncaa" (onset "nc"),
        "iaaf" (starts "ia"), "html" (no vowel) and "ieee" (four vowels) cannot.
        """
        kinds = ["v" if char in "aeiou" or (char == "y" and i > 0) else "c"
                 for i, char in enumerate(word)]
        runs = [(kind, "".join(char for _, char in run))
                for kind, run in groupby(zip(kinds, word), key=lambda pair: pair[0])]
        vowels = [run for kind, run in runs if kind == "v"]
        if not vowels or any(len(run) > 3 or (len(run) == 3 and len(set(run)) == 1)
                             for run in vowels):
            return False
        onset = runs[0][1] if runs[0][0] == "c" else ""
        if len(onset) > 1 and onset not in self.onsets:
            return False
        if not onset and len(runs[0][1]) > 1 and runs[0][1][:2] not in self.initial_vowels:
            return False
        coda = runs[-1][1] if runs[-1][0] == "c" else ""
        if len(coda) > 2 and coda.endswith("s"):
            coda = coda[:-1]  # a plural: "IELTS"
        if len(coda) > 1 and coda not in self.codas:
            return False
        return all(len(run) <= 4 for kind, run in runs[1:-1] if kind == "c")
