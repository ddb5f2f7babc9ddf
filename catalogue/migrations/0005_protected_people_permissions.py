"""Investigators record protected people; every role sees pseudonyms. Revealing an
identity (`reveal_identity`) is granted to named users only, never to a role."""

from django.db import migrations

GRANTS = {
    "investigator": ("add_protectedperson", "view_protectedperson"),
    "reviewer": ("view_protectedperson",),
    "legal": ("view_protectedperson",),
}


def grant(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, codenames in GRANTS.items():
        group, _ = Group.objects.get_or_create(name=role)
        for codename in codenames:
            group.permissions.add(Permission.objects.get(content_type__app_label="catalogue", codename=codename))


class Migration(migrations.Migration):
    dependencies = [("catalogue", "0004_protected_people")]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
