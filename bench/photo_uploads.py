#!/usr/bin/env python
"""bench/photo_uploads: a worker's peak memory while residents upload photos in parallel.

Each run is a fresh process (one "worker"): it records its resident memory after Django has loaded, then
``--uploaders`` threads each send ``--photos`` photos through ``proposals.photos.process_photo``, the exact
call the submission view makes, and it reports the peak resident set (``ru_maxrss``) and the wall time. The
photos are the worst legitimate cases: a 24-megapixel JPEG (6000 x 4000, noisy, like a phone photo) and a
24-megapixel PNG (4896 x 4896), alternating. Runs go once per ``IMAGE_WORK_CONCURRENCY`` value.

    .venv/bin/python bench/photo_uploads.py                    # 6 uploaders x 3 photos, concurrency 1, 2, 18
    .venv/bin/python bench/photo_uploads.py --concurrency 2 --uploaders 12
"""

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def make_photos(directory: Path) -> None:
    """Written by the parent, so that making them never counts in a worker's peak."""
    from PIL import Image

    noise = Image.effect_noise((6000, 4000), 12).convert("RGB")
    noise.save(directory / "phone.jpg", format="JPEG", quality=70)
    Image.linear_gradient("L").resize((4896, 4896)).convert("RGB").save(directory / "scan.png", format="PNG")


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def worker(directory: Path, uploaders: int, photos: int) -> dict:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "livinglab.settings.test")
    # Django is loaded here, in the measured child, after the settings are chosen; the parent never loads it.
    import django

    django.setup()
    from django.core.files.uploadedfile import SimpleUploadedFile

    from proposals.photos import process_photo

    samples = [(path.name, path.read_bytes()) for path in sorted(directory.iterdir())]
    baseline = rss_mb()
    errors = []

    def upload_many(offset: int):
        for number in range(photos):
            name, data = samples[(offset + number) % len(samples)]
            try:
                process_photo(SimpleUploadedFile(name, data))
            except Exception as exc:  # noqa: BLE001 - counted and reported, the bench goes on
                errors.append(repr(exc))

    threads = [threading.Thread(target=upload_many, args=(index,)) for index in range(uploaders)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return {
        "baseline_mb": round(baseline, 1),
        "peak_mb": round(rss_mb(), 1),
        "seconds": round(time.perf_counter() - started, 1),
        "photos": uploaders * photos,
        "errors": errors[:3],
        "sizes_kb": [len(data) // 1024 for _name, data in samples],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--uploaders", type=int, default=6)
    parser.add_argument("--photos", type=int, default=3)
    parser.add_argument("--concurrency", type=int, nargs="*", default=[1, 2, 18])
    parser.add_argument("--worker", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker(args.worker, args.uploaders, args.photos)))
        return
    directory = Path(tempfile.mkdtemp(prefix="bench-photos-"))
    make_photos(directory)
    print(f"{args.uploaders} uploaders x {args.photos} photos; load average {os.getloadavg()[0]:.1f}")
    for concurrency in args.concurrency:
        env = {**os.environ, "IMAGE_WORK_CONCURRENCY": str(concurrency), "IMAGE_WORK_WAIT_SECONDS": "600"}
        output = subprocess.run(
            [sys.executable, __file__, "--worker", str(directory), "--uploaders", str(args.uploaders)]
            + ["--photos", str(args.photos)],
            env=env,
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        result = json.loads(output.strip().splitlines()[-1])
        growth = result["peak_mb"] - result["baseline_mb"]
        print(
            f"concurrency {concurrency:>2}: baseline {result['baseline_mb']} MB, peak {result['peak_mb']} MB "
            f"(+{growth:.0f} MB), {result['photos']} photos in {result['seconds']} s, "
            f"inputs {result['sizes_kb']} KB, errors {result['errors']}"
        )
    shutil.rmtree(directory)


if __name__ == "__main__":
    main()
