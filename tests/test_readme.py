"""The README stands alone in a fresh clone and starts with the two commands."""

import re
from pathlib import Path

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


def test_it_starts_with_exactly_the_two_set_up_commands():
    first_block = re.search(r"```sh\n(.*?)```", README, re.S).group(1)
    commands = [line.split("#")[0].strip() for line in first_block.splitlines() if line.strip()]
    assert commands == ["make run", "make test"]
    assert README.index("```sh") < README.index("\n## ")  # before any section


def test_it_names_no_path_outside_the_repository():
    assert not re.search(r"\.\./|/work/|~/", README), re.findall(r".{20}(?:\.\./|/work/|~/).{20}", README)


def test_it_says_how_to_serve_elsewhere_and_where_the_confirmation_link_appears():
    assert "make run PORT=8200" in README
    assert "sign-up confirmation" in README and "terminal" in README
