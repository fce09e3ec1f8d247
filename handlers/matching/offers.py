"""What each side of a proposal reads about the other before anyone accepts: who, their field, how
and where they would meet, and when, each in the reader's language and time zone.

Nobody learns the way to meet only after accepting: the connector's introduction, the offer the
connectee reads and the connectee's counter-proposal all say it (handlers.meetings.booking.meeting_mode,
the same rule the booking uses). A proposal from outside the connectee's field says so to both.
"""

from __future__ import annotations

from handlers.core.events import Button, Outgoing, Reply
from handlers.core.model import Participant, Proposal, ProposalStatus, Role
from handlers.core.people import answer, name, role_name, to, translator, zone_of
from handlers.core.ports import Office
from handlers.core.render import format_when
from handlers.core.templates import PROPOSAL, naming
from handlers.core.translator import Translator
from handlers.matching.buttons import AcceptTime, AnotherTime, CannotTakeIt, DeclineProposal, NoneOfTheseTimes, PickSlot
from handlers.matching.scoring import Why
from handlers.meetings.booking import MODE_NAMES, meeting_mode


def how_and_where(office: Office, t: Translator, connectee: Participant, connector: Participant) -> list[str]:
    """The way this pair meets and, in person, the place the connector named (their words, quoted)."""
    mode = meeting_mode(office, connectee, connector)
    lines = [t.pgettext("meeting", "How: {how}").format(how=t.gettext(MODE_NAMES.get(mode, MODE_NAMES["video"])))]
    area = answer(office, t, connector, "meeting_area") if mode == "in_person" else ""
    if area:
        lines.append(t.pgettext("meeting", "Where: {area} (agree on the exact place together)").format(area=area))
    return lines


def _outside_field(proposal: Proposal) -> bool:
    return any(reason.partition(":")[0] == Why.OUTSIDE_FIELD.value for reason in proposal.reasons)


def _rows(t: Translator, rows: list[tuple[str, str]]) -> list[str]:
    return [
        t.pgettext("field", "{label}: {answer}").format(label=label, answer=value) for label, value in rows if value
    ]


def introduction(office: Office, proposal: Proposal, connectee: Participant, connector: Participant) -> Reply:
    """To the connector: who the connectee is (no contact details yet), how and where, and the slots to pick from."""
    t = translator(office, connector)
    lines = [
        t.gettext(
            "Hello {name}! We would like to introduce you to a newcomer for a {minutes}-minute conversation."
        ).format(name=name(connector, t), minutes=office.program.matching.meeting_minutes)
    ]
    about = _rows(
        t,
        [
            (
                t.gettext("Who"),
                t.gettext("{name}, {role}").format(name=name(connectee, t), role=role_name(t, Role.CONNECTEE)),
            ),
            (t.pgettext("offer", "Occupation"), answer(office, t, connectee, "occupation")),
            (t.gettext("Field"), answer(office, t, connectee, "sector")),
            (t.pgettext("offer", "Goals"), answer(office, t, connectee, "goals")),
            (t.pgettext("offer", "Languages"), answer(office, t, connectee, "languages")),
        ],
    )
    lines.append("\n".join([*about, *how_and_where(office, t, connectee, connector)]))
    if _outside_field(proposal):
        lines.append(
            t.gettext(
                "Please note: {name} is looking for work in another field than yours; no volunteer from their "
                "field is free at the moment."
            ).format(name=name(connectee, t))
        )
    lines.append(
        t.gettext("Could you meet them? Pick a time that suits you. Contact details are shared once you both confirm.")
    )
    return Reply(
        "\n\n".join(lines),
        buttons=slot_buttons(office, proposal, connector, t),
        template=naming(PROPOSAL, connector),
    )


