"""Numbers with units: "104 GB" -> "one hundred four gigabytes", "5 km/h" -> "five kilometers per hour"."""

from .base import RuleStage


class MeasuresStage(RuleStage):
    """The measures stage: rules from rules/measures.yaml."""
