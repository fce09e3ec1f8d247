"""A Babel extractor for program files: question texts, labels and translated option labels.

Used by locales/babel.cfg, so `pybabel extract` finds the form texts next to the code's.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterator
from typing import IO, Any

from handlers.core.translator import MSGID_LANGUAGE

TRANSLATED_KEYS = ("question", "label")
# (line, keyword, msgid or (msgctxt, msgid), translator comments), as Babel's extractors give them.
Extracted = tuple[int, str, str | tuple[str, str], list[str]]


def extract_program(fileobj: IO[bytes], keywords: Any, comment_tags: Any, options: Any) -> Iterator[Extracted]:
    source = fileobj.read().decode("utf-8")
    data = tomllib.loads(source)
    lines = source.splitlines()

    def line_of(text: str) -> int:
        first = text.splitlines()[0] if text else text
        return next((number for number, line in enumerate(lines, 1) if first in line), 0)

    def option_labels(items: Any, context: str, about: str) -> Iterator[Extracted]:
        """Option labels, each with the list or question it belongs to as its msgctxt (the
        runtime asks for them so: handlers.core.render.option_label)."""
        for item in items if isinstance(items, list) else ():
            if isinstance(item, dict) and item.get("translate", True) is not False:
                label = english(item.get("label"))
                if isinstance(label, str) and label.strip():
                    yield line_of(label), "pgettext", (context, label), [about]

    def walk(node: Any, key: str | None) -> Iterator[Extracted]:
        if isinstance(node, dict) and key in TRANSLATED_KEYS:
            node = english(node)  # a text with its translations beside it: its English is the msgid
        if isinstance(node, dict):
            if node.get("translate", True) is False:
                return
            for child_key, child in node.items():
                if child_key == "options" and isinstance(node.get("key"), str):
                    about = f"An answer to the question: {english(node.get('question', node['key']))}"
                    yield from option_labels(child, node["key"], about)
                else:
                    yield from walk(child, child_key)
        elif isinstance(node, list):
            for child in node:
                yield from walk(child, key)
        elif isinstance(node, str) and key in TRANSLATED_KEYS and node.strip():
            comment = ["A short name shown on the review screen and its Edit button"] if key == "label" else []
            yield line_of(node), "gettext", node, comment

    for list_name, items in (data.get("lists") or {}).items():
        yield from option_labels(items, list_name, f"One option of the program's list of {list_name.replace('_', ' ')}")
    yield from walk({"forms": data.get("forms", {})}, None)


def english(text: Any) -> Any:
    """A program text's msgid: the text, or the English of a table of translations (handlers.core.own_texts)."""
    return text.get(MSGID_LANGUAGE) if isinstance(text, dict) else text
