"""PostgreSQL indexes for the database search backend; nothing to do on SQLite.

pg_trgm's GIN indexes serve ILIKE '%fragment%' and the word-similarity operator, which is how a Korean
fragment such as "가로등" finds "골목 가로등 고장" without a morphological analyser. The expression index
serves full text search; its expression is exactly what SearchVector("title", "description",
config="simple") compiles to, or PostgreSQL would not use it.
"""

from django.db import migrations

FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS search_proposal_title_trgm ON proposals_proposal USING gin (title gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS search_proposal_description_trgm "
    "ON proposals_proposal USING gin (description gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS search_proposal_fts ON proposals_proposal USING gin "
    "(to_tsvector('simple'::regconfig, COALESCE(title, '') || ' ' || COALESCE(description, '')))",
]
BACKWARD = [
    "DROP INDEX IF EXISTS search_proposal_fts",
    "DROP INDEX IF EXISTS search_proposal_description_trgm",
    "DROP INDEX IF EXISTS search_proposal_title_trgm",
]


def run_on_postgresql(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for statement in statements:
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("proposals", "0001_initial"),
        ("search", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(run_on_postgresql(FORWARD), run_on_postgresql(BACKWARD), elidable=False),
    ]
