"""ttsnorm: text normalization for text-to-speech datasets.

>>> import normalizer
>>> result = normalizer.load().normalize("I asked ChachiPT.")
>>> result.text
'I asked ChatGPT.'
>>> [(e.rule, e.src, e.old, e.new) for e in result.edits]
[('chatgpt', (8, 16), 'ChachiPT', 'ChatGPT')]
"""

from .edits import Change, Flagged, replay
from .errors import NormalizerError
from .pipeline import Pipeline, Result, load

__all__ = ["load", "Pipeline", "Result", "Change", "Flagged", "replay", "NormalizerError"]
__version__ = "0.1.0"
