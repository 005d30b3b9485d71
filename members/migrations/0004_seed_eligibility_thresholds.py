"""Data migration: the default merit thresholds for promotion (kept apart from the schema).

associate: 1 approved annual report, 1 approved case, 1 year as member;
regular:   2 approved annual reports, 3 approved cases, 2 years as member.
After this they are data the secretariat edits; existing rows are left as they are.
"""

from django.db import migrations

DEFAULTS = {
    "associate": {"min_annual_reports": 1, "min_cases": 1, "min_years_member": 1},
    "regular": {"min_annual_reports": 2, "min_cases": 3, "min_years_member": 2},
}


def load(apps, schema_editor):
    EligibilityThreshold = apps.get_model("members", "EligibilityThreshold")
    for tier, values in DEFAULTS.items():
        EligibilityThreshold.objects.get_or_create(tier=tier, defaults=values)


class Migration(migrations.Migration):
    dependencies = [("members", "0003_application_and_thresholds")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
