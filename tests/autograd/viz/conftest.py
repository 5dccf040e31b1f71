"""Fixtures of the viz tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from autograd.viz import renderer_name


@pytest.fixture
def no_system_dot(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """PATH holds only an empty directory, so the embedded renderer is the one used."""
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    assert renderer_name() == "wasm"
