"""Building the dataset files: each format written to a temporary file, then swapped in atomically.

A dataset is rebuilt only when its sources changed (``Dataset.read_state``) or a file is missing, so the
periodic refresh costs a few aggregate queries when nothing happened.
"""

import hashlib
import json
import os
import tempfile
from pathlib import Path

from django.utils import timezone, translation

from .datasets import DATASETS, Dataset
from .licences import current_licence
from .models import DatasetFile, datasets_root
from .writers import write_csv, write_geojson, write_json


def state_of(dataset: Dataset) -> str:
    raw = json.dumps(dataset.read_state(), default=str)
    return hashlib.sha256(raw.encode()).hexdigest()


def _meta(dataset: Dataset, built_at) -> dict:
    licence = current_licence()
    return {
        "dataset": dataset.slug,
        "title": str(dataset.title),
        "licence": {"code": licence["code"], "name": str(licence["name"]), "url": licence["url"]},
        "generated_at": built_at.isoformat(),
    }


def _write(dataset: Dataset, fmt: str, handle, built_at) -> int:
    names = [c.name for c in dataset.columns]
    rows = dataset.read_rows()
    if fmt == "csv":
        return write_csv(handle, names, [c.kind for c in dataset.columns], rows)
    if fmt == "json":
        meta = {**_meta(dataset, built_at), "columns": [c.name for c in dataset.columns]}
        return write_json(handle, names, rows, meta)
    return write_geojson(handle, names, rows, _meta(dataset, built_at))


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def build_file(dataset: Dataset, fmt: str, *, state: str, built_at) -> DatasetFile:
    root = datasets_root()
    root.mkdir(parents=True, exist_ok=True)
    target = root / f"{dataset.slug}.{fmt}"
    fd, temporary = tempfile.mkstemp(dir=root, prefix=f".{dataset.slug}.", suffix=f".{fmt}")
    try:
        encoding = "utf-8-sig" if fmt == "csv" else "utf-8"
        with os.fdopen(fd, "w", encoding=encoding, newline="") as handle:
            rows = _write(dataset, fmt, handle, built_at)
        os.chmod(temporary, 0o644)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    record, _created = DatasetFile.objects.update_or_create(
        dataset=dataset.slug,
        format=fmt,
        defaults={
            "size": target.stat().st_size,
            "sha256": _sha256(target),
            "rows": rows,
            "source_state": state,
            "built_at": built_at,
        },
    )
    return record


def is_current(dataset: Dataset, state: str) -> bool:
    files = {f.format: f for f in DatasetFile.objects.filter(dataset=dataset.slug)}
    return all(
        fmt in files and files[fmt].source_state == state and files[fmt].path.exists() for fmt in dataset.formats
    )


def refresh(*, force: bool = False, only: list[str] | None = None) -> list[str]:
    """Rebuild the datasets whose sources changed; returns the slugs rebuilt."""
    rebuilt = []
    with translation.override(None):
        for dataset in DATASETS.values():
            if only and dataset.slug not in only:
                continue
            state = state_of(dataset)
            if not force and is_current(dataset, state):
                continue
            built_at = timezone.now()
            for fmt in dataset.formats:
                build_file(dataset, fmt, state=state, built_at=built_at)
            rebuilt.append(dataset.slug)
    return rebuilt
