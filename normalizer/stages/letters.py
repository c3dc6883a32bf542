"""Letter strings and mixed tokens: "GPT-4" -> "G P T four", "70B" -> "seventy B"; a lexicon keeps NASA a word."""

from .base import RuleStage


class LettersStage(RuleStage):
    """The letters stage: rules from rules/letters.yaml."""
