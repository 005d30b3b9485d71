"""The name an attachment was uploaded under, searched for the enterprise's name with the
sanitised one (which drops letters that have no ASCII form). Files attached before have none
kept: their own search stays as it was, on the sanitised name."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("knowledge", "0014_case_attachment_visibility"),
    ]

    operations = [
        migrations.AddField(
            model_name="caseattachment",
            name="original_name",
            field=models.CharField(blank=True, max_length=255, verbose_name="uploaded file name"),
        ),
    ]
