"""`manage.py ensure_superuser`: create the superuser from the environment once; never change it afterwards.

The variables are Django's own for `createsuperuser --noinput` (DJANGO_SUPERUSER_USERNAME, _EMAIL, _PASSWORD),
stored as Copilot secrets. Running on every start is safe: an existing user, and its password, are left alone.
"""
import os

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
        # createsuperuser reads the password and the required fields (email) from the same variables.
        call_command(
            "createsuperuser",
            interactive=False,
            verbosity=options["verbosity"],
            **{user_model.USERNAME_FIELD: username},
        )
