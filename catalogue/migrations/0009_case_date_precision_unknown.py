"""An incident whose date nobody gave has precision "unknown", not the "day" it was given by default."""

from django.db import migrations, models

CHOICES = [("day", "Day"), ("month", "Month"), ("year", "Year"), ("approximate", "Approximate"),
           ("unknown", "Unknown (no incident date)")]


def undated_cases_are_unknown(apps, schema_editor):
    Case = apps.get_model("catalogue", "Case")
    Case.objects.filter(incident_start__isnull=True, incident_end__isnull=True).update(date_precision="unknown")


class Migration(migrations.Migration):
    dependencies = [("catalogue", "0008_elements_of_crimes")]

    operations = [
        migrations.AlterField(model_name="case", name="date_precision",
                              field=models.CharField(choices=CHOICES, default="day", max_length=16)),
        migrations.AlterField(model_name="historicalcase", name="date_precision",
                              field=models.CharField(choices=CHOICES, default="day", max_length=16)),
        migrations.RunPython(undated_cases_are_unknown, migrations.RunPython.noop),
    ]
