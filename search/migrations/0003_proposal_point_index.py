"""A B-tree index on the map point for "near me" on PostgreSQL: the bounding box becomes an index range scan."""

from django.db import migrations

FORWARD = [
    "CREATE INDEX IF NOT EXISTS search_proposal_point ON proposals_proposal (latitude, longitude) "
    "WHERE latitude IS NOT NULL",
]
BACKWARD = ["DROP INDEX IF EXISTS search_proposal_point"]


def run_on_postgresql(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for statement in statements:
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("search", "0002_proposal_search_indexes")]

    operations = [
        migrations.RunPython(run_on_postgresql(FORWARD), run_on_postgresql(BACKWARD), elidable=False),
    ]
