"""Numbers: cardinals, decimals, ordinals, fractions, percentages, years, ranges, phone numbers, Roman numerals."""

from .base import RuleStage


class NumbersStage(RuleStage):
    """The numbers stage: rules from rules/numbers.yaml."""
