"""Everything stored about one person, as JSON and one CSV per kind of record, with their photos, in a ZIP.

Sections are declared once (a queryset for the person and its fields); consents, registrations and survey
answers join this list when the challenges app stores them. The platform keeps no login history beyond
``last_login`` (in the account section); the README in the archive says so.
"""

import io
import json
import zipfile
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from uuid import UUID

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.core.files.storage import default_storage
from django.utils import timezone

from livinglab.spreadsheets import SafeCsvWriter
from notifications.models import ChannelSetting, Follow, Notification, NotificationPreference
from pilots.models import PilotFeedback
from proposals.models import Assessment, Comment, Proposal, ProposalPhoto, Report, StatusChange, Vote

from .models import PersonalDataExport

README = """This archive holds everything the Living Lab platform stores about you, as of {generated}.

data.json has every section; each CSV file holds one section (UTF-8 with BOM, for spreadsheets).
photos/ holds the photos you attached to proposals.

Not kept by the platform, so not included: a login history (only the time of your last sign-in is
stored, in account.csv), consents, session registrations and survey answers (not collected yet).
"""


@dataclass(frozen=True)
class Section:
    """One file of the archive: the rows of ``model`` whose ``owner`` (a lookup path) is the person, ``fields``
    as its columns."""

    name: str
    model: type | str
    owner: str
    fields: tuple[str, ...]

    def rows(self, user):
        model = get_user_model() if self.model == "user" else self.model
        return model.objects.filter(**{self.owner: user.pk})


SECTIONS = (
    Section(
        "account",
        "user",
        "pk",
        (
            "email",
            "phone",
            "phone_verified",
            "display_name",
            "role",
            "home_area__slug",
            "age_band",
            "expertise",
            "organisation",
            "date_joined",
            "last_login",
            "is_active",
        ),
    ),
    Section("email_addresses", EmailAddress, "user", ("email", "verified", "primary")),
    Section(
        "proposals",
        Proposal,
        "author",
        (
            "id",
            "title",
            "description",
            "status",
            "category__slug",
            "area__slug",
            "latitude",
            "longitude",
            "channel",
            "vote_count",
            "comment_count",
            "is_hidden",
            "hidden_reason",
            "created_at",
            "updated_at",
        ),
    ),
    Section("photos", ProposalPhoto, "proposal__author", ("id", "proposal_id", "image", "alt_text")),
    Section("votes", Vote, "user", ("proposal_id", "proposal__title", "channel", "created_at")),
    Section(
        "comments",
        Comment,
        "author",
        (
            "id",
            "proposal_id",
            "parent_id",
            "body",
            "author_role",
            "is_official_answer",
            "is_removed",
            "is_hidden",
            "hidden_reason",
            "created_at",
            "edited_at",
        ),
    ),
    Section(
        "assessments",
        Assessment,
        "expert",
        ("id", "proposal_id", "feasibility", "cost_range", "risks", "recommendation", "text", "created_at"),
    ),
    Section(
        "reports",
        Report,
        "reporter",
        ("proposal_id", "comment_id", "reason", "created_at", "resolved_at"),
    ),
    Section(
        "status_changes_made",
        StatusChange,
        "changed_by",
        ("proposal_id", "from_status", "to_status", "official_response", "created_at"),
    ),
    Section("follows", Follow, "user", ("proposal_id", "created_at")),
    Section(
        "notifications",
        Notification,
        "recipient",
        ("kind", "proposal_id", "pilot_id", "text", "url", "is_read", "created_at"),
    ),
    Section(
        "notification_preferences",
        NotificationPreference,
        "user",
        ("follow_on_comment",),
    ),
    Section(
        "notification_channel_settings",
        ChannelSetting,
        "user",
        ("kind", "channel", "enabled"),
    ),
    Section(
        "pilot_ratings",
        PilotFeedback,
        "user",
        ("pilot_id", "pilot__title", "rating", "comment", "is_hidden", "created_at", "updated_at"),
    ),
    Section(
        "data_requests",
        PersonalDataExport,
        "user",
        ("created_at", "channel", "status", "note"),
    ),
)


def _plain(value):
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, UUID):
        return str(value)
    return value


def collect(user) -> dict[str, list[dict]]:
    return {
        section.name: [
            {field: _plain(value) for field, value in row.items()}
            for row in section.rows(user).order_by().values(*section.fields)
        ]
        for section in SECTIONS
    }


def _csv(section: Section, rows: list[dict]) -> bytes:
    buffer = io.StringIO()
    writer = SafeCsvWriter(buffer)  # the site's one spreadsheet-safe writer (formula cells neutralised)
    writer.writerow(section.fields)
    for row in rows:
        writer.writerow([row[field] for field in section.fields])
    return buffer.getvalue().encode("utf-8-sig")


def write_archive(user, target: Path) -> None:
    data = collect(user)
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("README.txt", README.format(generated=timezone.now().isoformat()))
        archive.writestr("data.json", json.dumps(data, ensure_ascii=False, indent=2))
        for section in SECTIONS:
            archive.writestr(f"{section.name}.csv", _csv(section, data[section.name]))
        for photo in data["photos"]:
            name = photo["image"]
            if name and default_storage.exists(name):
                with default_storage.open(name, "rb") as handle:
                    archive.writestr(f"photos/{photo['id']}-{Path(name).name}", handle.read())
