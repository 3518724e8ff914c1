"""Background work of the open-data app: rebuilding dataset files after changes."""

from django.tasks import task

from . import build


@task
def refresh_datasets(force: bool = False) -> list[str]:
    return build.refresh(force=force)
