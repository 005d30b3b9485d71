"""API tokens become log-ins: hashed, named, expiring, revocable (recpnet.tokens).

The permanent single tokens of DRF's ``authtoken`` app (no longer installed) are dropped with
their table: each holder takes a new token through POST /api/v1/auth/token/. Security events
lose their database constraint on the user, since they are written on a connection of their own.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('recpnet', '0002_security_events'),
    ]

    operations = [
        migrations.RunSQL("DROP TABLE IF EXISTS authtoken_token", migrations.RunSQL.noop),
        migrations.AlterField(
            model_name='securityevent',
            name='user',
            field=models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.CreateModel(
            name='ApiToken',
            fields=[
                ('digest', models.CharField(max_length=128, primary_key=True, serialize=False)),
                ('token_key', models.CharField(db_index=True, max_length=25)),
                ('created', models.DateTimeField(auto_now_add=True)),
                ('expiry', models.DateTimeField(blank=True, null=True)),
                ('name', models.CharField(blank=True, help_text='The device or script this token is for.', max_length=100, verbose_name='name')),
                ('second_factor', models.BooleanField(default=False, help_text='The log-in that issued it gave an authenticator code.', verbose_name='issued with a second factor')),
                ('address', models.CharField(blank=True, max_length=64, verbose_name='issued to address')),
                ('last_used_at', models.DateTimeField(blank=True, null=True, verbose_name='last used')),
                ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='auth_token_set', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': 'API token',
                'verbose_name_plural': 'API tokens',
                'ordering': ('-created',),
            },
        ),
    ]
