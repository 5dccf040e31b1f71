"""The README stays true: its op list is the op table, and its Quickstart is two commands.

Run ``python3 -m tests.test_readme --write`` to regenerate the op list after changing the table.
(The README's code examples run as doctests through pytest's ``--doctest-glob``.)
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from autograd.ops import markdown_table

README = Path(__file__).resolve().parent.parent / "README.md"
START, END = "<!-- op-table:start -->", "<!-- op-table:end -->"


def _section(text: str) -> str:
    match = re.search(re.escape(START) + r"\n(.*?)" + re.escape(END), text, re.DOTALL)
    assert match, f"README.md has no {START} ... {END} section"
    return match.group(1)


def test_readme_op_list_is_generated_from_the_op_table():
    assert _section(README.read_text()) == markdown_table(), (
        "README.md's op list is out of date: run python3 -m tests.test_readme --write"
    )


def test_quickstart_is_two_commands():
    text = README.read_text()
    quick = text.split("## Quickstart", 1)[1]
    block = re.search(r"```\w*\n(.*?)```", quick, re.DOTALL)
    assert block
    commands = [line for line in block.group(1).splitlines() if line.strip()]
    assert len(commands) == 2
    assert "pip install" in commands[0] and "nn.demo" in commands[0]
    assert "pytest" in commands[1]


if __name__ == "__main__":
    if sys.argv[1:] == ["--write"]:
        text = README.read_text()
        head, rest = text.split(START + "\n", 1)
        tail = rest.split(END, 1)[1]
        README.write_text(head + START + "\n" + markdown_table() + END + tail)
        print("README.md op list regenerated")
    else:
        print(markdown_table())
