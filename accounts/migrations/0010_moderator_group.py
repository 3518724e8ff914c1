"""The Moderators group (the moderation queue in the admin), and admin access for experts (their work queue)."""

from django.db import migrations


def create_moderators(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    access_admin = Permission.objects.filter(content_type__app_label="wagtailadmin", codename="access_admin").first()
    moderators, _ = Group.objects.get_or_create(name="Moderators")
    experts, _ = Group.objects.get_or_create(name="Experts")
    if access_admin is not None:
        moderators.permissions.add(access_admin)
        experts.permissions.add(access_admin)


def remove_moderators(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Group.objects.filter(name="Moderators").delete()
    Permission = apps.get_model("auth", "Permission")
    access_admin = Permission.objects.filter(content_type__app_label="wagtailadmin", codename="access_admin").first()
    experts = Group.objects.filter(name="Experts").first()
    if experts is not None and access_admin is not None:
        experts.permissions.remove(access_admin)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0009_user_moderation_and_expert_fields")]

    operations = [migrations.RunPython(create_moderators, remove_moderators)]
