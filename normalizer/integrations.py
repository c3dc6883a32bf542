"""Normalizing datasets with the engines people already use: Ray Data and Hugging Face datasets.

Each worker builds the pipeline once (from its file, or from a pickled `Pipeline`, which
travels as its resolved configuration) and then normalizes whole batches:

    import ray, normalizer.integrations as ni
    ds = ray.data.read_json("manifests/*.jsonl")
    ds = ds.map_batches(ni.BatchNormalizer, fn_constructor_kwargs={"pipeline": "my.yaml"},
                        concurrency=8, batch_format="numpy")
    ds.write_json("normalized/")

    from datasets import load_dataset
    ds = load_dataset("json", data_files="train.jsonl", split="train")
    ds = ds.map(ni.BatchNormalizer("my.yaml"), batched=True, num_proc=8)

>>> BatchNormalizer()({"text": ["It's ChachiPT."]})["normalized_text"]
["It's Chat G P T."]
"""

from __future__ import annotations

import json
import sys

from .errors import NormalizerError
from .pipeline import Pipeline, load


def _missing(value) -> bool:
    """None, a float NaN (NumPy's and Arrow's missing value) or pandas' NA."""
    if value is None or (isinstance(value, float) and value != value):
        return True
    pandas = sys.modules.get("pandas")   # (only a pandas column holds pandas.NA)
    return pandas is not None and value is pandas.NA


class BatchNormalizer:
    """A batch function: a dict of columns (lists, NumPy arrays) or a pandas DataFrame in,
    the same with `output_column` added (and, with `with_edits`, the diff-log edits and flags
    of each row as JSON strings in `normalization_edits` / `normalization_flags`)."""

    def __init__(self, pipeline: str | Pipeline | None = None, text_column: str = "text",
                 output_column: str = "normalized_text", with_edits: bool = False):
        self.pipeline = pipeline if isinstance(pipeline, Pipeline) else load(pipeline)
        self.text_column = text_column
        self.output_column = output_column
        self.with_edits = with_edits

    def __call__(self, batch):
        columns = list(batch.columns) if hasattr(batch, "columns") else list(batch)
        if self.text_column not in columns:
            raise NormalizerError(f"no column {self.text_column!r} in the batch; its columns: "
                                  f"{', '.join(map(str, columns))} (choose one with text_column=)")
        texts = list(batch[self.text_column])
        # a missing value stays missing: normalizing "None" would put a word in the data
        normalized = iter(self.pipeline.normalize_batch(str(text) for text in texts if not _missing(text)))
        results = [None if _missing(text) else next(normalized) for text in texts]
        out = batch.copy() if hasattr(batch, "columns") else dict(batch)   # DataFrame or dict
        out[self.output_column] = [None if result is None else result.text for result in results]
        if self.with_edits:
            out["normalization_edits"] = [
                None if result is None else
                json.dumps([change.as_dict() for change in result.edits], ensure_ascii=False)
                for result in results]
            out["normalization_flags"] = [
                None if result is None else
                json.dumps([flag.as_dict() for flag in result.flags], ensure_ascii=False)
                for result in results]
        return out
