"""State files under faults and hostile input: nesting, size, devices, modes, links, kill -9.

Each test here failed before the fix it covers (issue 16, items 11 and 18): 100k nested brackets
raised RecursionError, a link to /dev/zero read until MemoryError, files were written 0600 and
replaced links, ``"version": true`` was accepted, and killed saves left temporaries forever.
"""

import json
import os
import signal
import stat
import subprocess
import sys
import time

import pytest

import nn.state
from nn import MLP, Neuron, StateError

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FORMAT = {"format": "valuegrad.state_dict", "version": 1}


def _limit(model):
    """The documented cap: 1 MiB + 4 x (per parameter: its JSON-quoted name + 32 bytes)."""
    return (1 << 20) + 4 * sum(len(json.dumps(name)) + 32 for name, _ in model.named_parameters())


class _CountingFile:
    """Wraps a binary file and counts the bytes its reads return."""

    def __init__(self, f, counter):
        self._f, self._counter = f, counter

    def read(self, n=-1):
        data = self._f.read(n)
        self._counter.append(len(data))
        return data

    def fileno(self):
        return self._f.fileno()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self._f.close()


@pytest.fixture
def bytes_read(monkeypatch):
    """The list of read sizes of every file nn.state opens (``sum`` is the bytes read)."""
    counter: list[int] = []

    def counting_open(path, mode="r", *args, **kwargs):
        return _CountingFile(open(path, mode, *args, **kwargs), counter)

    monkeypatch.setattr(nn.state, "open", counting_open, raising=False)
    return counter


# -- nesting and size ---------------------------------------------------------------------------


@pytest.mark.parametrize("raw", [b"[" * 100_000, b'{"a": ' * 100_000,
                                 json.dumps(FORMAT)[:-1].encode() + b', "state": ' +
                                 b"[" * 100_000 + b"]" * 100_000 + b"}"],
                         ids=["brackets", "objects", "inside a state file"])
def test_deep_nesting_is_a_state_error_not_a_recursion_error(tmp_path, raw):
    path = tmp_path / "deep.json"
    path.write_bytes(raw)
    model = Neuron(2, seed=0)
    before = model.state_dict()
    with pytest.raises(StateError, match="nested too deeply"):
        model.load(path)
    assert model.state_dict() == before


def test_a_file_exactly_at_the_limit_loads_and_one_byte_more_is_refused(tmp_path, bytes_read):
    src = MLP(2, [3, 1], seed=1)
    path = tmp_path / "m.json"
    src.save(path)
    text = path.read_bytes()
    limit = _limit(src)
    path.write_bytes(text + b" " * (limit - len(text)))  # whitespace: still valid JSON
    dst = MLP(2, [3, 1], seed=2)
    dst.load(path)
    assert dst.state_dict() == src.state_dict()
    path.write_bytes(text + b" " * (limit + 1 - len(text)))
    other = MLP(2, [3, 1], seed=3)
    before = other.state_dict()
    with pytest.raises(StateError, match=f"larger than {limit} bytes.*13 parameters"):
        other.load(path)
    assert other.state_dict() == before


def test_a_reformatted_file_is_well_under_the_limit(tmp_path):
    src = MLP(3, [8, 8, 2], seed=0)
    path = tmp_path / "wide.json"
    src.save(path)
    doc = json.loads(path.read_text())
    path.write_text(json.dumps(doc, indent=16))  # a generous re-indentation by another tool
    dst = MLP(3, [8, 8, 2], seed=1)
    dst.load(path)
    assert dst.state_dict() == src.state_dict()


def test_a_huge_regular_file_is_refused_without_reading_it(tmp_path, bytes_read):
    path = tmp_path / "huge.json"
    with open(path, "wb") as f:
        f.truncate(1 << 30)  # 1 GiB, sparse: costs no disk
    with pytest.raises(StateError, match="larger than"):
        Neuron(2, seed=0).load(path)
    assert sum(bytes_read) == 0


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="needs /dev/zero")
def test_a_link_to_dev_zero_reads_at_most_limit_plus_one_bytes(tmp_path, bytes_read):
    link = tmp_path / "zero.json"
    link.symlink_to("/dev/zero")
    model = Neuron(2, seed=0)
    with pytest.raises(StateError, match="larger than"):
        model.load(link)
    assert sum(bytes_read) == _limit(model) + 1


@pytest.mark.parametrize("version", [True, 1.0, "1", None])
def test_version_must_be_the_int_1(tmp_path, version):
    path = tmp_path / "v.json"
    model = Neuron(1, seed=0)
    path.write_text(json.dumps({**FORMAT, "version": version, "state": model.state_dict()}))
    with pytest.raises(StateError, match="unsupported state file version"):
        model.load(path)


