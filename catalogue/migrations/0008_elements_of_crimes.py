"""The Elements of Crimes, complete: the crimes that were folded into one code
(7(1)(g)-1 … -6 and the like), the 2010, 2017 and 2019 amendments and
aggression (8bis) become categories of their own, with the Elements' titles.

The folded codes stay as rows, now groups that cannot be chosen for a new
qualification: the cases that hold them keep them, and a filter on a group
finds its crimes. Nothing is deleted.
"""

from importlib import import_module

import django.db.models.deletion
from django.db import migrations, models


def load_elements_of_crimes(apps, schema_editor):
    # One loader for a fresh database, an upgraded one and the tests' reload (see 0002).
    import_module("catalogue.migrations.0002_roles_and_categories").load_categories(apps, schema_editor)


class Migration(migrations.Migration):
    dependencies = [
        ("catalogue", "0007_case_change_requests"),
    ]

    operations = [
        migrations.AlterField(
            model_name="crimecategory",
            name="name",
            field=models.CharField(max_length=300),
        ),
        migrations.AddField(
            model_name="crimecategory",
            name="parent",
            field=models.ForeignKey(
                blank=True, null=True, on_delete=django.db.models.deletion.PROTECT,
                related_name="children", to="catalogue.crimecategory",
            ),
        ),
        migrations.AddField(
            model_name="crimecategory",
            name="selectable",
            field=models.BooleanField(default=True),
        ),
        migrations.AddField(
            model_name="crimecategory",
            name="note",
            field=models.CharField(blank=True, max_length=300),
        ),
        # Going back leaves the new rows in place: cases may hold them.
        migrations.RunPython(load_elements_of_crimes, migrations.RunPython.noop),
    ]
