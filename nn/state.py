"""State dicts and state files: checking a model's saved values and writing and reading them.

:class:`nn.Module` keeps the parameters; this module holds what ``load_state_dict``, ``save``
and ``load`` do with them, so that the file format, its size cap and the atomic write live in
one place. State files are JSON (no pickle: loading a file never runs code) and everything is
checked before anything is assigned, so a bad dict or file leaves the model untouched.
"""

from __future__ import annotations

import json
import math
import os
import secrets
import stat
import time
from collections.abc import Mapping
from typing import Any

from .checks import finite_float, short_repr

__all__ = ["PathLike", "StateError", "checked_state_values", "read_state_file",
           "write_state_file"]

PathLike = str | os.PathLike[str]

_FORMAT = "valuegrad.state_dict"
_VERSION = 1

# A file is refused, unparsed, past 1 MiB plus four times the largest file `write_state_file`
# can write for the model's parameter names (so reformatted files pass, junk cannot eat memory).
_FILE_SLACK = 1 << 20
_FILE_FACTOR = 4
_FLOAT_ENTRY = 32  # `  "name": -2.2250738585072014e-308,\n` without the name: at most 32 bytes

# Temporary files: `.<target name>.valuegrad-<random>.tmp` beside the target. One left by a
# killed save is removed by a later save to the same folder once a minute old.
_TMP_MARK = ".valuegrad-"
_TMP_SUFFIX = ".tmp"
_TMP_STALE_SECONDS = 60.0
_TMP_NAME_CHARS = 100  # of the target's name kept in the temporary's (names stay < 255 bytes)


class StateError(ValueError):
    """A state dict or state file that cannot be loaded (a ``ValueError``).

    The message names the offending key; the model was left unchanged.
    """


def _some(keys: list[str], limit: int = 5) -> str:
    """The first ``limit`` keys, quoted and cut short, then how many more there are."""
    text = ", ".join(short_repr(k) for k in keys[:limit])
    return text + (f" and {len(keys) - limit} more" if len(keys) > limit else "")


def checked_state_values(names: list[str], state: Any, where: str) -> list[float]:
    """The values ``state`` gives the parameters ``names``, in that order, as floats.

    Raises:
        StateError: ``state`` is not a mapping, a key is missing or unexpected, or a value is
            not a finite real number (bools and strings are refused); ``where`` starts the
            message.
    """
    if not isinstance(state, Mapping):
        raise StateError(f"{where}: expected a mapping of name -> float, got "
                         f"{type(state).__name__}")
    missing = [k for k in names if k not in state]
    if missing:
        raise StateError(f"{where}: missing key(s) {_some(missing)}")
    known = set(names)
    extra = [k for k in state if k not in known]
    if extra:
        raise StateError(f"{where}: unexpected key(s) {_some(extra)}")
    try:
        return [finite_float(state[k], f"{where}: key {k!r}") for k in names]
    except (TypeError, ValueError) as exc:
        raise StateError(str(exc)) from None


def write_state_file(path: PathLike, state: Mapping[str, float], model: str) -> None:
    """Writes ``state`` (and ``model``, a description) to ``path`` as JSON, atomically.

    Raises:
        ValueError: a value is not finite (JSON has no NaN or infinity).
        OSError: the file cannot be written; an existing file is then left as it was.
    """
    for name, v in state.items():
        if not math.isfinite(v):
            raise ValueError(f"cannot save: parameter {short_repr(name)} is not finite ({v!r})")
    text = json.dumps(
        {"format": _FORMAT, "version": _VERSION, "model": model, "state": dict(state)},
        indent=1,
        allow_nan=False,
    )
    _write_atomically(os.fspath(path), (text + "\n").encode("utf-8"))


