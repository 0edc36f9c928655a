"""PostgreSQL settings from the environment database's secret (DB_SECRET) or from a DATABASE_URL."""
import json
import os
from urllib.parse import unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured


def database_from_environment(environ=os.environ):
    """DATABASES["default"] from DB_SECRET, else DATABASE_URL; None when neither is set."""
    if environ.get("DB_SECRET"):
        return database_from_secret(environ["DB_SECRET"])
    if environ.get("DATABASE_URL"):
        return database_from_url(environ["DATABASE_URL"])
    return None


def database_from_secret(secret_json):
    """The environment database's secret (copilot/environments/addons/db.yml): host, port, dbname, username, password."""
    try:
        secret = json.loads(secret_json)
        return postgresql(
            secret["host"], secret["port"], secret["dbname"], secret["username"], secret["password"]
        )
    except (ValueError, TypeError, KeyError) as error:
        # Name the problem, never the value: it holds the password.
        raise ImproperlyConfigured(
            "DB_SECRET must be the JSON of Copilot's Aurora secret "
            f"(host, port, dbname, username, password): {error!r}"
        ) from None


def database_from_url(url):
    """postgres://user:password@host:port/name, with special characters in user or password %-encoded."""
    parts = urlsplit(url)
    if parts.scheme not in ("postgres", "postgresql"):
        raise ImproperlyConfigured(
            "DATABASE_URL must look like postgres://user:password@host:port/name, "
            f"not start with {parts.scheme}://"
        )
    return postgresql(
        parts.hostname or "",
        parts.port or 5432,
        unquote(parts.path.lstrip("/")),
        unquote(parts.username or ""),
        unquote(parts.password or ""),
    )


def postgresql(host, port, name, user, password):
    return {
        "ENGINE": "django.db.backends.postgresql",
        "HOST": host,
        "PORT": str(port),
        "NAME": name,
        "USER": user,
        "PASSWORD": password,
        # Keep a connection for a minute instead of one per request; check it before reuse, since
        # Aurora can fail over or scale and drop idle connections.
        "CONN_MAX_AGE": 60,
        "CONN_HEALTH_CHECKS": True,
    }
