"""PostgreSQL only: the GIN index on the cases' full-text search vector, and the vectors of
existing cases. SQLite has no tsvector; the library falls back to icontains there."""

from django.db import migrations

CREATE = (
    "CREATE INDEX IF NOT EXISTS knowledge_case_search_gin "
    "ON knowledge_case USING gin (search_vector)"
)
FILL = (
    "UPDATE knowledge_case SET search_vector = "
    "setweight(to_tsvector('english', coalesce(title, '')), 'A') || "
    "setweight(to_tsvector('english', coalesce(summary, '')), 'B')"
)


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)
        schema_editor.execute(FILL)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS knowledge_case_search_gin")


class Migration(migrations.Migration):
    dependencies = [("knowledge", "0004_cases")]

    operations = [migrations.RunPython(forwards, backwards)]
