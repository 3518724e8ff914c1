"""Erasing an account, the personal-data side: the person's archives (rows and ZIP files) are deleted."""

from django.db import transaction

from accounts.erasure import register

from .models import PersonalDataExport


@register
def delete_data_exports(user, *, remove_contributions: bool) -> dict[str, int]:
    paths = [export.path for export in PersonalDataExport.objects.filter(user=user)]
    deleted, _rows = PersonalDataExport.objects.filter(user=user).delete()

    def unlink():
        for path in paths:
            path.unlink(missing_ok=True)

    # Files go only once the erasure is committed; a rolled-back erasure keeps the person's archive.
    transaction.on_commit(unlink, robust=True)
    return {"data_exports_deleted": deleted}
