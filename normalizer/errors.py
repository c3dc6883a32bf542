"""Errors a user can cause and fix: each names the file and line and says what to do.

The command line prints these as one message, never a traceback.

>>> str(NormalizerError("unknown stage 'unit'", path="rules/pipeline.yaml", line=4))
"rules/pipeline.yaml:4: unknown stage 'unit'"
"""


class NormalizerError(Exception):
    """A mistake in the user's input, rule files or command line."""

    def __init__(self, message: str, path: str | None = None, line: int | None = None):
        super().__init__(message)
        self.message = message
        self.path = path
        self.line = line

    def __str__(self) -> str:
        where = self.path or ""
        if where and self.line is not None:
            where += f":{self.line}"
        return f"{where}: {self.message}" if where else self.message


class RuleError(NormalizerError):
    """A rule or pipeline file is invalid."""


class ManifestError(NormalizerError):
    """A manifest line cannot be read."""


class SystemFault(NormalizerError):
    """The system failed the run (disk full, I/O error, a worker process killed): not the
    user's input or rules. The command line exits with status 4."""
