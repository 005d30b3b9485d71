"""Attachments get a visibility of their own, and the result of the search for the case's
enterprise name in them.

Every attachment that exists becomes network-only (``visibility`` defaults to "network"), even
of a public case: until now nothing told the uploader that a file of a public case reached
visitors, so nobody has said that any of them may. Their ``name_check`` is "pending": the
search runs when the uploader makes one public. Network-only is the safer default: an uploader
who wants a file public says so again, and a file that names the enterprise never becomes so.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("knowledge", "0013_delete_reportreminder"),
    ]

    operations = [
        migrations.AddField(
            model_name="caseattachment",
            name="name_check",
            field=models.CharField(
                choices=[
                    ("pending", "not checked yet"),
                    ("clear", "the enterprise is not named"),
                    ("filename", "the enterprise is named in the file name"),
                    ("content", "the enterprise is named in the content"),
                    ("unchecked", "the file could not be checked"),
                ],
                default="pending",
                max_length=10,
                verbose_name="enterprise name check",
            ),
        ),
        migrations.AddField(
            model_name="caseattachment",
            name="unpublished_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="made network-only"),
        ),
        # The default fills the existing rows: every attachment so far becomes network-only.
        migrations.AddField(
            model_name="caseattachment",
            name="visibility",
            field=models.CharField(
                choices=[("public", "Public"), ("network", "Network only")],
                default="network",
                help_text="Public files must not name the enterprise, in their name or content.",
                max_length=10,
                verbose_name="visibility",
            ),
        ),
        migrations.AddConstraint(
            model_name="caseattachment",
            constraint=models.CheckConstraint(
                condition=models.Q(("visibility__in", ["public", "network"])),
                name="caseattachment_visibility_valid",
            ),
        ),
        migrations.AddConstraint(
            model_name="caseattachment",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("name_check__in", ["pending", "clear", "filename", "content", "unchecked"])
                ),
                name="caseattachment_name_check_valid",
            ),
        ),
        migrations.AddConstraint(
            model_name="caseattachment",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("visibility", "public"), _negated=True),
                    ("name_check", "clear"),
                    _connector="OR",
                ),
                name="caseattachment_public_only_if_clear",
            ),
        ),
    ]
