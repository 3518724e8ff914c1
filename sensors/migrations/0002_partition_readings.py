"""On PostgreSQL, raw readings live in a table partitioned by month (UTC) with a BRIN index on time.

The model and its state stay those of 0001; only the storage differs, so SQLite keeps its plain table.
Partitions are created as data arrive (``sensors.storage.ensure_partitions``).
"""

from django.db import migrations

PARTITIONED = """
DROP TABLE sensors_reading;
CREATE TABLE sensors_reading (
    stream_id bigint NOT NULL REFERENCES sensors_datastream (id) DEFERRABLE INITIALLY DEFERRED,
    time timestamp with time zone NOT NULL,
    value double precision NOT NULL,
    flags smallint NOT NULL CHECK (flags >= 0),
    PRIMARY KEY (stream_id, time)
) PARTITION BY RANGE (time);
CREATE INDEX sensors_reading_time_brin ON sensors_reading USING brin (time);
"""

PLAIN = """
DROP TABLE sensors_reading;
CREATE TABLE sensors_reading (
    stream_id bigint NOT NULL REFERENCES sensors_datastream (id) DEFERRABLE INITIALLY DEFERRED,
    time timestamp with time zone NOT NULL,
    value double precision NOT NULL,
    flags smallint NOT NULL CHECK (flags >= 0),
    PRIMARY KEY (stream_id, time)
);
"""


def partition(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PARTITIONED)


def unpartition(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PLAIN)


class Migration(migrations.Migration):
    dependencies = [("sensors", "0001_initial")]

    operations = [migrations.RunPython(partition, unpartition, elidable=False)]
