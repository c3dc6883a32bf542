"""`ttsnorm preview`: its plain parts (watching and reloading, navigation, filters, rendering),
the terminal application driven through prompt_toolkit's pipe input, and the real program in
tmux (typing, stepping, reloading on save, a broken rule file, NO_COLOR)."""

import os
import re
import shutil
import subprocess
import sys
import time

import pytest

from normalizer.preview import Filter, Line, Session, Watcher, plain, read_records, render_line, watched_files
from normalizer import manifests

from conftest import ROOT

PIPELINE = """\
stages:
  - {name: fixes, kind: rules, rules: [fixes.yaml]}
  - {name: money, kind: rules, rules: [money.yaml]}
  - {name: shout, kind: rules, rules: [shout.yaml]}
  - {name: residue, kind: rules, rules: [residue.yaml]}
"""
FILES = {
    "fixes.yaml": "include: [more.yaml]\nrules:\n"
                  "  - {id: wombat, words: [wombat], replace: numbat}\n",
    "more.yaml": "rules:\n  - {id: chachipt, words: [ChachiPT], replace: ChatGPT}\n",
    "money.yaml": "rules:\n  - {id: dollars, pattern: '\\$2\\b', replace: two dollars}\n",
    "shout.yaml": "rules:\n  - {id: numbat, words: [numbat], replace: NUMBAT}\n",
    "residue.yaml": "rules:\n  - {id: symbol, pattern: '[<>&]', flag: a symbol was left unread}\n",
}
MANIFEST = ("a1|I saw a wombat.|\n"
            "a2|Nothing here.|\n"
            "a3|It costs $2 & more.|\n"
            "a4|I asked ChachiPT.|\n"
            "a5|Another wombat.|\n")


@pytest.fixture
def project(tmp_path):
    """A small pipeline of rule stages of its own (quick to load) and an LJSpeech manifest."""
    (tmp_path / "pipeline.yaml").write_text(PIPELINE)
    for name, text in FILES.items():
        (tmp_path / name).write_text(text)
    (tmp_path / "m.txt").write_text(MANIFEST)
    return tmp_path


def session_for(project):
    records, skipped = read_records(str(project / "m.txt"), None, manifests.Options())
    return Session(Watcher(str(project / "pipeline.yaml")), records, "m.txt", skipped)


def save(path, text):
    """Write a file so that its modification time surely changes."""
    before = path.stat().st_mtime_ns if path.exists() else 0
    path.write_text(text)
    if path.stat().st_mtime_ns == before:
        os.utime(path, ns=(before + 1_000_000, before + 1_000_000))


# Watching and reloading.

def test_watched_files_include_includes_and_extended_pipelines(project):
    files = watched_files(str(project / "pipeline.yaml"))
    assert {os.path.basename(f) for f in files} == {"pipeline.yaml", *FILES}
    (project / "child.yaml").write_text("extends: pipeline.yaml\ndisable: [shout]\n")
    child = watched_files(str(project / "child.yaml"))
    assert child[:2] == [str(project / "child.yaml"), str(project / "pipeline.yaml")]


def test_a_saved_rule_file_reloads_and_a_broken_one_keeps_the_last_good_pipeline(project):
    session = session_for(project)
    assert session.watcher.error is None and session.poll() is False
    assert "numbat" in plain(session.render())

    save(project / "fixes.yaml", FILES["fixes.yaml"].replace("numbat", "quokka"))
    assert session.poll() is True
    screen = plain(session.render())
    assert "I saw a quokka." in screen and "reloaded after a change to fixes.yaml" in screen

    save(project / "more.yaml", "rules:\n  - {id: chachipt, words: [ChachiPT\n")   # an include breaks
    assert session.poll() is True
    screen = plain(session.render())
    assert f"rule file error: {project / 'more.yaml'}:" in screen and "still using the pipeline" in screen
    assert "I saw a quokka." in screen                  # the last good pipeline goes on

    save(project / "more.yaml", FILES["more.yaml"])
    assert session.poll() is True
    assert "rule file error" not in plain(session.render())


def test_a_pipeline_broken_from_the_start_shows_its_error(project):
    save(project / "money.yaml", "rules:\n  - {id: dollars, pattern: '(', replace: x}\n")
    session = session_for(project)
    assert session.watcher.pipeline is None
    screen = plain(session.render())
    assert "rule file error:" in screen and "money.yaml" in screen and "no pipeline loaded" in screen
    session.command(":n")
    assert "fix the rule file error first" in plain(session.render())
    save(project / "money.yaml", FILES["money.yaml"])
    assert session.poll() and session.watcher.pipeline is not None


# Navigation and filters.

def test_stepping_jumping_and_typing(project):
    session = session_for(project)
    assert session.current() == Line("I saw a wombat.", 1, "a1")
    session.command("")                       # Enter on an empty line: the next record
    assert session.current().id == "a2"
    session.command(":p")
    session.command(":p")
    assert session.current().id == "a1" and "first line" in session.message
    session.command(":go a4")
    assert session.current().id == "a4"
    session.command(":go 3")
    assert session.current().id == "a3"
    session.command(":go nope")
    assert "no record with id or line 'nope'" in session.message
    session.command("My own wombat <line>")
    assert session.current() == Line("My own wombat <line>")
    assert "(showing a typed line)" in plain(session.header())
    session.command(":n")                     # back to the record it was typed over
    assert session.current().id == "a3"
    session.command("::) is typed")
    assert session.current().text == ":) is typed"
    session.command(":frobnicate")
    assert "unknown command :frobnicate" in session.message
    assert session.command(":q") is False


