"""Votes carry their channel like proposals and comments (``AssistedFields``).

Supports desk staff recorded before this column existed are in the audit log
(``livinglab.proposal.voted_on_behalf``, with the vote's id, the channel and the centre): they get their stamp
back from it, so the inclusion dashboard stops counting them as online.
"""

from django.db import migrations, models


def stamp_assisted_votes(apps, schema_editor):
    ModelLogEntry = apps.get_model("wagtailcore", "ModelLogEntry")
    Vote = apps.get_model("proposals", "Vote")
    entries = ModelLogEntry.objects.filter(action="livinglab.proposal.voted_on_behalf").values_list("data", flat=True)
    for data in entries.iterator(chunk_size=1000):
        if not isinstance(data, dict) or data.get("channel") not in ("in_person", "phone", "paper"):
            continue
        Vote.objects.filter(pk=data.get("vote_id"), channel="online").update(
            channel=data["channel"], helped_at=str(data.get("centre") or "")[:120]
        )


class Migration(migrations.Migration):
    dependencies = [
        ("proposals", "0009_proposal_api_point_newest_index"),
        ("wagtailcore", "0098_apitoken"),
    ]

    operations = [
        migrations.AddField(
            model_name="vote",
            name="channel",
            field=models.CharField(
                choices=[
                    ("online", "Online, by the resident"),
                    ("in_person", "In person, filed by staff"),
                    ("phone", "By phone, filed by staff"),
                    ("paper", "On a paper form, entered by staff"),
                ],
                default="online",
                max_length=12,
                verbose_name="channel",
            ),
        ),
        migrations.AddField(
            model_name="vote",
            name="helped_at",
            field=models.CharField(blank=True, max_length=120, verbose_name="submitted with help at"),
        ),
        migrations.RunPython(stamp_assisted_votes, migrations.RunPython.noop),
    ]
