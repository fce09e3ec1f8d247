"""Suggestions shown to coordinators: the top connectors for a connectee, each with its reasons."""

from __future__ import annotations

from collections.abc import Callable

from handlers.coordinators.buttons import PickConnector
from handlers.core.events import Button, Outgoing, Reply
from handlers.core.model import Participant
from handlers.core.people import answer, coordinator_seats, name
from handlers.core.ports import Office
from handlers.core.translator import Translator
from handlers.matching.pool import Suggested
from handlers.matching.reasons import left_out_text, reasons_text


def suggestion_lines(t: Translator, office: Office, suggested: Suggested) -> list[str]:
    lines = []
    for number, suggestion in enumerate(suggested.found, 1):
        connector = suggested.records[suggestion.connector_id].participant
        lines.append(
            t.gettext("{number}. {name} ({title}, {organization}), #{id}: {reasons}").format(
                number=number,
                name=name(connector, t),
                title=answer(office, t, connector, "job_title"),
                organization=answer(office, t, connector, "organization"),
                id=connector.id,
                reasons=reasons_text(t, office.program, suggestion.reasons),
            )
        )
    return lines


async def coordinator_translator(office: Office, user_id: int, channel: str | None = None) -> Translator:
    """The language a coordinator chose in the chat, on `channel` (default: the office's)."""
    language = await office.matchmaking.language_of(channel or office.channel, user_id)
    return office.translations(language if language in office.program.languages else office.program.default_language)


async def coordinator_zone(office: Office, user_id: int) -> str:
    """The time zone a coordinator reads times in: theirs if they registered and chose one, else the program's."""
    return await office.matchmaking.time_zone_of(office.channel, user_id) or office.program.time_zone


async def tell_coordinators(office: Office, render: Callable[[Translator], Reply]) -> list[Outgoing]:
    """The same message to every coordinator, each in the language they chose in the chat."""
    messages = []
    for channel, user_id in await coordinator_seats(office):
        t = await coordinator_translator(office, user_id, channel)
        messages.append(Outgoing(channel, user_id, render(t), t.language))
    return messages


async def to_coordinators(office: Office, connectee: Participant, suggested: Suggested) -> list[Outgoing]:
    """Each coordinator gets the top suggestions with a button to propose each (or why there are none)."""
    return await tell_coordinators(office, lambda t: pick_reply(t, office, connectee, suggested))


def pick_reply(t: Translator, office: Office, connectee: Participant, suggested: Suggested) -> Reply:
    """The suggestions for a connectee, each with its reasons and a Propose button; when there are
    none, why (how many connectors fail which requirement); from other fields only, said so."""
    who = t.gettext("{name} (#{id}), {occupation}").format(
        name=name(connectee, t), id=connectee.id, occupation=answer(office, t, connectee, "occupation")
    )
    found = suggested.found
    if not found:
        lines = [t.gettext("No volunteer is free for {who} at the moment.").format(who=who)]
        if suggested.left_out:
            lines.append(t.gettext("Why: {causes}.").format(causes=left_out_text(t, suggested.left_out)))
        return Reply("\n".join(lines))
    if found[0].in_field:
        heading = t.gettext("Suggested volunteers for {who}:")
    else:
        heading = t.gettext("Suggested volunteers for {who}, none from their field or a related one:")
    lines = [heading.format(who=who), *suggestion_lines(t, office, suggested)]
    buttons = tuple(
        (
            Button(
                t.gettext("Propose {name}").format(name=suggested.records[s.connector_id].participant.first_name),
                PickConnector(connectee.id, s.connector_id).pack(),
            ),
        )
        for s in found
    )
    return Reply("\n".join(lines), buttons=buttons)


def why_waiting(t: Translator, connectee: Participant, suggested: Suggested) -> str:
    """Why a connectee waits, in a few words: what keeps every connector from them, or that only
    connectors from other fields are free, or that a coordinator's pick is awaited."""
    if not suggested.found:
        return left_out_text(t, suggested.left_out) or t.gettext("no volunteer is approved yet")
    if not suggested.found[0].in_field:
        return t.gettext("only volunteers from other fields are free (/match {id})").format(id=connectee.id)
    return t.gettext("a volunteer is free for them (/match {id})").format(id=connectee.id)


def applications_waiting(t: Translator, count: int) -> str:
    """How many applications wait for a coordinator, as /pending and the digest say it."""
    return t.ngettext(
        "{count} application is waiting for review.", "{count} applications are waiting for review.", count
    ).format(count=count)
