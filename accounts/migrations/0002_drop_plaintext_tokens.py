from django.db import migrations


class Migration(migrations.Migration):
    """DRF's authtoken table held every key in plain text; its app is gone, and its rows
    must not outlive it (a database copy would otherwise still open the API)."""

    dependencies = [("accounts", "0001_initial")]

    operations = [
        migrations.RunSQL("DROP TABLE IF EXISTS authtoken_token", reverse_sql=migrations.RunSQL.noop),
    ]
