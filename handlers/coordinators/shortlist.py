"""Suggestions shown to coordinators: the top connectors for a connectee, each with its reasons."""

from __future__ import annotations

from collections.abc import Callable

from handlers.coordinators.buttons import PickConnector
from handlers.core.events import Button, Outgoing, Reply
from handlers.core.model import Participant
from handlers.core.people import answer, coordinator_ids, name
from handlers.core.ports import ConnectorRecord, Office
from handlers.core.render import display_answer
from handlers.core.translator import Translator
from handlers.matching.scoring import Reason, Suggestion, Why


def reason_text(t: Translator, office: Office, connectee: Participant, reason: Reason) -> str:
    values = reason.values
    if reason.why is Why.SAME_SECTOR:
        return t.gettext("same sector")
    if reason.why is Why.OCCUPATION_WORDS:
        return t.gettext("occupation in common: {words}").format(words=values["words"])
    if reason.why is Why.SHARED_LANGUAGE:
        shared = str(values["languages"]).split(", ")
        languages = display_answer(t, office.program.forms["connectee"].question("languages"), shared)
        return t.gettext("speaks {languages} too").format(languages=languages)
    count = int(values.get("count", 0))
    if reason.why is Why.COMMON_TIMES:
        return t.ngettext("{count} meeting time in common", "{count} meeting times in common", count).format(
            count=count
        )
    if reason.why is Why.CAPACITY_LEFT:
        return t.ngettext(
            "{count} more meeting possible this month", "{count} more meetings possible this month", count
        ).format(count=count)
    return t.gettext("not matched before")


def suggestion_lines(
    t: Translator, office: Office, connectee: Participant, found: list[Suggestion], records: dict[int, ConnectorRecord]
) -> list[str]:
    lines = []
    for number, suggestion in enumerate(found, 1):
        connector = records[suggestion.connector_id].participant
        reasons = "; ".join(reason_text(t, office, connectee, reason) for reason in suggestion.reasons)
        lines.append(
            t.gettext("{number}. {name} ({title}, {organization}), #{id}: {reasons}").format(
                number=number,
                name=name(connector, t),
                title=answer(office, t, connector, "job_title"),
                organization=answer(office, t, connector, "organization"),
                id=connector.id,
                reasons=reasons,
            )
        )
    return lines


async def coordinator_translator(office: Office, user_id: int) -> Translator:
    language = await office.matchmaking.language_of(office.channel, user_id)
    return office.translations(language if language in office.program.languages else office.program.default_language)


async def tell_coordinators(office: Office, render: Callable[[Translator], Reply]) -> list[Outgoing]:
    """The same message to every coordinator, each in the language they chose in the chat."""
    messages = []
    for user_id in sorted(await coordinator_ids(office)):
        t = await coordinator_translator(office, user_id)
        messages.append(Outgoing(office.channel, user_id, render(t), t.language))
    return messages


async def to_coordinators(
    office: Office, connectee: Participant, found: list[Suggestion], records: dict[int, ConnectorRecord]
) -> list[Outgoing]:
    """Each coordinator gets the top suggestions with a button to propose each."""
    return await tell_coordinators(office, lambda t: pick_reply(t, office, connectee, found, records))


def pick_reply(
    t: Translator, office: Office, connectee: Participant, found: list[Suggestion], records: dict[int, ConnectorRecord]
) -> Reply:
    who = t.gettext("{name} (#{id}), {occupation}").format(
        name=name(connectee, t), id=connectee.id, occupation=answer(office, t, connectee, "occupation")
    )
    if not found:
        return Reply(t.gettext("No connector is free for {who} at the moment.").format(who=who))
    lines = [t.gettext("Suggested connectors for {who}:").format(who=who)]
    lines += suggestion_lines(t, office, connectee, found, records)
    buttons = tuple(
        (
            Button(
                t.gettext("Propose {name}").format(name=records[s.connector_id].participant.first_name),
                PickConnector(connectee.id, s.connector_id).pack(),
            ),
        )
        for s in found
    )
    return Reply("\n".join(lines), buttons=buttons)
