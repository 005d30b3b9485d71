"""Data migration: the common indicator catalogue (DESIGN.md "Indicators")."""

from django.db import migrations

IMPACT = [
    ("energy_saved", "Energy saved", "MWh/yr", ["kWh", "MWh", "GWh", "GJ", "TJ"]),
    ("water_saved", "Water saved", "m3/yr", ["L", "m3", "ML", "GL"]),
    ("materials_saved", "Materials saved", "t/yr", ["kg", "t", "kt"]),
    ("waste_reduced", "Waste reduced", "t/yr", ["kg", "t", "kt"]),
    ("wastewater_reduced", "Wastewater reduced", "m3/yr", ["L", "m3", "ML", "GL"]),
    ("ghg_reduced", "GHG emissions reduced", "tCO2e/yr", ["kgCO2e", "tCO2e", "ktCO2e"]),
]
MONEY = [
    ("investment", "Investment", "USD"),
    ("annual_savings", "Annual monetary savings", "USD/yr"),
]
ACTIVITY = [
    ("enterprises_assisted", "Enterprises assisted"),
    ("assessments_completed", "Assessments completed"),
    ("options_identified", "RECP options identified"),
    ("options_implemented", "RECP options implemented"),
    ("people_trained", "People trained"),
    ("outreach_events", "Outreach events"),
    ("policy_engagements", "Policy engagements"),
]


def seed(apps, schema_editor):
    Indicator = apps.get_model("knowledge", "Indicator")
    position = 0
    for code, name, unit, units in IMPACT:
        position += 1
        Indicator.objects.get_or_create(
            code=code,
            defaults={"name": name, "unit": unit, "category": "impact", "input_units": units,
                      "position": position},
        )
    for code, name, unit in MONEY:
        position += 1
        Indicator.objects.get_or_create(
            code=code,
            defaults={"name": name, "unit": unit, "category": "money", "input_units": [],
                      "position": position},
        )
    for code, name in ACTIVITY:
        position += 1
        Indicator.objects.get_or_create(
            code=code,
            defaults={"name": name, "unit": "", "category": "activity", "input_units": [],
                      "position": position},
        )


class Migration(migrations.Migration):
    dependencies = [("knowledge", "0001_catalogue_and_review")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
