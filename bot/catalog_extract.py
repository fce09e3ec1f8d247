"""A Babel extractor for program files: question texts, labels and translated option labels.

Used by locales/babel.cfg, so `pybabel extract` finds the form texts next to the code's.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterator
from typing import IO, Any

TRANSLATED_KEYS = ("question", "label")


def extract_program(
    fileobj: IO[bytes], keywords: Any, comment_tags: Any, options: Any
) -> Iterator[tuple[int, str, str, list[str]]]:
    source = fileobj.read().decode("utf-8")
    data = tomllib.loads(source)
    lines = source.splitlines()

    def line_of(text: str) -> int:
        first = text.splitlines()[0] if text else text
        return next((number for number, line in enumerate(lines, 1) if first in line), 0)

    def walk(node: Any, key: str | None) -> Iterator[tuple[int, str, str, list[str]]]:
        if isinstance(node, dict):
            if node.get("translate", True) is False:
                return
            for child_key, child in node.items():
                yield from walk(child, child_key)
        elif isinstance(node, list):
            for child in node:
                yield from walk(child, key)
        elif isinstance(node, str) and key in TRANSLATED_KEYS and node.strip():
            comment = ["A short name shown on the review screen and its Edit button"] if key == "label" else []
            yield line_of(node), "gettext", node, comment

    yield from walk({"lists": data.get("lists", {}), "forms": data.get("forms", {})}, None)
