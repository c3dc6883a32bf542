"""Symbols left between words: "Q&A" -> "Q and A", "a + b" -> "a plus b"."""

from .base import RuleStage


class SymbolsStage(RuleStage):
    """The symbols stage: rules from rules/symbols.yaml."""
