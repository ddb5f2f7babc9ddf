"""Creates the three roles with their model permissions, and loads the Elements of Crimes taxonomy."""

from django.db import migrations

VIEW = "view"
ROLE_PERMISSIONS = {
    "investigator": {
        "catalogue": {
            "case": ("add", "change", VIEW), "place": ("add", "change", VIEW), "actor": ("add", "change", VIEW),
            "source": ("add", "change", VIEW), "casesource": ("add", "change", VIEW),
            "victimcount": ("add", "change", VIEW), "crimecategory": (VIEW,), "team": (VIEW,),
        },
        "evidence": {"evidenceitem": ("add", "change", VIEW), "custodyevent": (VIEW,)},
    },
    "reviewer": {
        "catalogue": {
            "case": ("change", VIEW), "place": (VIEW,), "actor": (VIEW,), "source": (VIEW,),
            "casesource": ("change", VIEW), "victimcount": (VIEW,), "crimecategory": (VIEW,), "team": (VIEW,),
        },
        "evidence": {"evidenceitem": (VIEW,), "custodyevent": (VIEW,)},
    },
    "legal": {
        "catalogue": {
            "case": (VIEW,), "place": (VIEW,), "actor": (VIEW,), "source": (VIEW,), "casesource": (VIEW,),
            "victimcount": (VIEW,), "crimecategory": (VIEW,), "team": (VIEW,),
        },
        "evidence": {"evidenceitem": (VIEW,), "custodyevent": (VIEW,)},
    },
}


def create_roles(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    # Permissions are normally made after all migrations; make them now so the groups can hold them.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, by_app in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role)
        for app_label, models in by_app.items():
            for model, actions in models.items():
                for action in actions:
                    group.permissions.add(
                        Permission.objects.get(content_type__app_label=app_label, codename=f"{action}_{model}")
                    )


def load_categories(apps, schema_editor):
    """Creates or updates every category; deletes none, so no case loses its qualification.

    Also run by 0008_elements_of_crimes, and by tests/db_guards.py after a flush with
    today's model: so it fills the columns of whichever model it is given.
    """
    from catalogue.rome_statute import CATEGORIES, NOTES, PARENTS, SELECTABLE

    CrimeCategory = apps.get_model("catalogue", "CrimeCategory")
    columns = {field.name for field in CrimeCategory._meta.concrete_fields}
    # Names were 200 characters wide until 0008, which writes the longer titles in full.
    width = CrimeCategory._meta.get_field("name").max_length
    for position, (code, group, name) in enumerate(CATEGORIES, start=1):
        values = {"group": group, "name": name[:width], "position": position,
                  "selectable": code in SELECTABLE, "note": NOTES.get(code, "")}
        CrimeCategory.objects.update_or_create(code=code, defaults={k: v for k, v in values.items() if k in columns})
    if "parent" in columns:
        ids = dict(CrimeCategory.objects.values_list("code", "id"))
        for code, parent in PARENTS.items():
            CrimeCategory.objects.filter(code=code).update(parent_id=ids[parent] if parent else None)


class Migration(migrations.Migration):
    dependencies = [
        ("catalogue", "0001_initial"),
        ("evidence", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.RunPython(create_roles, migrations.RunPython.noop),
        migrations.RunPython(load_categories, migrations.RunPython.noop),
    ]
