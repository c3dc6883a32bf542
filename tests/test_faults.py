"""Faults: killed, interrupted, out of disk, nowhere to write, wrong paths, and resumed.

- SIGKILL at any moment leaves no output file or the previous one, never a partial one.
- SIGINT and SIGTERM end the run with a message and status 130, without a traceback.
- A full disk, a read-only folder, a missing input, an output path equal to the input:
  one clear message, a documented status (README "Errors and exit codes"), input untouched.
- `--resume` continues a killed run; output, diff log and summary equal an uninterrupted run's.

The runs are `python -m normalizer` processes on a small pipeline of our own (fast and
stable: tests/test_properties.py MINI), so that a kill lands in the middle of a run.
"""

from __future__ import annotations

import fcntl
import gzip
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import ROOT
from test_properties import write_mini

EXIT_USER_ERROR, EXIT_SYSTEM_FAULT, EXIT_INTERRUPTED = 1, 4, 130
LINES = 15_000
WORDS = ["I", "paid", "$5", "for", "12", "GPUs", "&", "a", "GPU", "#", "7", "the", "cat", "NASA"]


def manifest(path: Path, lines: int) -> Path:
    with open(path, "w", encoding="utf-8") as handle:
        for number in range(lines):
            words = [WORDS[(number * 7 + i * 3) % len(WORDS)] for i in range(number % 9 + 3)]
            handle.write(f"utt{number}|{' '.join(words)}|\n")
    return path


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    """The MINI pipeline, an input of 15,000 lines, and its uninterrupted run."""
    directory = tmp_path_factory.mktemp("faults")
    pipeline = write_mini(directory)
    source = manifest(directory / "in.txt", LINES)
    reference = {"out": directory / "ref.txt", "log": directory / "ref.jsonl", "summary": directory / "ref.json"}
    started = time.monotonic()
    done = cli("run", source, "-o", reference["out"], "-p", pipeline, "--diff-log", reference["log"],
               "--summary", reference["summary"], "-j", 1, "-q")
    assert done.returncode == 0, done.stderr
    return {"pipeline": pipeline, "input": source, "seconds": time.monotonic() - started, **reference}


def command(*args) -> list[str]:
    return [sys.executable, "-m", "normalizer", *map(str, args)]


