"""Data: the report-deadline reminders already sent move to the one reminder table, so no
member is reminded twice of the same stage across the switch."""

from django.db import migrations

KIND = "report_deadline"


def forwards(apps, schema_editor):
    ReportReminder = apps.get_model("knowledge", "ReportReminder")
    Reminder = apps.get_model("knowledge", "Reminder")
    Reminder.objects.bulk_create(
        [
            Reminder(kind=KIND, key=f"{r.member_id}/{r.year}", stage=r.days_before)
            for r in ReportReminder.objects.all()
        ],
        ignore_conflicts=True,
    )
    # auto_now_add stamped them now; keep when each was really sent.
    for r in ReportReminder.objects.all():
        Reminder.objects.filter(
            kind=KIND, key=f"{r.member_id}/{r.year}", stage=r.days_before
        ).update(sent_at=r.sent_at)


def backwards(apps, schema_editor):
    ReportReminder = apps.get_model("knowledge", "ReportReminder")
    Reminder = apps.get_model("knowledge", "Reminder")
    Member = apps.get_model("members", "Member")
    members = set(Member.objects.values_list("pk", flat=True))
    for r in Reminder.objects.filter(kind=KIND):
        member_id, year = (int(part) for part in r.key.split("/"))
        if member_id in members:
            ReportReminder.objects.get_or_create(
                member_id=member_id,
                year=year,
                days_before=r.stage,
            )
    Reminder.objects.filter(kind=KIND).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("knowledge", "0011_reminder"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
