"""Dates and times: "Jan 5, 2023" -> "January fifth, twenty twenty-three", "3:30pm" -> "three thirty p m"."""

from .base import RuleStage


class DatesStage(RuleStage):
    """The dates stage: rules from rules/dates.yaml."""
