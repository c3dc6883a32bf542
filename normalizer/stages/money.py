"""Money: "$2 million" -> "two million dollars", "£20" -> "twenty pounds"."""

from .base import RuleStage


class MoneyStage(RuleStage):
    """The money stage: rules from rules/money.yaml."""
