"""The analysed text keeps its proposal's title as written, and PostgreSQL gets an index that holds what a search
reads of each match (its status, category, area, votes and date), so a first search of a common word reads the
proposals from that index alone instead of their rows (docs/benchmarks.md). Every existing title is copied, and
the proposals' unused full-text index goes."""

import importlib

from django.db import migrations, models

run_on_postgresql = importlib.import_module("search.migrations.0002_proposal_search_indexes").run_on_postgresql

COPY_TITLES = (
    "UPDATE search_proposalsearchtext SET title = "
    "(SELECT title FROM proposals_proposal WHERE proposals_proposal.id = search_proposalsearchtext.proposal_id)"
)
# Migration 0002's full-text index on the proposals' own text has served nothing since words are matched on the
# analysed text (0004). Each vote rewrote it: a vote changes vote_count, which other indexes hold, so its update
# is never HOT and re-inserts the row into every index of the table, computing each expression index again.
FORWARD = [
    "CREATE INDEX IF NOT EXISTS search_proposal_match_keys ON proposals_proposal (id) "
    "INCLUDE (is_hidden, status, category_id, area_id, vote_count, created_at)",
    "DROP INDEX IF EXISTS search_proposal_fts",
]
BACKWARD = [
    "CREATE INDEX IF NOT EXISTS search_proposal_fts ON proposals_proposal USING gin "
    "(to_tsvector('simple'::regconfig, COALESCE(title, '') || ' ' || COALESCE(description, '')))",
    "DROP INDEX IF EXISTS search_proposal_match_keys",
]


class Migration(migrations.Migration):
    dependencies = [
        ("proposals", "0001_initial"),
        ("search", "0008_proposal_word_bigrams"),
    ]

    operations = [
        migrations.AddField(
            model_name="proposalsearchtext",
            name="title",
            field=models.TextField(blank=True, default="", verbose_name="title as written"),
        ),
        migrations.RunSQL(COPY_TITLES, migrations.RunSQL.noop, elidable=False),
        migrations.RunPython(run_on_postgresql(FORWARD), run_on_postgresql(BACKWARD), elidable=False),
    ]
