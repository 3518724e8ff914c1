"""Give the Experts group the Wagtail admin (to draft pilots) and the Administrators group feedback moderation.

Experts' page permissions (add and change, never publish) sit on the pilot index itself, so they can draft
pilots and nothing else; ``pilots.services.set_up_pilot_index`` grants them, with the "Pilot review"
workflow, when the index is created (in the admin or by the demo data). This migration does the same for an
index that already exists.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

EXPERT_PAGE_PERMISSIONS = ["add_page", "change_page"]
EXPERT_IMAGE_PERMISSIONS = ["add_image", "choose_image"]
FEEDBACK_PERMISSIONS = ["view_pilotfeedback", "change_pilotfeedback"]


def grant(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    Collection = apps.get_model("wagtailcore", "Collection")
    GroupCollectionPermission = apps.get_model("wagtailcore", "GroupCollectionPermission")
    GroupPagePermission = apps.get_model("wagtailcore", "GroupPagePermission")
    PilotIndexPage = apps.get_model("pilots", "PilotIndexPage")

    experts, _ = Group.objects.get_or_create(name="Experts")
    administrators, _ = Group.objects.get_or_create(name="Administrators")
    experts.permissions.add(Permission.objects.get(content_type__app_label="wagtailadmin", codename="access_admin"))
    administrators.permissions.add(
        *Permission.objects.filter(content_type__app_label="pilots", codename__in=FEEDBACK_PERMISSIONS)
    )
    root_collection = Collection.objects.filter(depth=1).first()
    if root_collection:
        for permission in Permission.objects.filter(
            content_type__app_label="wagtailimages", codename__in=EXPERT_IMAGE_PERMISSIONS
        ):
            GroupCollectionPermission.objects.get_or_create(
                group=experts, collection=root_collection, permission=permission
            )
    for index in PilotIndexPage.objects.all():
        for permission in Permission.objects.filter(
            content_type__app_label="wagtailcore", codename__in=EXPERT_PAGE_PERMISSIONS
        ):
            GroupPagePermission.objects.get_or_create(group=experts, page_id=index.pk, permission=permission)


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    GroupPagePermission = apps.get_model("wagtailcore", "GroupPagePermission")
    experts = Group.objects.filter(name="Experts").first()
    if experts:
        experts.permissions.remove(*Permission.objects.filter(codename="access_admin"))
        GroupPagePermission.objects.filter(group=experts, permission__codename__in=EXPERT_PAGE_PERMISSIONS).delete()
    administrators = Group.objects.filter(name="Administrators").first()
    if administrators:
        administrators.permissions.remove(*Permission.objects.filter(codename__in=FEEDBACK_PERMISSIONS))


class Migration(migrations.Migration):
    dependencies = [
        ("pilots", "0001_initial"),
        ("accounts", "0003_role_groups"),
        ("wagtailadmin", "0006_formstate"),
        ("wagtailimages", "0027_image_description"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
