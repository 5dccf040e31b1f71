"""The README stays true: its Quickstart is two commands.

It fits on one screen, and its links lead somewhere. (Its code examples run as doctests through
pytest's ``--doctest-glob``.)
"""

from __future__ import annotations

import re
import unicodedata
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


def test_readme_is_one_screen():
    """Issue 22: at most 150 lines; everything else lives on the documentation site."""
    assert len(README.read_text().splitlines()) <= 150


def _slug(heading: str) -> str:
    """A heading's anchor as MkDocs (Python-Markdown's toc) makes it."""
    text = unicodedata.normalize("NFKD", heading).encode("ascii", "ignore").decode()
    return re.sub(r"[-\s]+", "-", re.sub(r"[^\w\s-]", "", text).strip().lower())


def test_every_link_and_picture_of_the_readme_leads_somewhere():
    """Relative links and images name files of the checkout, and a link's #anchor is a heading
    of the page it names (the links into the site are the README's way to everything cut)."""
    text = README.read_text()
    targets = re.findall(r"\]\(([^)\s]+)\)", text)
    local = [t for t in targets if not re.match(r"[a-z]+://", t)]
    assert len(local) >= 15 and "notebooks/assets/interactive_page.png" in local
    for target in local:
        path, _, anchor = target.partition("#")
        file = README.parent / path
        assert file.exists(), f"README links to {target}: no such file"
        if anchor:
            headings = re.findall(r"^#+ (.+)$", file.read_text(), re.MULTILINE)
            assert anchor in {_slug(h) for h in headings}, f"README links to {target}: no heading"
