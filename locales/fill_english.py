"""Make the English catalog complete: English msgstrs are the msgids (run after `pybabel update`)."""

from pathlib import Path

from babel.messages.pofile import read_po, write_po

PO = Path(__file__).with_name("en") / "LC_MESSAGES" / "messages.po"

with PO.open("rb") as source:
    catalog = read_po(source, locale="en")
for message in catalog:
    if not message.id:
        continue
    message.string = message.id
    message.flags.discard("fuzzy")
with PO.open("wb") as target:
    write_po(target, catalog, width=0)
