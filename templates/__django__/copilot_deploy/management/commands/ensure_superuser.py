"""`manage.py ensure_superuser`: create the superuser from the environment once; never change it afterwards.

The variables are Django's own for `createsuperuser --noinput` (DJANGO_SUPERUSER_USERNAME, _EMAIL, _PASSWORD),
stored as Copilot secrets. Running on every start is safe: an existing user, and its password, are left alone.
createsuperuser --noinput checks no password rule: this command does, with the project's validators (Django's four
when the project has none), and creates nobody when the password fails them.
"""
import os

import django
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import get_password_validators, validate_password
from django.core.exceptions import ValidationError
from django.core.management import BaseCommand, call_command

# Django's own defaults (the settings of `startproject`), for a project whose AUTH_PASSWORD_VALIDATORS is empty.
DEFAULT_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]


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
        problems = self.password_problems(user_model, username)
        if problems:
            # Never the password itself: the log reaches CloudWatch.
            self.stderr.write(
                f"No superuser created: DJANGO_SUPERUSER_PASSWORD fails the password rules ({' '.join(problems)}). "
                "Store a stronger one (copilot secret init --name DJANGO_SUPERUSER_PASSWORD --overwrite) and deploy again."
            )
            return
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

    @staticmethod
    def password_problems(user_model, username):
        """The messages of every password validator the password fails, judged against the user to be created."""
        candidate = user_model(**{user_model.USERNAME_FIELD: username})
        for name in getattr(user_model, "REQUIRED_FIELDS", []):
            value = os.environ.get(f"DJANGO_SUPERUSER_{name.upper()}")
            if value:
                setattr(candidate, name, value)
        validators = None if settings.AUTH_PASSWORD_VALIDATORS else get_password_validators(DEFAULT_VALIDATORS)
        try:
            validate_password(os.environ["DJANGO_SUPERUSER_PASSWORD"], user=candidate, password_validators=validators)
        except ValidationError as error:
            return error.messages
        return []
