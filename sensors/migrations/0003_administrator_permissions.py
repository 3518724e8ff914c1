"""Administrators manage sensor sites, streams, sources, uploads and evidence settings in the Wagtail admin."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

MODELS = ["sensorsite", "datastream", "source", "pulllog", "sensorupload", "pilotevidence", "metricstream"]


def grant(apps, schema_editor):
    app_config = apps.get_app_config("sensors")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    administrators, _ = Group.objects.get_or_create(name="Administrators")
    administrators.permissions.add(
        *Permission.objects.filter(content_type__app_label="sensors", content_type__model__in=MODELS)
    )


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    administrators = Group.objects.filter(name="Administrators").first()
    if administrators:
        administrators.permissions.remove(*Permission.objects.filter(content_type__app_label="sensors"))


class Migration(migrations.Migration):
    dependencies = [("sensors", "0002_partition_readings"), ("accounts", "0003_role_groups")]

    operations = [migrations.RunPython(grant, revoke)]