def test_filters_by_rule_stage_and_flag(project):
    session = session_for(project)
    session.command(":rule wombat")
    assert session.current().id == "a1" and "changed by rule wombat" in plain(session.header())
    session.command(":n")
    assert session.current().id == "a5"
    session.command(":n")
    assert session.current().id == "a5" and "no line changed by rule wombat after this one" in session.message
    session.command(":stage money")
    assert session.current().id == "a3"       # none after a5: the first from the top
    session.command(":stage nope")
    assert "no stage 'nope' in the pipeline" in session.message
    session.command(":rule dollars")
    assert session.current().id == "a3"
    session.command(":all")
    session.command(":go a1")
    session.command(":flagged")
    assert session.current().id == "a3"
    session.command(":go a1")
    session.command(":rule fixes/chachipt")
    assert session.current().id == "a4"
    session.command(":rule nope")
    assert "no rule 'nope' in the pipeline" in session.message


def test_filter_matches():
    from normalizer.edits import Change, Flagged
    from normalizer.pipeline import Result
    result = Result("x", (Change("money", "dollars", (0, 1), (0, 1), "$", "x"),),
                    (Flagged("residue", "symbol", (0, 1), "&", "why"),))
    assert Filter("rule", "dollars").matches(result) and Filter("rule", "money/dollars").matches(result)
    assert not Filter("rule", "euros").matches(result)
    assert Filter("stage", "money").matches(result) and not Filter("stage", "residue").matches(result)
    assert Filter("flagged").matches(result) and Filter("flagged", "residue/symbol").matches(result)
    assert not Filter("flagged", "other").matches(result)


# Rendering.

def test_a_line_renders_changes_stages_and_flags(project):
    pipeline = Watcher(str(project / "pipeline.yaml")).pipeline
    fragments = render_line("It costs $2 for a wombat & more.", pipeline)
    screen = plain(fragments)
    assert "  original  It costs $2 for a wombat & more." in screen
    assert "normalized  It costs two dollars for a NUMBAT & more." in screen
    assert "'wombat' → 'NUMBAT'  fixes/wombat, shout/numbat" in screen     # a cascade: both rules
    assert "     fixes  It costs $2 for a numbat & more.  [wombat]" in screen
    assert "     money  It costs two dollars for a numbat & more.  [dollars]" in screen
    assert "     flags  '&' at [25, 26]: a symbol was left unread  residue/symbol" in screen
    styled = [(style, text) for style, text in fragments if "new" in style or "old" in style]
    assert ("class:old", "$2") in styled and ("class:new", "two dollars") in styled
    assert ("class:flagged", "&") in fragments
    unchanged = plain(render_line("Nothing here.", pipeline))
    assert "changes  none" in unchanged and "unchanged  fixes, money, shout, residue" in unchanged


