"""Verification per exhibit (Berkeley Protocol): analyses and sign-offs, in tables of their own, so the
evidence item table (and its SQLite triggers) is left alone."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('evidence', '0009_derived_and_disclosures'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='ExhibitAnalysis',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=[('source', 'Source analysis'), ('technical', 'Technical analysis'), ('content', 'Content analysis'), ('geolocation', 'Content analysis: geolocation'), ('chronolocation', 'Content analysis: chronolocation')], max_length=16)),
                ('method', models.TextField(help_text='How the analysis was done (tools, sources consulted, steps).')),
                ('result', models.TextField(help_text='What it found.')),
                ('confidence', models.CharField(choices=[('low', 'Low'), ('medium', 'Medium'), ('high', 'High')], max_length=8)),
                ('recorded_at', models.DateTimeField()),
                ('analyst', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('item', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='analyses', to='evidence.evidenceitem')),
            ],
            options={
                'verbose_name_plural': 'exhibit analyses',
                'ordering': ['item', 'recorded_at', 'id'],
                'constraints': [models.CheckConstraint(condition=models.Q(models.Q(('method', ''), _negated=True), models.Q(('result', ''), _negated=True)), name='analysis_method_and_result')],
            },
        ),
        migrations.CreateModel(
            name='ExhibitSignOff',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('note', models.TextField()),
                ('analyses', models.JSONField(default=list)),
                ('signed_at', models.DateTimeField()),
                ('item', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='signoffs', to='evidence.evidenceitem')),
                ('signer', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'ordering': ['item', 'signed_at', 'id'],
                'constraints': [models.UniqueConstraint(fields=('item', 'signer'), name='signoff_once_per_person'), models.CheckConstraint(condition=models.Q(('note', ''), _negated=True), name='signoff_has_note')],
            },
        ),
    ]
