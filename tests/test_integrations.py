"""Ray Data and Hugging Face datasets: the documented recipes give exactly the
single-process output. In CI (CI set) the extras are installed and these tests must run."""

import json
import os

import pytest

import normalizer
from normalizer.errors import NormalizerError
from normalizer.integrations import BatchNormalizer

from conftest import SAMPLE


def need(module):
    if os.environ.get("CI"):
        return __import__(module)
    return pytest.importorskip(module)


@pytest.fixture(scope="module")
def rows():
    lines = SAMPLE.read_text(encoding="utf-8").splitlines()
    return [{"id": line.split("|")[0], "text": line.split("|")[1]} for line in lines]


@pytest.fixture(scope="module")
def expected(rows):
    pipe = normalizer.load()
    return {row["id"]: pipe.normalize(row["text"]).text for row in rows}


def test_batch_normalizer_on_dicts_and_dataframes(rows, expected):
    pandas = need("pandas")
    normalize = BatchNormalizer(with_edits=True)
    batch = {"id": [r["id"] for r in rows], "text": [r["text"] for r in rows]}
    out = normalize(batch)
    assert dict(zip(out["id"], out["normalized_text"])) == expected
    edits = [json.loads(e) for e in out["normalization_edits"]]
    assert any(edits) and all(isinstance(e, list) for e in edits)
    frame = normalize(pandas.DataFrame(batch))
    assert dict(zip(frame["id"], frame["normalized_text"])) == expected
    # a missing value stays missing; a wrong column is named, with the ones there are
    gaps = normalize(pandas.DataFrame({"id": ["a", "b", "c"], "text": ["I paid $5.", None, float("nan")]}))
    assert gaps["normalized_text"][0] == "I paid five dollars." and gaps["normalized_text"][1:].isna().all()
    with pytest.raises(NormalizerError, match="no column 'text'.*transcript"):
        normalize({"id": ["a"], "transcript": ["hi"]})


def test_ray_data_map_batches_jsonl_and_parquet(tmp_path, rows, expected):
    ray = need("ray")
    need("pyarrow")
    source = tmp_path / "in.jsonl"
    source.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    ray.init(num_cpus=4, include_dashboard=False, ignore_reinit_error=True,
             log_to_driver=False, configure_logging=False)
    try:
        ds = ray.data.read_json(str(source))
        ds = ds.map_batches(BatchNormalizer, concurrency=2, batch_size=16, batch_format="numpy")
        ds.write_parquet(str(tmp_path / "parquet"))
        back = ray.data.read_parquet(str(tmp_path / "parquet")).take_all()
        assert {row["id"]: row["normalized_text"] for row in back} == expected
        assert len(back) == len(rows)
    finally:
        ray.shutdown()


def test_datasets_map_batched_num_proc(tmp_path, rows, expected):
    datasets = need("datasets")
    ds = datasets.Dataset.from_list(rows)
    out = ds.map(BatchNormalizer(), batched=True, batch_size=16, num_proc=2)
    assert dict(zip(out["id"], out["normalized_text"])) == expected
    assert out.column_names == ["id", "text", "normalized_text"]


def test_pandas_missing_values_stay_missing():
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame({"text": pd.array(["I paid $5.", None], dtype="string")})
    out = BatchNormalizer()(frame)
    assert out["normalized_text"][0] == "I paid five dollars." and pd.isna(out["normalized_text"][1])
