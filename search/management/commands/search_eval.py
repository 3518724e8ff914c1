"""Measure search quality on the judged query set (search/relevance/) in a throwaway database.

Quality is measured here, not asserted in tests: the figures go into docs/benchmarks.md.
"""

import io
import logging
import statistics
import time
import uuid
from collections import defaultdict

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import connection
from django.test.utils import override_settings

from proposals.models import Area, Category, Proposal, ProposalStatus
from search import relevance
from search.backends import DatabaseBackend
from search.backends.elasticsearch import ElasticsearchBackend, get_client
from search.documents import proposals_alias
from search.interface import PAGE_SIZE, SearchRequest, Sort, normalise_query, query_terms, similar_proposals

SLOWEST = 8
SIMILAR_TOP = 3


class Command(BaseCommand):
    help = (
        "Load the demo data and the judged extra proposals into a throwaway database, run the judged queries "
        "through each configured backend and print recall@10, MRR and nDCG@10 per query class, the slowest "
        "queries and how often the true duplicate is among the first three similar proposals."
    )

    def add_arguments(self, parser):
        parser.add_argument("--slowest", type=int, default=SLOWEST, help="How many of the slowest queries to list.")
        parser.add_argument("--verbose-misses", action="store_true", help="List every query below recall 1.")

    def handle(self, *args, slowest: int, verbose_misses: bool, **options):
        cluster_url = settings.ELASTICSEARCH_URL
        old_name = connection.settings_dict["NAME"]
        # The eval never touches the configured database: Django's test database machinery gives it its own.
        connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
        try:
            with override_settings(ELASTICSEARCH_URL=""):
                self.load()
                judgments = relevance.load()
                labels = self.labels(judgments)
                self.report("database", self.evaluate(judgments, labels, DatabaseBackend()), slowest, verbose_misses)
                self.report_duplicates(labels)
            self.report_elasticsearch(cluster_url, judgments, labels, slowest, verbose_misses)
        finally:
            connection.creation.destroy_test_db(old_name, verbosity=0)

    def load(self):
        # Wagtail logs every demo page it creates; the table is what this command is for.
        logging.getLogger("wagtail").setLevel(logging.WARNING)
        call_command("load_demo_data", quiet_credentials=True, stdout=io.StringIO())
        judgments = relevance.load()
        author = Proposal.objects.order_by("pk").first().author
        for extra in judgments["extra_proposals"]:
            Proposal.objects.create(
                title=extra["title"],
                description=extra["description"],
                area=Area.objects.get(slug=extra["dong"]),
                category=Category.objects.get(slug=extra["category"]),
                author=author,
                status=ProposalStatus.PUBLISHED,
            )
        call_command("search_index", analyse=True, stdout=io.StringIO())

    def labels(self, judgments):
        rows = (
            Proposal.objects.public().exclude(status=ProposalStatus.WITHDRAWN).values_list("pk", "title", "area__slug")
        )
        return relevance.label_proposals(judgments, rows)

    def evaluate(self, judgments, labels, backend):
        results = []
        for judgment in judgments["queries"]:
            text, _ = normalise_query(judgment["query"])
            request = SearchRequest(
                query=text, terms=query_terms(text), filters={}, sort=Sort.RELEVANCE, page=1,
                page_size=PAGE_SIZE, near=None,
            )  # fmt: skip
            started = time.perf_counter()
            ranked = [hit.proposal.pk for hit in backend.search(request).hits]
            elapsed = (time.perf_counter() - started) * 1000
            relevant = relevance.relevant_ids(judgment, labels)
            results.append(
                {
                    "query": judgment["query"],
                    "class": judgment["class"],
                    "relevant": len(relevant),
                    "recall": relevance.recall_at(ranked, relevant),
                    "rr": relevance.reciprocal_rank(ranked, relevant),
                    "ndcg": relevance.ndcg_at(ranked, relevant),
                    "ms": elapsed,
                }
            )
        return results

    def report_elasticsearch(self, cluster_url: str, judgments, labels, slowest: int, verbose_misses: bool):
        """The Elasticsearch row: only from a real cluster (ELASTICSEARCH_URL), never estimated.

        The throwaway database's proposals go into an index of their own (a fresh prefix), which is deleted by
        its exact name afterwards; the site's own index and alias are never touched.
        """
        if not cluster_url:
            self.stdout.write(
                "\nBackend: elasticsearch: NOT MEASURED here. ELASTICSEARCH_URL is not set, and this row can only "
                "come from a real cluster; set ELASTICSEARCH_URL and re-run to print it."
            )
            return
        prefix = f"{settings.ELASTICSEARCH_INDEX_PREFIX}-eval-{uuid.uuid4().hex[:8]}"
        with override_settings(ELASTICSEARCH_URL=cluster_url, ELASTICSEARCH_INDEX_PREFIX=prefix):
            client = get_client(timeout=30)
            call_command("search_index", rebuild=True, no_progress=True, stdout=io.StringIO())
            try:
                results = self.evaluate(judgments, labels, ElasticsearchBackend(client=client))
            finally:
                for index in sorted(client.indices.get_alias(name=proposals_alias()).body):
                    client.indices.delete(index=index)
        self.report("elasticsearch (the cluster at ELASTICSEARCH_URL)", results, slowest, verbose_misses)

    def report(self, backend: str, results: list[dict], slowest: int, verbose_misses: bool):
        vendor = connection.vendor
        self.stdout.write(f"\nBackend: {backend} ({vendor}), {len(results)} judged queries\n")
        self.stdout.write(f"{'class':<40} {'n':>3} {'recall@10':>9} {'MRR':>6} {'nDCG@10':>8}")
        by_class = defaultdict(list)
        for row in results:
            by_class[row["class"]].append(row)
        for name, rows in [*sorted(by_class.items()), ("all", results)]:
            self.stdout.write(
                f"{name:<40} {len(rows):>3} {statistics.mean(r['recall'] for r in rows):>9.3f} "
                f"{statistics.mean(r['rr'] for r in rows):>6.3f} {statistics.mean(r['ndcg'] for r in rows):>8.3f}"
            )
        self.stdout.write(f"\nSlowest queries ({backend}, {vendor}):")
        for row in sorted(results, key=lambda r: -r["ms"])[:slowest]:
            self.stdout.write(f"  {row['ms']:7.1f} ms  {row['query']}")
        misses = [row for row in results if row["recall"] < 1]
        if verbose_misses and misses:
            self.stdout.write("\nQueries below recall 1:")
            for row in misses:
                self.stdout.write(
                    f"  {row['recall']:.2f} rr={row['rr']:.2f} ({row['relevant']} relevant)  {row['query']}"
                )

    def report_duplicates(self, labels):
        pairs = relevance.load(relevance.DUPLICATES_FILE)["pairs"]
        found = judged = 0
        for pair in pairs:
            targets = {
                pk
                for pk in Proposal.objects.open().values_list("pk", flat=True)
                if (label := labels.get(pk)) and label.template == pair["template"] and label.dong == pair["dong"]
            }
            if not targets:
                continue
            judged += 1
            top = [s.proposal.pk for s in similar_proposals(pair["title"], pair["text"])[:SIMILAR_TOP]]
            found += bool(targets & set(top))
        share = found / judged if judged else 0.0
        self.stdout.write(
            f"\nSimilar proposals: true duplicate in the top {SIMILAR_TOP} for {found} of {judged} judged pairs "
            f"({share:.0%}); {len(pairs) - judged} pairs had no open duplicate in the demo data."
        )
