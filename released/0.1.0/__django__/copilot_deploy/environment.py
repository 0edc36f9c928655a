"""What the settings read from the task's environment: whether it runs in the cloud, flags, the secret key."""
import os

from django.core.exceptions import ImproperlyConfigured


def in_cloud(environ=os.environ):
    """Copilot sets COPILOT_ENVIRONMENT_NAME in every task; a local run does not have it."""
    return bool(environ.get("COPILOT_ENVIRONMENT_NAME"))


def env_flag(name, default=False, environ=os.environ):
    value = environ.get(name, "")
    return value.strip().lower() in ("1", "true", "yes", "on") if value else default


def required_secret_key(environ=os.environ):
    """DJANGO_SECRET_KEY from the Copilot secret; a task without it must not start with a guessable key."""
    secret_key = environ.get("DJANGO_SECRET_KEY", "")
    if not secret_key:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY is not set. Store one with `copilot secret init --name DJANGO_SECRET_KEY` "
            "and list it under `secrets` in the service manifest."
        )
    return secret_key
