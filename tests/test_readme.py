"""The README stays true: its Quickstart is two commands.

(Its op list is written from the op table and checked by ``tests/test_generated.py``; its code
examples run as doctests through pytest's ``--doctest-glob``.)
"""

from __future__ import annotations

import re
from pathlib import Path

README = Path(__file__).resolve().parent.parent / "README.md"


def test_quickstart_is_two_commands():
    text = README.read_text()
    quick = text.split("## Quickstart", 1)[1]
    block = re.search(r"```\w*\n(.*?)```", quick, re.DOTALL)
    assert block
    commands = [line for line in block.group(1).splitlines() if line.strip()]
    assert len(commands) == 2
    assert "pip install" in commands[0] and "nn.demo" in commands[0]
    assert "pytest" in commands[1]
