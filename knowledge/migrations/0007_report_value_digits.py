# A report's value as entered holds the same range as a case's (recpnet.bounds.ENTERED_MAX).

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('knowledge', '0006_report_history'),
    ]

    operations = [
        migrations.AlterField(
            model_name='historicalreportimpact',
            name='value',
            field=models.DecimalField(decimal_places=6, max_digits=24, verbose_name='value'),
        ),
        migrations.AlterField(
            model_name='reportimpact',
            name='value',
            field=models.DecimalField(decimal_places=6, max_digits=24, verbose_name='value'),
        ),
    ]