def slot_buttons(
    office: Office, proposal: Proposal, connector: Participant, t: Translator
) -> tuple[tuple[Button, ...], ...]:
    zone = zone_of(office, connector)
    rows = [
        (Button(format_when(start, t, zone), PickSlot(proposal.id, proposal.version, index).pack()),)
        for index, start in enumerate(proposal.slots)
    ]
    rows.append(
        (Button(t.gettext("None of these times work"), NoneOfTheseTimes(proposal.id, proposal.version).pack()),)
    )
    rows.append((Button(t.gettext("I can't take this one"), CannotTakeIt(proposal.id, proposal.version).pack()),))
    return tuple(rows)


def offer_to_connectee(office: Office, proposal: Proposal, connectee: Participant, connector: Participant) -> Reply:
    """To the connectee: the connector, their field, how, where and when; accept, another time, or decline."""
    assert proposal.slot is not None
    t = translator(office, connectee)
    greeting = t.gettext(
        "Good news, {name}! {volunteer} ({title}, {organization}) would like to meet you for "
        "{minutes} minutes on {when}."
    ).format(
        name=name(connectee, t),
        volunteer=name(connector, t),
        title=answer(office, t, connector, "job_title"),
        organization=answer(office, t, connector, "organization"),
        minutes=office.program.matching.meeting_minutes,
        when=format_when(proposal.slot, t, zone_of(office, connectee)),
    )
    role = role_name(t, Role.CONNECTOR)
    about = _rows(
        t,
        [
            (t.gettext("Who"), t.gettext("{name}, {role}").format(name=name(connector, t), role=role)),
            (t.gettext("Field"), answer(office, t, connector, "sectors")),
        ],
    )
    lines = [greeting, "\n".join([*about, *how_and_where(office, t, connectee, connector)])]
    if _outside_field(proposal):
        lines.append(
            t.gettext(
                "Please note: {name} works in another field than yours. No volunteer from your field is free at "
                "the moment, and we think {name} can still help."
            ).format(name=name(connector, t))
        )
    lines.append(t.gettext("Does this time work for you?"))
    rows = [(Button(t.gettext("Yes, that works"), AcceptTime(proposal.id, proposal.version).pack()),)]
    if len(proposal.slots) > 1:
        rows.append((Button(t.gettext("Another time, please"), AnotherTime(proposal.id, proposal.version).pack()),))
    rows.append(
        (Button(t.pgettext("proposal", "No, thank you"), DeclineProposal(proposal.id, proposal.version).pack()),)
    )
    return Reply("\n\n".join(lines), buttons=tuple(rows))


def counter_to_connector(office: Office, proposal: Proposal, connectee: Participant, connector: Participant) -> Reply:
    """To the connector: the connectee asks for another of the held times (the way to meet again with it)."""
    assert proposal.slot is not None
    t = translator(office, connector)
    when = format_when(proposal.slot, t, zone_of(office, connector))
    text = t.gettext("{name} would prefer to meet on {when}. Does that work for you?").format(
        name=name(connectee, t), when=when
    )
    text += "\n\n" + "\n".join(how_and_where(office, t, connectee, connector))
    index = proposal.slots.index(proposal.slot)
    rows = (
        (
            Button(
                t.gettext("Yes, {when} works").format(when=when), PickSlot(proposal.id, proposal.version, index).pack()
            ),
        ),
        (Button(t.gettext("None of these times work"), NoneOfTheseTimes(proposal.id, proposal.version).pack()),),
        (Button(t.gettext("I can't take this one"), CannotTakeIt(proposal.id, proposal.version).pack()),),
    )
    return Reply(text, buttons=rows)


def waiting_view(office: Office, proposal: Proposal, connectee: Participant, connector: Participant) -> Outgoing:
    """The question the waiting side has in front of them, again (for a nudge)."""
    if proposal.status is ProposalStatus.PROPOSED:
        return to(connectee, offer_to_connectee(office, proposal, connectee, connector))
    if proposal.slot is not None:
        return to(connector, counter_to_connector(office, proposal, connectee, connector))
    return to(connector, introduction(office, proposal, connectee, connector))