def test_error_messages_from_files_are_short(tmp_path):
    path = tmp_path / "long.json"
    model = Neuron(1, seed=0)
    huge = "y" * 500_000
    for doc in ({**FORMAT, "version": huge, "state": {}},
                {**FORMAT, "state": {**model.state_dict(), "b": huge}},
                {**FORMAT, "state": {**model.state_dict(), huge: 0.0}}):
        path.write_text(json.dumps(doc))
        with pytest.raises(StateError) as info:
            model.load(path)
        assert len(str(info.value)) < 200 + len(str(path))


# -- permissions and links ----------------------------------------------------------------------


@pytest.fixture
def umask():
    """Sets the process umask for one test, restoring it afterwards."""
    old = os.umask(0o022)
    yield os.umask
    os.umask(old)


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
@pytest.mark.parametrize(("mask", "expected"), [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
def test_new_files_get_the_mode_open_would_give(tmp_path, umask, mask, expected):
    umask(mask)
    path = tmp_path / "new.json"
    Neuron(1, seed=0).save(path)
    assert stat.S_IMODE(os.stat(path).st_mode) == expected


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
@pytest.mark.parametrize("mode", [0o644, 0o600, 0o640, 0o604])
def test_a_replaced_file_keeps_its_mode(tmp_path, umask, mode):
    umask(0o022)
    path = tmp_path / "kept.json"
    model = Neuron(1, seed=0)
    model.save(path)
    os.chmod(path, mode)
    model.b.data = 4.0
    model.save(path)
    assert stat.S_IMODE(os.stat(path).st_mode) == mode
    assert json.loads(path.read_text())["state"]["b"] == 4.0


def test_saving_through_a_symlink_writes_its_target_and_keeps_the_link(tmp_path):
    (tmp_path / "store").mkdir()
    (tmp_path / "links").mkdir()
    target = tmp_path / "store" / "model.json"
    link = tmp_path / "links" / "current.json"
    link.symlink_to(os.path.join("..", "store", "model.json"))  # relative, dangling at first
    model = Neuron(2, seed=0)
    model.save(link)
    assert link.is_symlink() and target.is_file()
    model.b.data = 9.0
    model.save(link)
    assert link.is_symlink()
    assert json.loads(target.read_text())["state"]["b"] == 9.0
    assert os.listdir(tmp_path / "links") == ["current.json"]
    assert os.listdir(tmp_path / "store") == ["model.json"]
    copy = Neuron(2, seed=1)
    copy.load(link)
    assert copy.state_dict() == model.state_dict()


# -- temporary files left by killed saves ---------------------------------------------------------


def _age(path, seconds):
    then = time.time() - seconds
    os.utime(path, (then, then))


def test_save_removes_its_own_stale_temporaries_and_nothing_else(tmp_path):
    stale = tmp_path / ".m.json.valuegrad-0123456789abcdef.tmp"
    fresh = tmp_path / ".m.json.valuegrad-fedcba9876543210.tmp"  # maybe a save in progress
    others = [
        tmp_path / ".other.json.valuegrad-0123456789abcdef.tmp",  # another target's
        tmp_path / ".m.json.valuegrad-not-hex-at-all!.tmp",  # not our naming
        tmp_path / ".tmp-abc123.json",  # someone else's pattern
        tmp_path / "m.json.bak",
    ]
    for p in [stale, fresh, *others]:
        p.write_text("{}")
    for p in [stale, *others]:
        _age(p, 3600)
    Neuron(1, seed=0).save(tmp_path / "m.json")
    assert not stale.exists()
    assert fresh.exists() and all(p.exists() for p in others)


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs kill -9")
def test_a_save_killed_midway_leaves_the_old_file_and_a_temporary_the_next_save_removes(tmp_path):
    path = tmp_path / "m.json"
    model = Neuron(2, seed=0)
    model.save(path)
    original = path.read_bytes()
    script = (
        "import os, signal, sys\n"
        f"sys.path.insert(0, {ROOT!r})\n"
        "from nn import Neuron\n"
        "model = Neuron(2, seed=5)\n"
        "os.replace = lambda src, dst: os.kill(os.getpid(), signal.SIGKILL)\n"
        f"model.save({str(path)!r})\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, timeout=120,
                          check=False)
    assert done.returncode == -signal.SIGKILL, done.stderr.decode()
    assert path.read_bytes() == original  # the old file, whole
    (left,) = [name for name in os.listdir(tmp_path) if name != "m.json"]
    assert left.startswith(".m.json.valuegrad-") and left.endswith(".tmp")
    model.save(path)  # a minute has not passed: it may be a save in progress
    assert os.path.exists(tmp_path / left)
    _age(tmp_path / left, 61)
    model.b.data = 1.5
    model.save(path)
    assert sorted(os.listdir(tmp_path)) == ["m.json"]
    assert json.loads(path.read_text())["state"]["b"] == 1.5
