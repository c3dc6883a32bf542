"""URLs, e-mail addresses, file names and handles, read out: "example.com" -> "example dot com"."""

from .base import RuleStage


class ElectronicStage(RuleStage):
    """The electronic stage: rules from rules/electronic.yaml."""
