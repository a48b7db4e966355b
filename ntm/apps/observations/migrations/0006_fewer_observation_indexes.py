"""Fewer indexes on the observations: every version written enters each index that covers it, and an
import writes one version per value and retires the one it replaces (issue 25).

Dropped: the unit's own index and ``obs_cell_current`` (``obs_version_unique`` and ``obs_one_current``
begin with the same columns), the index on ``is_current`` alone (read only together with a set, period
or cell); ``obs_set_period`` becomes partial (current rows only: a retired version no longer enters
it). Schema only: no row changes.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('observations', '0005_approved_entry_help'),
        ('units', '0002_reform_classifications'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='observation',
            name='obs_cell_current',
        ),
        migrations.RemoveIndex(
            model_name='observation',
            name='obs_set_period',
        ),
        migrations.AlterField(
            model_name='observation',
            name='is_current',
            field=models.BooleanField(default=True),
        ),
        migrations.AlterField(
            model_name='observation',
            name='unit',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='observations', to='units.unit', verbose_name='đơn vị'),
        ),
        migrations.AddIndex(
            model_name='observation',
            index=models.Index(condition=models.Q(('is_current', True)), fields=['set_code', 'period'], name='obs_set_period'),
        ),
    ]
