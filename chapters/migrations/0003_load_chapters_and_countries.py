"""Data migration: the default five chapters and every ISO 3166-1 country's chapter.

Kept apart from the schema migration. After this, chapters and countries are data that the
secretariat edits; re-running the data module changes nothing that already exists.
"""

from django.db import migrations


def load(apps, schema_editor):
    from chapters.country_data import CHAPTERS, COUNTRY_CHAPTER

    Chapter = apps.get_model("chapters", "Chapter")
    Country = apps.get_model("chapters", "Country")
    by_slug = {}
    for position, (slug, name) in enumerate(CHAPTERS):
        by_slug[slug], _ = Chapter.objects.get_or_create(
            slug=slug, defaults={"name": name, "position": position}
        )
    for code, slug in COUNTRY_CHAPTER.items():
        Country.objects.get_or_create(code=code, defaults={"chapter": by_slug[slug]})


class Migration(migrations.Migration):
    dependencies = [("chapters", "0002_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
