"""PostgreSQL: migration 0002's full-text index on the proposals' own text goes; nothing on SQLite.

It has served nothing since words are matched on the analysed text (0004), and every vote rewrote it: a vote
changes vote_count, which other indexes hold, so its update is never HOT and re-inserts the row into every index
of the table, computing each expression index again (docs/benchmarks.md).
"""

import importlib

from django.db import migrations

# The same helper as the trigram indexes' migration: run the statements on PostgreSQL only.
run_on_postgresql = importlib.import_module("search.migrations.0002_proposal_search_indexes").run_on_postgresql

FORWARD = ["DROP INDEX IF EXISTS search_proposal_fts"]
BACKWARD = [
    "CREATE INDEX IF NOT EXISTS search_proposal_fts ON proposals_proposal USING gin "
    "(to_tsvector('simple'::regconfig, COALESCE(title, '') || ' ' || COALESCE(description, '')))",
]


class Migration(migrations.Migration):
    dependencies = [
        ("search", "0008_proposal_word_bigrams"),
    ]

    operations = [
        migrations.RunPython(run_on_postgresql(FORWARD), run_on_postgresql(BACKWARD), elidable=False),
    ]