def cli(*args, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(command(*args), capture_output=True, cwd=ROOT, timeout=300, **kwargs)


def start(*args) -> subprocess.Popen:
    return subprocess.Popen(command(*args), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=ROOT)


def summary_facts(path: Path) -> dict:
    facts = json.loads(path.read_text())
    return {key: value for key, value in facts.items() if key not in ("seconds", "lines_per_second")}


def leftovers(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if p.name.endswith((".partial", ".checkpoint", ".tmp")))


def wait_for(condition, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting"
        time.sleep(0.01)


# Killed and interrupted


@pytest.mark.parametrize("previous, moments", [(None, (0.1, 0.6, 0.95)), (b"the previous output\n", (0.5, 1.1))])
def test_sigkill_at_any_moment_leaves_no_partial_output(setup, tmp_path, previous, moments):
    """Killed early, mid-way, near the end (moments are fractions of a whole run's time)."""
    reference = setup["out"].read_bytes()
    for fraction in moments:
        out = tmp_path / f"out{fraction}.txt"
        if previous is not None:
            out.write_bytes(previous)
        process = start("run", setup["input"], "-o", out, "-p", setup["pipeline"], "-j", 1, "-q")
        time.sleep(fraction * setup["seconds"])
        process.kill()
        process.wait()
        if out.exists() and out.read_bytes() != previous:    # it got as far as the rename
            assert out.read_bytes() == reference
        else:
            assert previous is not None or not out.exists()


def test_sigkill_takes_the_workers_along(setup, tmp_path):
    process = start("run", setup["input"], "-o", tmp_path / "out.txt", "-p", setup["pipeline"], "-j", 2, "-q")
    children = Path(f"/proc/{process.pid}/task/{process.pid}/children")
    wait_for(lambda: len(children.read_text().split()) == 2)
    workers = [int(pid) for pid in children.read_text().split()]
    time.sleep(0.05 * len(workers))     # also when killed before the workers are set up
    process.kill()
    process.wait()
    wait_for(lambda: not any(Path(f"/proc/{pid}").exists() and "Z" not in _state(pid) for pid in workers), 10)


def _state(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(") ")[1][:1]
    except (FileNotFoundError, IndexError):
        return "Z"


@pytest.mark.parametrize("sig, jobs", [(signal.SIGINT, 1), (signal.SIGINT, 2), (signal.SIGTERM, 2)])
def test_interrupt_exits_cleanly_with_a_message(setup, tmp_path, sig, jobs):
    out = tmp_path / "out.txt"
    process = start("run", setup["input"], "-o", out, "-p", setup["pipeline"], "-j", jobs, "-q")
    wait_for(lambda: (tmp_path / "out.txt.partial").exists())
    time.sleep(0.2)
    if sig == signal.SIGINT and jobs > 1:     # Ctrl-C reaches the whole process group
        children = Path(f"/proc/{process.pid}/task/{process.pid}/children").read_text().split()
        for pid in children:
            os.kill(int(pid), sig)
    process.send_signal(sig)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == EXIT_INTERRUPTED, stderr
    assert b"interrupted" in stderr and b"--resume" in stderr
    assert b"Traceback" not in stderr, stderr.decode()
    assert not out.exists()


def test_a_killed_worker_is_an_error_not_a_hang(setup, tmp_path):
    out = tmp_path / "out.txt"
    process = start("run", setup["input"], "-o", out, "-p", setup["pipeline"], "-j", 2, "-q")
    children = Path(f"/proc/{process.pid}/task/{process.pid}/children")
    wait_for(lambda: len(children.read_text().split()) == 2 and (tmp_path / "out.txt.partial").exists())
    os.kill(int(children.read_text().split()[0]), signal.SIGKILL)   # as the out-of-memory killer would
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == EXIT_SYSTEM_FAULT, stderr
    assert b"worker process died" in stderr and b"Traceback" not in stderr
    assert not out.exists() and leftovers(tmp_path) == []


# Resume

INTERRUPTED = """
import sys
from normalizer import load
from normalizer.runner import RunOptions, run
source, out, log, pipeline = sys.argv[1:5]
run(load(pipeline), RunOptions(input=source, output=out, diff_log=log, jobs=int(sys.argv[5]),
                               checkpoint_every=512, checkpoint_seconds=0))
"""


def scripted_run(setup, out: Path, log: Path, jobs: int = 1) -> subprocess.Popen:
    """A run that checkpoints every 512 lines."""
    return subprocess.Popen([sys.executable, "-c", INTERRUPTED, setup["input"], out, log,
                             setup["pipeline"], str(jobs)], cwd=ROOT, stderr=subprocess.PIPE)


def interrupted_run(setup, out: Path, log: Path, checkpoints: int, jobs: int = 1) -> dict:
    """Start a run that checkpoints every 512 lines, SIGKILL it after `checkpoints` of them."""
    process = scripted_run(setup, out, log, jobs)
    checkpoint = Path(str(out) + ".checkpoint")

    def done() -> int:
        try:
            return json.loads(checkpoint.read_text())["items"]
        except (FileNotFoundError, ValueError):
            return 0
    wait_for(lambda: done() >= 512 * checkpoints or process.poll() is not None)
    process.kill()
    process.wait()
    assert not out.exists(), "the run finished before it could be killed"
    return json.loads(checkpoint.read_text())


@pytest.mark.parametrize("suffix, checkpoints, jobs", [(".txt", 1, 1), (".txt", 10, 2), (".txt.gz", 5, 1)])
def test_resume_equals_an_uninterrupted_run(setup, tmp_path, suffix, checkpoints, jobs):
    out, log, summary = tmp_path / f"out{suffix}", tmp_path / f"diff{suffix}", tmp_path / "summary.json"
    state = interrupted_run(setup, out, log, checkpoints, jobs)
    assert 0 < state["items"] < LINES
    done = cli("run", setup["input"], "-o", out, "-p", setup["pipeline"], "--diff-log", log,
               "--summary", summary, "-j", jobs, "-q", "--resume")
    assert done.returncode == 0, done.stderr
    read = gzip.decompress if suffix.endswith(".gz") else bytes
    assert read(out.read_bytes()) == setup["out"].read_bytes()
    assert read(log.read_bytes()) == setup["log"].read_bytes()
    assert summary_facts(summary) == summary_facts(setup["summary"])
    assert leftovers(tmp_path) == []
    if suffix.endswith(".gz"):     # the same bytes as an uninterrupted run, not only the same text
        (tmp_path / "whole").mkdir()
        whole = tmp_path / "whole" / out.name
        assert scripted_run(setup, whole, tmp_path / "whole" / log.name).wait() == 0
        assert whole.read_bytes() == out.read_bytes()


def test_resume_refuses_what_changed(setup, tmp_path):
    out, log = tmp_path / "out.txt", tmp_path / "diff.jsonl"
    interrupted_run(setup, out, log, 1)
    base = ["run", setup["input"], "-o", out, "-p", setup["pipeline"], "--diff-log", log, "-q", "--resume"]
    done = cli(*base[:-2], "--format", "kaldi", "-q", "--resume")
    assert done.returncode == EXIT_USER_ERROR and b"the options differ from the interrupted run's: format was None" in done.stderr
    done = cli(*base[:6], "-q", "--resume")        # no --diff-log this time
    assert done.returncode == EXIT_USER_ERROR and b"diff_log was" in done.stderr
    changed = tmp_path / "pipeline.yaml"
    changed.write_text(setup["pipeline"].read_text().replace("line_timeout: 5", "line_timeout: 6"))
    for name in ("clean.yaml", "expand.yaml", "words.yaml"):
        (tmp_path / name).write_bytes((setup["pipeline"].parent / name).read_bytes())
    done = cli(*base[:4], "-p", changed, *base[6:])
    assert done.returncode == EXIT_USER_ERROR and b"the pipeline" in done.stderr
    copy = tmp_path / "in.txt"
    copy.write_bytes(setup["input"].read_bytes())
    done = cli("run", copy, *base[2:])
    assert done.returncode == EXIT_USER_ERROR and b"the input file changed" in done.stderr
    assert b"Traceback" not in done.stderr
    checkpoint = Path(str(out) + ".checkpoint")
    saved = checkpoint.read_text()
    damage = {"sizes": "damaged", "summary": {"lines": 1}, "every": "damaged", "items": None}
    for key, value in [*damage.items(), ("every", 0)]:   # a damaged checkpoint: one clear message
        state = json.loads(saved)
        state[key] = value
        checkpoint.write_text(json.dumps(state))
        done = cli(*base)
        assert done.returncode == EXIT_USER_ERROR and b"damaged" in done.stderr and b"Traceback" not in done.stderr
    checkpoint.write_text(saved)
    # after all that, the interrupted run can still be resumed
    done = cli(*base)
    assert done.returncode == 0 and out.read_bytes() == setup["out"].read_bytes()


def test_resume_with_nothing_to_resume_starts_over(setup, tmp_path):
    out = tmp_path / "out.txt"
    done = cli("run", setup["input"], "-o", out, "-p", setup["pipeline"], "-q", "--resume", "-j", 1)
    assert done.returncode == 0 and b"starting from the beginning" in done.stderr
    assert out.read_bytes() == setup["out"].read_bytes()
    done = cli("run", "-", "-p", setup["pipeline"], "--format", "ljspeech", "--resume", input=b"a|5|\n")
    assert done.returncode == EXIT_USER_ERROR and b"--resume needs" in done.stderr


def test_run_without_resume_starts_over(setup, tmp_path):
    out, log = tmp_path / "out.txt", tmp_path / "diff.jsonl"
    interrupted_run(setup, out, log, 1)
    Path(str(out) + ".partial").write_bytes(b"garbage that is not the output\n")
    done = cli("run", setup["input"], "-o", out, "-p", setup["pipeline"], "--diff-log", log, "-q", "-j", 1)
    assert done.returncode == 0
    assert out.read_bytes() == setup["out"].read_bytes() and log.read_bytes() == setup["log"].read_bytes()
    assert leftovers(tmp_path) == []


def test_an_interrupted_commit_is_finished_by_resume(setup, tmp_path, monkeypatch):
    """Killed after the last checkpoint, between the renames: --resume only renames."""
    from normalizer import load
    from normalizer.resume import Checkpointed
    from normalizer.runner import RunOptions, run
    out, log = tmp_path / "out.txt", tmp_path / "diff.jsonl"

    def killed(self):
        os.replace(str(log) + ".partial", log)     # the first rename happened, then SIGKILL
        raise KeyboardInterrupt
    monkeypatch.setattr(Checkpointed, "commit", killed)
    with pytest.raises(KeyboardInterrupt):
        run(load(setup["pipeline"]), RunOptions(input=str(setup["input"]), output=str(out), diff_log=str(log)))
    monkeypatch.undo()
    assert not out.exists() and log.exists()
    done = cli("run", setup["input"], "-o", out, "-p", setup["pipeline"], "--diff-log", log, "-q", "--resume")
    assert done.returncode == 0, done.stderr
    assert out.read_bytes() == setup["out"].read_bytes() and log.read_bytes() == setup["log"].read_bytes()
    assert leftovers(tmp_path) == []


def test_a_second_run_to_the_same_output_is_refused(setup, tmp_path):
    out = tmp_path / "out.txt"
    with open(str(out) + ".partial", "wb") as held:
        fcntl.flock(held.fileno(), fcntl.LOCK_EX)      # as a run in progress holds it
        done = cli("run", setup["input"], "-o", out, "-p", setup["pipeline"], "-q")
    assert done.returncode == EXIT_USER_ERROR and b"another ttsnorm run is writing" in done.stderr


# Disks and paths


@pytest.fixture
def mount(tmp_path):
    """Mount a small tmpfs (we need root; CI runs as root) and unmount it afterwards."""
    mounted = []

    def make(name: str, options: str) -> Path:
        point = tmp_path / name
        point.mkdir()
        done = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(point)], capture_output=True)
        if done.returncode != 0:
            pytest.skip(f"cannot mount a tmpfs here (needs root): {done.stderr.decode().strip()}")
        mounted.append(point)
        return point
    yield make
    for point in mounted:
        subprocess.run(["umount", "-l", str(point)], check=False)


@pytest.mark.parametrize("target", ["output", "output.gz", "diff_log"])
def test_full_disk(setup, tmp_path, mount, target):
    full = mount("full", "size=64k")
    before = setup["input"].read_bytes()
    out = (full if target.startswith("output") else tmp_path) / ("out.txt.gz" if target == "output.gz" else "out.txt")
    log = (full if target == "diff_log" else tmp_path) / "diff.jsonl"
    done = cli("run", setup["input"], "-o", out, "-p", setup["pipeline"], "--diff-log", log, "-q", "-j", 1)
    assert done.returncode == EXIT_SYSTEM_FAULT, done.stderr
    assert b"No space left on device" in done.stderr and b"Traceback" not in done.stderr
    assert str(full).encode() in done.stderr            # the message names the file
    assert not out.exists() and not log.exists()
    assert leftovers(full) == [] and leftovers(tmp_path) == [] and list(full.iterdir()) == []
    assert setup["input"].read_bytes() == before


def test_read_only_folder(setup, tmp_path, mount):
    read_only = mount("ro", "ro,size=64k")
    done = cli("run", setup["input"], "-o", read_only / "out.txt", "-p", setup["pipeline"], "-q")
    assert done.returncode == EXIT_USER_ERROR and b"Read-only file system" in done.stderr
    assert b"Traceback" not in done.stderr and list(read_only.iterdir()) == []
    out = tmp_path / "elsewhere" / "out.txt"   # the output could start, the diff log not:
    out.parent.mkdir()                         # nothing is left behind
    done = cli("run", setup["input"], "-o", out, "--diff-log", read_only / "d.jsonl", "-p", setup["pipeline"], "-q")
    assert done.returncode == EXIT_USER_ERROR and list(out.parent.iterdir()) == []


def test_missing_input(setup, tmp_path):
    for extra in ([], ["--resume"]):
        done = cli("run", tmp_path / "nope.txt", "-o", tmp_path / "out.txt", "-p", setup["pipeline"], "-q", *extra)
        assert done.returncode == EXIT_USER_ERROR and b"nope.txt" in done.stderr and b"Traceback" not in done.stderr
        assert list(tmp_path.iterdir()) == []


def test_output_paths_that_would_overwrite_the_input(setup, tmp_path):
    source = tmp_path / "in.txt"
    source.write_bytes(b"a|I paid $5|\n")
    (tmp_path / "link.txt").symlink_to(source)
    os.link(source, tmp_path / "hard.txt")
    other = tmp_path / "out.txt"
    for args in (["-o", source], ["-o", tmp_path / "link.txt"], ["-o", tmp_path / "hard.txt"],
                 ["-o", other, "--diff-log", source], ["-o", other, "--summary", source],
                 ["-o", other, "--on-error", "skip", "--rejects", source], ["-o", other, "--report", source]):
        done = cli("run", source, *args, "-p", setup["pipeline"], "-q")
        assert done.returncode == EXIT_USER_ERROR and b"is the input file" in done.stderr, (args, done.stderr)
    for args in (["-o", other, "--diff-log", other], ["-o", other, "--summary", tmp_path / "./out.txt"],
                 ["-o", other, "--report", other], ["-o", other, "--diff-log", "d.jsonl", "--report", "d.jsonl"]):
        done = cli("run", source, *args, "-p", setup["pipeline"], "-q")
        assert done.returncode == EXIT_USER_ERROR and b"named for two outputs" in done.stderr
    missing = tmp_path / "nodir" / "x"
    for args in (["-o", missing], ["-o", other, "--diff-log", missing], ["-o", other, "--summary", missing],
                 ["-o", other, "--report", missing]):   # refused before any work
        done = cli("run", source, *args, "-p", setup["pipeline"], "-q")
        assert done.returncode == EXIT_USER_ERROR and b"does not exist" in done.stderr, args
    done = cli("run", source, "-o", tmp_path, "-p", setup["pipeline"], "-q")
    assert done.returncode == EXIT_USER_ERROR and b"is a folder" in done.stderr
    assert source.read_bytes() == b"a|I paid $5|\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["hard.txt", "in.txt", "link.txt"]