def read_state_file(path: PathLike, names: list[str]) -> Any:
    """The ``state`` entry of the state file at ``path``, unchecked, for a model with ``names``.

    The file is refused before parsing when it is larger than 1 MiB plus four times the largest
    file :func:`write_state_file` can write for ``names``; at most one byte past that limit is
    read (so ``/dev/zero`` or a huge junk file fail at once).

    Raises:
        StateError: the file is too large, not UTF-8 JSON (or nested too deeply to parse), not
            a state file, or has duplicate keys.
        OSError: the file cannot be read.
    """
    path = os.fspath(path)
    limit = _FILE_SLACK + _FILE_FACTOR * sum(len(json.dumps(n)) + _FLOAT_ENTRY for n in names)
    with open(path, "rb") as f:
        size = os.fstat(f.fileno()).st_size  # 0 for devices and pipes: read to find out
        raw = b"" if size > limit else f.read(limit + 1)
    if size > limit or len(raw) > limit:
        raise StateError(f"{path}: larger than {limit} bytes, the most a state file of this "
                         f"model ({len(names)} parameters) may hold")
    try:
        doc = json.loads(raw.decode("utf-8"), object_pairs_hook=_unique_keys)
    except RecursionError:
        raise StateError(f"{path}: not a valid state file: nested too deeply") from None
    except ValueError as exc:  # JSONDecodeError, UnicodeDecodeError, duplicate keys
        raise StateError(f"{path}: not a valid state file: {exc}") from None
    if not isinstance(doc, dict) or doc.get("format") != _FORMAT:
        raise StateError(f"{path}: not a valuegrad state file (no format {_FORMAT!r})")
    version = doc.get("version")
    if type(version) is not int or version != _VERSION:
        raise StateError(f"{path}: unsupported state file version {short_repr(version)}")
    if "state" not in doc:
        raise StateError(f"{path}: state file has no 'state' entry")
    return doc["state"]


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A JSON object as a dict, refusing a key given twice (JSON would keep the last)."""
    out: dict[str, Any] = {}
    for k, v in pairs:
        if k in out:
            raise ValueError(f"duplicate key {short_repr(k)}")
        out[k] = v
    return out


def _write_atomically(path: str, data: bytes) -> None:
    """Replaces the file at ``path`` (through symlinks) by ``data``: all of it or nothing.

    The data goes to a temporary file in the same folder, is flushed to disk, and then renamed
    over the target. A file replaced keeps its permissions; a new one gets those ``open()``
    would give (0o666 less the umask).
    """
    target = os.path.realpath(path)  # through a symlink: write its target, keep the link
    folder, name = os.path.split(target)
    prefix = f".{name[:_TMP_NAME_CHARS]}{_TMP_MARK}"
    _remove_stale_temporaries(folder, prefix)
    try:
        mode: int | None = stat.S_IMODE(os.stat(target).st_mode)
    except FileNotFoundError:
        mode = None  # a new file: the mode open() gives, 0o666 less the umask
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)
    tmp = os.path.join(folder, f"{prefix}{secrets.token_hex(8)}{_TMP_SUFFIX}")
    fd = os.open(tmp, flags, 0o666)
    try:
        with os.fdopen(fd, "wb") as f:
            if mode is not None and hasattr(os, "fchmod"):
                os.fchmod(f.fileno(), mode)
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:  # pragma: no cover - replaced already
            pass
        raise


def _remove_stale_temporaries(folder: str, prefix: str) -> None:
    """Deletes temporary files of ours for this target that a killed save left behind.

    Only regular files named like ours (``<prefix><hex>.tmp``) and untouched for a minute: a
    save in progress keeps writing its file, and a save takes well under a minute.
    """
    now = time.time()
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return
    for entry in entries:
        name = entry.name
        if not (name.startswith(prefix) and name.endswith(_TMP_SUFFIX)):
            continue
        token = name[len(prefix):-len(_TMP_SUFFIX)]
        if len(token) != 16 or any(c not in "0123456789abcdef" for c in token):
            continue
        try:
            info = entry.stat(follow_symlinks=False)
            if stat.S_ISREG(info.st_mode) and now - info.st_mtime > _TMP_STALE_SECONDS:
                os.unlink(entry.path)
        except OSError:  # gone already, or not ours to delete
            continue
