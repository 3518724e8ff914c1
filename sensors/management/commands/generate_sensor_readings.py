"""The benchmark scale: 600 sensors × a year of 10-minute readings (31.5 million) through the real ingest path."""

import datetime
import time

from django.core.management.base import BaseCommand, CommandError

from pilots.models import PilotPage
from sensors.generate import pm25_series
from sensors.ingest import announce_readings, ingest
from sensors.models import DataStream, SensorSite, SiteRole

CHUNK_DAYS = 30
STREAMS_PER_BATCH = 20


class Command(BaseCommand):
    help = "Generate 10-minute PM2.5 readings for many sensors (default 600 × 365 days = 31.5 M) on a pilot."

    def add_arguments(self, parser):
        parser.add_argument("--pilot", help="Slug of the pilot page the sites belong to (default: the first).")
        parser.add_argument("--streams", type=int, default=600)
        parser.add_argument("--days", type=int, default=365)
        parser.add_argument("--method", choices=("copy", "insert"), default=None, help="Default: COPY on PostgreSQL.")

    def handle(self, *args, pilot=None, streams=600, days=365, method=None, **options):
        page = PilotPage.objects.filter(slug=pilot).first() if pilot else PilotPage.objects.first()
        if page is None:
            raise CommandError("No pilot page; run load_demo_data first or pass --pilot.")
        created = []
        for number in range(streams):
            site, _new = SensorSite.objects.get_or_create(
                code=f"bench-{page.pk}-{number:04d}",
                defaults={
                    "pilot": page,
                    "name": f"Bench sensor {number + 1}",
                    "role": SiteRole.PILOT if number % 2 == 0 else SiteRole.CONTROL,
                    "latitude": 37.45 + (number % 30) / 300,
                    "longitude": 126.85 + (number // 30) / 300,
                },
            )
            stream, _new = DataStream.objects.get_or_create(site=site, observed_property="pm25")
            created.append(stream)
        end = datetime.datetime.now(datetime.UTC).replace(minute=0, second=0, microsecond=0)
        start = end - datetime.timedelta(days=days)
        total, began, touched = 0, time.perf_counter(), {}
        for chunk_start in range(0, days, CHUNK_DAYS):
            first = start + datetime.timedelta(days=chunk_start)
            count = min(CHUNK_DAYS, days - chunk_start) * 144
            for i in range(0, len(created), STREAMS_PER_BATCH):
                batch = []
                for stream in created[i : i + STREAMS_PER_BATCH]:
                    epochs, values = pm25_series(first, count, step_seconds=600, seed=stream.pk)
                    moments = [datetime.datetime.fromtimestamp(int(e), datetime.UTC) for e in epochs]
                    batch.append((stream, list(zip(moments, values.tolist(), [None] * len(moments), strict=True))))
                result = ingest(batch, method=method, announce=False)
                total += result.stored
                touched.update(result.touched)
            rate = total / (time.perf_counter() - began)
            self.stdout.write(f"{total:,} readings stored ({rate:,.0f}/s)")
        # Once, at the end: the pilot's metrics and open pages hear of the whole year at once.
        if touched:
            announce_readings(touched)
