"""Writing a file so that readers see the old one or the new, never half: :func:`write_atomic`.

Used by everything in viz that saves output (SVG, DOT, HTML pages).
"""

from __future__ import annotations

import os
import tempfile

__all__ = ["write_atomic"]


def write_atomic(path: str | os.PathLike[str], text: str | bytes) -> None:
    """Writes ``text`` (UTF-8) to ``path`` so readers see the old file or the new, never half.

    The text goes to a temporary file in the same directory, is flushed to disk, then renamed
    over ``path``. A file being replaced keeps its permission bits; a new one gets 0o644.
    Through a symlink, the file it points to is replaced and the link kept.
    """
    path = os.path.realpath(os.fspath(path))
    directory = os.path.dirname(os.path.abspath(path))
    try:
        mode = os.stat(path).st_mode & 0o7777
    except FileNotFoundError:
        mode = 0o644
    data = text.encode("utf-8") if isinstance(text, str) else text
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=os.path.splitext(path)[1], dir=directory)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
