"""The welcome's questions (language, role, consent) as replies with their buttons."""

from __future__ import annotations

from typing import Final

from handlers.core.events import Button, Reply
from handlers.core.model import Role
from handlers.core.ports import Context
from handlers.core.terms import consent_text
from handlers.core.translator import N_, Translator, native_name
from handlers.intake.buttons import AgreeToTerms, ChooseLanguage, ChooseRole

LANGUAGE_QUESTION: Final = N_("Which language would you like to use?")
ROLE_QUESTION: Final = N_("Are you new to the region, or a volunteer who would like to meet newcomers?")
ROLE_LABELS: Final = {
    Role.CONNECTEE: N_("I am new to the region"),
    Role.CONNECTOR: N_("I am a volunteer"),
}


def language_question(t: Translator, ctx: Context, text: str) -> Reply:
    current = ctx.conversation.language
    ordered = sorted(ctx.program.languages, key=lambda code: code != current)
    buttons = [Button(native_name(code), ChooseLanguage(code).pack()) for code in ordered]
    per_row = min(2, ctx.capabilities.buttons_per_row)
    return Reply(text, buttons=tuple(tuple(buttons[i : i + per_row]) for i in range(0, len(buttons), per_row)))


def choose(text: str, *choices: tuple[str, str]) -> Reply:
    """A question answered by one of a few (label, callback data) buttons, one to a row."""
    return Reply(text, buttons=tuple((Button(label, data),) for label, data in choices))


def role_question(t: Translator) -> Reply:
    return Reply(
        t.gettext(ROLE_QUESTION),
        buttons=tuple(
            (Button(t.gettext(label), ChooseRole(role.value).pack()),) for role, label in ROLE_LABELS.items()
        ),
    )


def consent_question(t: Translator, ctx: Context) -> Reply:
    assert ctx.conversation.role is not None
    return Reply(
        consent_text(t, ctx.program.forms[ctx.conversation.role.value]),
        buttons=(
            (
                Button(t.pgettext("consent", "I agree"), AgreeToTerms(agreed=True).pack()),
                Button(t.pgettext("consent", "Not now"), AgreeToTerms(agreed=False).pack()),
            ),
        ),
    )
