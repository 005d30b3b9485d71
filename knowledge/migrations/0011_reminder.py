from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("knowledge", "0010_exchange_rate_source_required_report_usd_pending"),
    ]

    operations = [
        migrations.CreateModel(
            name="Reminder",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("kind", models.CharField(max_length=40, verbose_name="kind")),
                ("key", models.CharField(max_length=100, verbose_name="about")),
                ("stage", models.PositiveIntegerField(verbose_name="stage")),
                ("sent_at", models.DateTimeField(auto_now_add=True, verbose_name="sent at")),
            ],
            options={
                "verbose_name": "reminder",
                "ordering": ("-sent_at", "-pk"),
                "constraints": [
                    models.UniqueConstraint(fields=("kind", "key", "stage"), name="reminder_once")
                ],
            },
        ),
    ]
