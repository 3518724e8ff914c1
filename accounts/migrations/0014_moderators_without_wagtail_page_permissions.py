"""Moderators moderate residents' content, nothing else: take away what Wagtail's own "Moderators" group holds.

Wagtail's first migrations create a group named "Moderators" with add, edit, publish, lock and unlock on the
whole page tree and full rights on images and documents; 0010 took that group over for our moderator role, so
every moderator could edit and publish any page (pilots, challenges, the legal pages), import pilot results,
read survey answers in the forms admin and delete editors' images. Their admin access stays.
"""

from django.db import migrations


def strip(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    GroupPagePermission = apps.get_model("wagtailcore", "GroupPagePermission")
    GroupCollectionPermission = apps.get_model("wagtailcore", "GroupCollectionPermission")
    moderators = Group.objects.filter(name="Moderators").first()
    if moderators is None:
        return
    GroupPagePermission.objects.filter(group=moderators).delete()
    GroupCollectionPermission.objects.filter(group=moderators).delete()
    moderators.permissions.remove(*moderators.permissions.exclude(codename="access_admin"))


class Migration(migrations.Migration):
    # After Wagtail's data migrations that fill the group (0003_role_groups depends on their latest).
    dependencies = [("accounts", "0013_user_language")]

    # Not given back on the way down: they were never meant for this role.
    operations = [migrations.RunPython(strip, migrations.RunPython.noop)]
