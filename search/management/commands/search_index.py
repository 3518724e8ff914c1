"""Maintain the proposals search index: rebuild it without downtime, replay the outbox, compare counts."""

import contextlib
import sys

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from tqdm import tqdm

from proposals.models import Proposal
from search.models import IndexOutbox

REBUILD_CHUNK = 500


def rebuild_actions(index: str, *, chunk_size: int = 2000):
    """Bulk "index" actions for every public proposal, read from the database in chunks."""
    from search.documents import index_action

    proposals = Proposal.objects.public().select_related("category", "area", "area__parent").order_by("pk")
    for proposal in proposals.iterator(chunk_size=chunk_size):
        yield index_action(proposal, index)


class Command(BaseCommand):
    help = (
        "Maintain the Elasticsearch index of proposals: --rebuild fills a new index through bulk requests and "
        "swaps the alias to it, --sync replays writes queued while the cluster was unreachable, --check compares "
        "the number of public proposals in the database and in the index."
    )

    def add_arguments(self, parser):
        mode = parser.add_mutually_exclusive_group(required=True)
        mode.add_argument("--rebuild", action="store_true", help="Build a new index and swap the alias to it.")
        mode.add_argument("--sync", action="store_true", help="Replay the outbox of pending index writes.")
        mode.add_argument("--check", action="store_true", help="Compare database and index counts; exit 1 if off.")
        parser.add_argument(
            "--timeout", type=float, default=30.0, help="Seconds to wait for each cluster request (default 30)."
        )
        parser.add_argument("--no-progress", action="store_true", help="Do not show the progress bar.")

    def handle(self, *args, rebuild: bool, sync: bool, check: bool, timeout: float, no_progress: bool, **options):
        if not settings.ELASTICSEARCH_URL:
            self.stdout.write(
                "No Elasticsearch cluster is configured (ELASTICSEARCH_URL is empty): proposal search runs on "
                "the database, so there is no index to rebuild, sync or check."
            )
            return
        from elasticsearch import ApiError, TransportError

        from search.backends.elasticsearch import get_client

        client = get_client(timeout=timeout)
        try:
            if rebuild:
                self.rebuild(client, progress=not no_progress)
            elif sync:
                self.sync(client)
            else:
                self.check(client)
        except (ApiError, TransportError) as exc:
            raise CommandError(f"The Elasticsearch cluster at {settings.ELASTICSEARCH_URL} failed: {exc}") from exc

    def rebuild(self, client, *, progress: bool):
        from elasticsearch import NotFoundError
        from elasticsearch.helpers import streaming_bulk

        from search.documents import new_index_name, proposal_index, proposals_alias

        started = timezone.now()
        alias = proposals_alias()
        name = new_index_name(started)
        proposal_index(name).create(using=client)
        self.stdout.write(f"Created index {name}.")
        total = Proposal.objects.public().count()
        errors = []
        # tqdm redraws one line with "\r"; it writes to the raw stream under the command's stderr wrapper.
        stream = getattr(self.stderr, "_out", sys.stderr)
        bar = tqdm(total=total, unit="doc", desc="Indexing", file=stream, disable=not progress)
        try:
            for ok, item in streaming_bulk(
                client, rebuild_actions(name), chunk_size=REBUILD_CHUNK, raise_on_error=False, max_retries=2
            ):
                bar.update(1)
                if not ok:
                    errors.append(item)
        except Exception:
            # The cluster went away mid-way: drop the half-filled index (if it still can) and keep the alias.
            with contextlib.suppress(Exception):
                client.indices.delete(index=name)
            raise
        finally:
            bar.close()
        if errors:
            client.indices.delete(index=name)
            raise CommandError(
                f"{len(errors)} proposals failed to index; the alias was not changed. First: {errors[0]}"
            )
        client.indices.refresh(index=name)
        try:
            old = sorted(client.indices.get_alias(name=alias).body)
        except NotFoundError:
            old = []
        actions = [{"remove": {"index": index, "alias": alias}} for index in old]
        actions.append({"add": {"index": name, "alias": alias}})
        # One request: search sees either the old index or the new one, never none.
        client.indices.update_aliases(actions=actions)
        for index in old:
            client.indices.delete(index=index)
        # Writes queued before the rebuild started are in the new index already; later ones stay queued.
        cleared, _ = IndexOutbox.objects.filter(updated_at__lt=started).delete()
        self.stdout.write(
            self.style.SUCCESS(
                f"Indexed {total} proposals into {name}; alias {alias} now points to it"
                + (f" (removed {', '.join(old)})" if old else "")
                + f"; cleared {cleared} outbox entries."
            )
        )

    def sync(self, client):
        from search.indexing import replay_outbox

        pending = IndexOutbox.objects.count()
        if not pending:
            self.stdout.write("The outbox is empty: the index is up to date.")
            return
        report = replay_outbox(client=client)
        remaining = IndexOutbox.objects.count()
        message = f"Replayed {report.sent} of {pending} pending index writes; {remaining} still pending."
        if remaining:
            raise CommandError(message)
        self.stdout.write(self.style.SUCCESS(message))

    def check(self, client):
        from search.documents import proposals_alias

        in_database = Proposal.objects.public().count()
        in_index = client.count(index=proposals_alias())["count"]
        pending = IndexOutbox.objects.count()
        message = f"Database: {in_database} public proposals. Index: {in_index} documents. Outbox: {pending} pending."
        if in_database != in_index:
            raise CommandError(f"{message} The counts differ: run --sync, or --rebuild if that does not help.")
        self.stdout.write(self.style.SUCCESS(message))
