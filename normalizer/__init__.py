"""ttsnorm: text normalization for text-to-speech datasets.

>>> import normalizer
>>> result = normalizer.load().normalize("I asked ChachiPT.")
>>> result.text
'I asked Chat G P T.'
>>> [(e.stage, e.src, e.old, e.new) for e in result.edits]
[('asr_fixes', (8, 16), 'ChachiPT', 'ChatGPT'), ('letters', (8, 16), 'ChatGPT', 'Chat G P T')]
"""

import importlib
import importlib.machinery
from pathlib import Path

from .edits import Change, Flagged, replay
from .errors import NormalizerError
from .pipeline import Pipeline, Result, load

__all__ = ["load", "Pipeline", "Result", "Change", "Flagged", "replay", "NormalizerError"]
__version__ = "0.1.0"


def compiled_modules() -> list[str]:
    """The modules of this installation that run compiled (setup.py compiles them for
    `pip install .`; an editable install, or one without a C compiler, runs the sources)."""
    root = Path(__file__).parent
    suffixes = tuple(importlib.machinery.EXTENSION_SUFFIXES)
    names = {".".join(("normalizer", *path.relative_to(root).parent.parts, path.name.split(".")[0]))
             for path in root.rglob("*") if path.name.endswith(suffixes)}
    # what is imported, not what lies there (a file built for another Python is not)
    return sorted(name for name in names if isinstance(
        importlib.import_module(name).__spec__.loader, importlib.machinery.ExtensionFileLoader))


def build() -> str:
    """A line saying which build this is, for --version and benchmarks."""
    compiled = compiled_modules()
    return (f"ttsnorm {__version__}, " + (f"compiled ({', '.join(compiled)})" if compiled
                                          else "pure Python") + f", from {Path(__file__).parent}")
