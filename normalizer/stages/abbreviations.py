"""Titles, street words, Latin abbreviations: "Dr. Smith" -> "Doctor Smith", "e.g." -> "for example"."""

from .base import RuleStage


class AbbreviationsStage(RuleStage):
    """The abbreviations stage: rules from rules/abbreviations.yaml."""