@pytest.mark.parametrize("fmt, name, text", [
    ("ljspeech", "m.txt", "u1|I saw a wombat.|\n"),
    ("nemo", "m.jsonl", '{"audio_filepath": "u1", "text": "I saw a wombat."}\n'),
    ("kaldi", "text", "u1 I saw a wombat.\n"),
    ("tsv", "m.tsv", "id\ttext\nu1\tI saw a wombat.\n"),
    ("csv", "m.csv", 'id,text\nu1,"I saw a wombat."\n'),
])
def test_every_manifest_format_previews(project, fmt, name, text):
    (project / name).write_text(text)
    done = subprocess.run([sys.executable, "-m", "normalizer", "preview", "-p", project / "pipeline.yaml",
                           project / name, "--format", fmt], input=b":n\n", capture_output=True, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    out = done.stdout.decode()
    assert "record 1/1, line" in out and "id u1" in out and "normalized  I saw a NUMBAT." in out
    assert "this is the last line" in out


def test_without_a_terminal_each_input_line_is_normalized(project):
    done = subprocess.run([sys.executable, "-m", "normalizer", "preview", "-p", project / "pipeline.yaml"],
                          input="I asked ChachiPT.\n:help\n".encode(), capture_output=True, cwd=ROOT)
    assert done.returncode == 0 and b"normalized  I asked ChatGPT." in done.stdout
    assert b"Commands start with ':'" in done.stdout
    broken = project / "broken.yaml"
    broken.write_text("stages: [nope]\n")
    done = subprocess.run([sys.executable, "-m", "normalizer", "preview", "-p", broken],
                          input=b"x\n", capture_output=True, cwd=ROOT)
    assert done.returncode == 1 and b"broken.yaml:1: unknown stage 'nope'" in done.stderr


# The terminal application, in process.

def test_the_application_takes_keys(project, monkeypatch, tmp_path):
    from prompt_toolkit.application import create_app_session
    from prompt_toolkit.input import create_pipe_input
    from prompt_toolkit.output import DummyOutput
    from normalizer.preview import application

    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    session = session_for(project)
    with create_pipe_input() as pipe, create_app_session(input=pipe, output=DummyOutput()):
        app = application(session, input=pipe, output=DummyOutput())
        pipe.send_text("\x1b[6~")               # PageDown: the next line
        pipe.send_text(":go a4\r")
        pipe.send_text("a typed wombat\r")
        pipe.send_text("\x04")                  # Ctrl-D on an empty line quits
        app.run()
    assert session.typed == Line("a typed wombat") and session.index == 3
    history = (tmp_path / "state" / "ttsnorm" / "preview_history").read_text()
    assert "a typed wombat" in history and ":go a4" in history


# The real program in a terminal.

TMUX = shutil.which("tmux")


class Terminal:
    """A tmux session running a command; `screen()` is what a person would see."""

    def __init__(self, command, cwd, env):
        self.name = f"ttsnorm-test-{os.getpid()}-{time.monotonic_ns()}"
        exports = " ".join(f"{key}={value}" for key, value in env.items())
        subprocess.run([TMUX, "new-session", "-d", "-s", self.name, "-x", "120", "-y", "40",
                        f"cd {cwd} && env {exports} {command}; sleep 30"], check=True)

    def keys(self, *keys):
        subprocess.run([TMUX, "send-keys", "-t", self.name, *keys], check=True)

    def screen(self, escapes=False):
        flags = ["-e"] if escapes else []
        return subprocess.run([TMUX, "capture-pane", "-p", *flags, "-t", self.name],
                              capture_output=True, text=True, check=True).stdout

    def wait_for(self, text, timeout=30):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            screen = self.screen()
            if text in screen:
                return screen
            time.sleep(0.2)
        raise AssertionError(f"{text!r} not on the screen:\n{self.screen()}")

    def wait_for_gone(self, text, timeout=30):
        deadline = time.monotonic() + timeout
        while text in self.screen():
            assert time.monotonic() < deadline, f"{text!r} still on the screen"
            time.sleep(0.2)

    def close(self):
        subprocess.run([TMUX, "kill-session", "-t", self.name], capture_output=True)


@pytest.fixture
def terminal(project, tmp_path):
    if TMUX is None:
        pytest.skip("tmux is not installed (apt-get install tmux)")
    opened = []

    def start(*args, no_color=False):
        env = {"PYTHONPATH": ROOT, "XDG_STATE_HOME": tmp_path / "state", "TERM": "xterm-256color"}
        if no_color:
            env["NO_COLOR"] = "1"
        command = " ".join([sys.executable, "-m", "normalizer", "preview", *map(str, args)])
        opened.append(Terminal(command, project, env))
        return opened[-1]

    yield start
    for term in opened:
        term.close()


COLOUR = re.compile(r"\x1b\[([0-9;]*)m")


def colours(screen):
    """The SGR colour parameters used on a screen (foreground or background, any depth)."""
    found = set()
    for params in COLOUR.findall(screen):
        for param in params.split(";"):
            if param and (30 <= int(param) <= 38 or 40 <= int(param) <= 48 or 90 <= int(param) <= 107):
                found.add(param)
    return found


def test_the_real_program_in_a_terminal(terminal, project):
    term = terminal("-p", "pipeline.yaml", "m.txt")
    screen = term.wait_for("normalized  I saw a NUMBAT.")
    assert "m.txt record 1/5, line 1, id a1" in screen and "PgUp PgDn" in screen
    assert colours(term.screen(escapes=True))          # colour on a colour terminal
    term.keys("It costs $2 & more.", "Enter")
    screen = term.wait_for("normalized  It costs two dollars & more.")
    assert "flags  '&' at [12, 13]: a symbol was left unread  residue/symbol" in screen, screen
    term.keys("PageDown")
    term.wait_for("id a1\n")
    term.keys("PageDown")
    term.wait_for("normalized  Nothing here.")
    term.keys(":go a1", "Enter")
    term.wait_for("normalized  I saw a NUMBAT.")

    save(project / "shout.yaml", FILES["shout.yaml"].replace("NUMBAT", "Numbat!"))   # saved in an editor
    screen = term.wait_for("normalized  I saw a Numbat!.")
    assert "reloaded after a change to shout.yaml" in screen
    save(project / "shout.yaml", "rules:\n  - {id: numbat, words: [numbat], replace: NUMBAT, colour: red}\n")
    screen = term.wait_for("rule file error:")
    assert "shout.yaml:2:" in screen and "colour" in screen and "normalized  I saw a Numbat!." in screen
    term.keys("C-d")
    term.wait_for_gone("ttsnorm preview")


def test_no_color_is_honoured(terminal):
    term = terminal("-p", "pipeline.yaml", "m.txt", no_color=True)
    term.wait_for("normalized  I saw a NUMBAT.")
    screen = term.screen(escapes=True)
    assert colours(screen) == set(), screen
    assert "\x1b[4m" in screen or ";4m" in screen       # changes still stand out: underlined
