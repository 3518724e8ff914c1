"""Maintain the proposals search index: rebuild it without downtime, replay the outbox, compare counts."""

import contextlib
import os
import sys

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from elasticsearch import ApiError, NotFoundError, TransportError
from elasticsearch.helpers import streaming_bulk
from tqdm import tqdm

from proposals.models import Proposal
from search import wagtail_index
from search.backends.elasticsearch import get_client
from search.documents import bulk_index_actions, cluster_has_nori, new_index_name, proposal_index, proposals_alias
from search.indexing import replay_outbox
from search.models import IndexOutbox, IndexRebuild, WagtailIndexOutbox
from search.search_text import refresh_search_text, stale_proposal_ids
from search.tasks import replay_search_outbox

REBUILD_CHUNK = 500


def rebuild_actions(index: str, *, chunk_size: int = 2000):
    """Bulk "index" actions for every public proposal, read from the database in chunks."""
    yield from bulk_index_actions(Proposal.objects.public(), index, chunk_size=chunk_size)


class Command(BaseCommand):
    help = (
        "Maintain the Elasticsearch index of proposals: --rebuild fills a new index through bulk requests and "
        "swaps the alias to it, --sync queues a background replay of writes queued while the cluster was unreachable "
        "(proposals, and Wagtail's pages, images and documents) "
        "(--inline replays them here), --check compares "
        "the number of public proposals in the database and in the index."
    )

    def add_arguments(self, parser):
        mode = parser.add_mutually_exclusive_group(required=True)
        mode.add_argument("--rebuild", action="store_true", help="Build a new index and swap the alias to it.")
        mode.add_argument(
            "--sync",
            action="store_true",
            help="Queue a background task (run by the task worker) that replays the outbox of pending index writes.",
        )
        mode.add_argument("--check", action="store_true", help="Compare database and index counts; exit 1 if off.")
        mode.add_argument(
            "--analyse",
            action="store_true",
            help="Analyse proposals the database backend has no Korean analysis for (bulk loads, a new analyser).",
        )
        parser.add_argument(
            "--timeout", type=float, default=30.0, help="Seconds to wait for each cluster request (default 30)."
        )
        parser.add_argument("--no-progress", action="store_true", help="Do not show the progress bar.")
        parser.add_argument(
            "--jobs",
            type=int,
            default=len(os.sched_getaffinity(0)),
            help="With --analyse: processes that analyse in parallel (default: this machine's available CPUs).",
        )
        parser.add_argument(
            "--inline",
            action="store_true",
            help="With --sync: replay here and now instead of in the worker, and fail if writes stay pending.",
        )

    def handle(self, *args, rebuild: bool, sync: bool, check: bool, timeout: float, no_progress: bool, **options):
        if options["inline"] and not sync:
            raise CommandError("--inline goes with --sync.")
        if options["jobs"] < 1:
            raise CommandError("--jobs must be at least 1.")
        if options.get("analyse"):
            self.analyse(options["jobs"])
            return
        if not settings.ELASTICSEARCH_URL:
            self.stdout.write(
                "No Elasticsearch cluster is configured (ELASTICSEARCH_URL is empty): proposal search runs on "
                "the database, so there is no index to rebuild, sync or check."
            )
            return

        client = get_client(timeout=timeout)
        try:
            if rebuild:
                self.rebuild(client, progress=not no_progress)
            elif sync and options["inline"]:
                self.sync(client)
            elif sync:
                self.queue_sync()
            else:
                self.check_counts(client)
        except (ApiError, TransportError) as exc:
            raise CommandError(f"The Elasticsearch cluster at {settings.ELASTICSEARCH_URL} failed: {exc}") from exc

    def rebuild(self, client, *, progress: bool):

        started = timezone.now()
        alias = proposals_alias()
        name = new_index_name(started)
        nori = cluster_has_nori(client)
        rebuild = IndexRebuild.objects.create(started_at=started)
        try:
            proposal_index(name, nori=nori).create(using=client)
            self.stdout.write(f"Created index {name} ({'Nori' if nori else 'CJK bigram'} analysis).")
            self.fill_and_swap(client, name=name, alias=alias, started=started, progress=progress)
        finally:
            rebuild.finished_at = timezone.now()
            rebuild.save(update_fields=["finished_at"])
        # Writes made while the bulk fill ran were queued (IndexRebuild.running): they go to the new index now.
        report = replay_outbox(client=client)
        self.stdout.write(f"Replayed {report.sent} writes made during the rebuild; {report.failed} still pending.")

    def fill_and_swap(self, client, *, name: str, alias: str, started, progress: bool):

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
        if not old and client.indices.exists(index=alias):
            # A concrete index holds the alias's name (auto-created by an early write): an alias cannot be added
            # beside it, so it goes in the same atomic request.
            actions.append({"remove_index": {"index": alias}})
        actions.append({"add": {"index": name, "alias": alias}})
        # One request: search sees either the old index or the new one, never none.
        client.indices.update_aliases(actions=actions)
        for index in old:
            client.indices.delete(index=index)
        # Writes queued before the rebuild started are in the new index already; later ones are replayed next.
        cleared, _ = IndexOutbox.objects.filter(updated_at__lt=started).delete()
        self.stdout.write(
            self.style.SUCCESS(
                f"Indexed {total} proposals into {name}; alias {alias} now points to it"
                + (f" (removed {', '.join(old)})" if old else "")
                + f"; cleared {cleared} outbox entries."
            )
        )

    def analyse(self, jobs: int):
        """Fill ProposalSearchText for proposals written without the signal (bulk_create) or by older rules."""
        stale = stale_proposal_ids()
        written = refresh_search_text(stale, jobs=jobs)
        self.stdout.write(self.style.SUCCESS(f"Analysed {written} proposals for the database search backend."))

    def queue_sync(self):
        """The replay runs in the task worker, like every replay the site starts (``search.tasks``)."""
        pending = IndexOutbox.objects.count() + WagtailIndexOutbox.objects.count()
        if not pending:
            self.stdout.write("The outbox is empty: the index is up to date.")
            return
        result = replay_search_outbox.enqueue()
        self.stdout.write(
            self.style.SUCCESS(
                f"Queued the replay of {pending} pending index writes as background task {result.id}; the task "
                "worker sends them (run with --inline to replay here instead)."
            )
        )

    def sync(self, client):
        """Proposals' outbox, then Wagtail's (pages, images and documents)."""
        pending = IndexOutbox.objects.count() + WagtailIndexOutbox.objects.count()
        if not pending:
            self.stdout.write("The outbox is empty: the index is up to date.")
            return
        sent = replay_outbox(client=client).sent + wagtail_index.replay_outbox().sent
        remaining = IndexOutbox.objects.count() + WagtailIndexOutbox.objects.count()
        message = f"Replayed {sent} of {pending} pending index writes; {remaining} still pending."
        if remaining:
            raise CommandError(message)
        self.stdout.write(self.style.SUCCESS(message))

    def check_counts(self, client):  # not `check`: that is BaseCommand.check, run before handle()

        in_database = Proposal.objects.public().count()
        in_index = client.count(index=proposals_alias())["count"]
        pending = IndexOutbox.objects.count()
        message = f"Database: {in_database} public proposals. Index: {in_index} documents. Outbox: {pending} pending."
        if in_database != in_index:
            raise CommandError(f"{message} The counts differ: run --sync, or --rebuild if that does not help.")
        self.stdout.write(self.style.SUCCESS(message))
