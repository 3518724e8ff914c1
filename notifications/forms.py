from django import forms
from django.utils.translation import gettext_lazy as _

from .models import ALWAYS_ON, Channel, NotificationKind


def field_name(kind: str, channel: str) -> str:
    return f"{kind}__{channel}"


# Kinds only some roles receive: the settings page offers them to those people alone.
ROLE_KINDS = {
    NotificationKind.NEW_REPORT: lambda user: user.is_moderator,
    NotificationKind.REVIEW_NEEDED: lambda user: user.is_administrator,
    NotificationKind.FIELD_PROPOSAL: lambda user: user.is_expert,
}


def kinds_for(user) -> list:
    return [kind for kind in NotificationKind if user is None or kind not in ROLE_KINDS or ROLE_KINDS[kind](user)]


class PreferenceForm(forms.Form):
    """One checkbox per kind of notification and channel, plus following what one comments on.

    The grid is built from ``NotificationKind`` and ``Channel``: a new channel is a new column, with no change
    here.
    """

    follow_on_comment = forms.BooleanField(label=_("Follow the proposals I comment on"), required=False)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.kinds = kinds_for(user)
        for kind in NotificationKind:
            for channel in Channel:
                self.fields[field_name(kind, channel)] = forms.BooleanField(
                    label=f"{kind.label}: {channel.label}",
                    required=False,
                    disabled=(kind, channel) in ALWAYS_ON,
                )

    @classmethod
    def initial_from(cls, choices: dict[tuple[str, str], bool], *, follow_on_comment: bool) -> dict:
        initial = {field_name(kind, channel): on for (kind, channel), on in choices.items()}
        return {**initial, "follow_on_comment": follow_on_comment}

    def choices(self) -> dict[tuple[str, str], bool]:
        return {
            (kind.value, channel.value): bool(self.cleaned_data.get(field_name(kind, channel)))
            for kind in self.kinds
            for channel in Channel
        }

    def rows(self):
        """(kind label, [bound field per channel]) for the settings table."""
        return [(kind.label, [self[field_name(kind, channel)] for channel in Channel]) for kind in self.kinds]

    @staticmethod
    def channels():
        return list(Channel)
