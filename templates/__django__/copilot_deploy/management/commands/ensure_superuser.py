"""`manage.py ensure_superuser`: create the superuser from the environment once; never change it afterwards.

The variables are Django's own for `createsuperuser --noinput` (DJANGO_SUPERUSER_USERNAME, _EMAIL, _PASSWORD),
stored as Copilot secrets. Running on every start is safe: an existing user, and its password, are left alone.
"""
import os

import django
from django.contrib.auth import get_user_model
from django.core.management import BaseCommand, call_command


class Command(BaseCommand):
    help = "Create the superuser named by DJANGO_SUPERUSER_USERNAME if it does not exist; never reset a password."

    def handle(self, *args, **options):
        username = os.environ.get("DJANGO_SUPERUSER_USERNAME")
        if not username or not os.environ.get("DJANGO_SUPERUSER_PASSWORD"):
            self.stdout.write(
                "DJANGO_SUPERUSER_USERNAME and DJANGO_SUPERUSER_PASSWORD are not both set: no superuser created."
            )
            return
        user_model = get_user_model()
        if user_model._default_manager.filter(**{user_model.USERNAME_FIELD: username}).exists():
            self.stdout.write(f"Superuser {username!r} already exists: left unchanged.")
            return
        fields = {user_model.USERNAME_FIELD: username}
        if django.VERSION < (3, 0):
            # Django 2.2's createsuperuser reads no variable: the required fields (email) come as options, and the
            # user it creates has no usable password until it is set below.
            fields.update({name: os.environ.get(f"DJANGO_SUPERUSER_{name.upper()}", "") for name in user_model.REQUIRED_FIELDS})
        # Since Django 3.0 createsuperuser reads the password and the required fields from the same variables.
        call_command("createsuperuser", interactive=False, verbosity=options["verbosity"], **fields)
        if django.VERSION < (3, 0):
            user = user_model._default_manager.get(**{user_model.USERNAME_FIELD: username})
            user.set_password(os.environ["DJANGO_SUPERUSER_PASSWORD"])
            user.save(update_fields=["password"])
