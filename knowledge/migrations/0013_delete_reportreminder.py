from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("knowledge", "0012_copy_report_reminders"),
    ]

    operations = [
        migrations.DeleteModel(name="ReportReminder"),
    ]
