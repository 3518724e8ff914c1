"""Fill the analysed text of existing proposals, and index it for full text search on PostgreSQL.

The GIN expression is exactly what SearchVector("search_text__title_terms", "search_text__body_terms",
config="simple") compiles to, or PostgreSQL would not use it (see 0002 for the same rule). Proposals added
later are analysed by the write path, or by `manage.py search_index --analyse` after bulk loads.
"""

from django.db import migrations

from search.search_text import refresh_search_text

FORWARD = [
    "CREATE INDEX IF NOT EXISTS search_proposalsearchtext_fts ON search_proposalsearchtext USING gin "
    "(to_tsvector('simple'::regconfig, COALESCE(title_terms, '') || ' ' || COALESCE(body_terms, '')))",
]
BACKWARD = ["DROP INDEX IF EXISTS search_proposalsearchtext_fts"]


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in FORWARD:
            schema_editor.execute(statement)


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in BACKWARD:
            schema_editor.execute(statement)


def analyse_existing(apps, schema_editor):
    proposal_model = apps.get_model("proposals", "Proposal")
    model = apps.get_model("search", "ProposalSearchText")
    done = set(model.objects.values_list("proposal_id", flat=True))
    missing = [pk for pk in proposal_model.objects.values_list("pk", flat=True) if pk not in done]
    if missing:
        refresh_search_text(missing, proposal_model=proposal_model, model=model)


class Migration(migrations.Migration):
    dependencies = [("search", "0004_proposal_search_text")]

    operations = [
        migrations.RunPython(create_index, drop_index, elidable=False),
        migrations.RunPython(analyse_existing, migrations.RunPython.noop, elidable=False),
    ]
