"""ttsnorm: text normalization for text-to-speech datasets.

>>> import normalizer
>>> result = normalizer.load().normalize("I asked ChachiPT.")
>>> result.text
'I asked Chat G P T.'
>>> [(e.stage, e.src, e.old, e.new) for e in result.edits]
[('asr_fixes', (8, 16), 'ChachiPT', 'ChatGPT'), ('letters', (8, 16), 'ChatGPT', 'Chat G P T')]
"""

from .edits import Change, Flagged, replay
from .errors import NormalizerError
from .pipeline import Pipeline, Result, load

__all__ = ["load", "Pipeline", "Result", "Change", "Flagged", "replay", "NormalizerError"]
__version__ = "0.1.0"
