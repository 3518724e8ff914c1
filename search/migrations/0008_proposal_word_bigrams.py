"""PostgreSQL: an index of the two-character pieces of every written word of a proposal; nothing on SQLite.

A fragment of two characters ("로등" of "가로등") is too short for a pg_trgm trigram, so finding it inside words
read every proposal's title and description (65 ms at 100,000 proposals, docs/benchmarks.md). Each word's
overlapping pairs of characters, as an array with a GIN index, answer it from the index instead (5 ms). The
function splits on whitespace, as query words never hold any, so "a pair of some word" is exactly "a substring
of the title or the description" for them. search.backends.database.WordBigram writes the same expression, or
PostgreSQL would not use the index.
"""

import importlib

from django.db import migrations

# The same helper as the trigram indexes' migration: run the statements on PostgreSQL only.
run_on_postgresql = importlib.import_module("search.migrations.0002_proposal_search_indexes").run_on_postgresql

FORWARD = [
    """
    CREATE OR REPLACE FUNCTION search_word_bigrams(text) RETURNS text[]
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
      SELECT coalesce(array_agg(DISTINCT substr(word, i, 2)), '{}')
      FROM regexp_split_to_table($1, '\\s+') AS word, generate_series(1, length(word) - 1) AS i
    $$
    """,
    "CREATE INDEX IF NOT EXISTS search_proposal_word_bigrams ON proposals_proposal USING gin "
    "(search_word_bigrams(title || ' ' || description))",
]
BACKWARD = [
    "DROP INDEX IF EXISTS search_proposal_word_bigrams",
    "DROP FUNCTION IF EXISTS search_word_bigrams(text)",
]


class Migration(migrations.Migration):
    dependencies = [
        ("search", "0007_wagtail_index_outbox"),
    ]

    operations = [
        migrations.RunPython(run_on_postgresql(FORWARD), run_on_postgresql(BACKWARD), elidable=False),
    ]
