"""Recount the stored and flagged readings of every data stream and repair any drift."""

from django.db import transaction
from django.db.models import Count, Q

from livinglab.counters import RecountCommand
from sensors.models import DataStream, Reading


def true_counts(stream_ids=None) -> dict[int, tuple[int, int]]:
    """Stream id -> (readings, flagged readings), counted from the readings themselves (one grouped scan)."""
    readings = Reading.objects.all() if stream_ids is None else Reading.objects.filter(stream_id__in=stream_ids)
    rows = readings.order_by().values("stream_id").annotate(n=Count("time"), flagged=Count("time", filter=~Q(flags=0)))
    return {row["stream_id"]: (row["n"], row["flagged"]) for row in rows}


class Command(RecountCommand):
    help = (
        "Compare every data stream's cached reading_count and flagged_count with its stored readings, list each "
        "drift and repair it. Repairs by default; --dry-run only reports. Exits with status 1 under --dry-run "
        "when drift was found, so monitoring can alert on it. Reads every reading once: run it off-peak."
    )
    noun = "stream"

    def drifted(self):
        counted = true_counts()
        for pk, readings, flagged in DataStream.objects.order_by("pk").values_list(
            "pk", "reading_count", "flagged_count"
        ):
            true_readings, true_flagged = counted.get(pk, (0, 0))
            if (readings, flagged) != (true_readings, true_flagged):
                yield (
                    pk,
                    f"Stream {pk}: readings {readings} -> {true_readings}, flagged {flagged} -> {true_flagged}",
                )

    def repair(self, pk: int) -> None:
        # Under the stream's row lock, which ingestion takes: a pull running now is counted before or after.
        with transaction.atomic():
            DataStream.objects.select_for_update().filter(pk=pk).first()
            readings, flagged = true_counts([pk]).get(pk, (0, 0))
            DataStream.objects.filter(pk=pk).update(reading_count=readings, flagged_count=flagged)
