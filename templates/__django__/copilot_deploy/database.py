"""PostgreSQL settings from the environment database's secret (DB_SECRET) or from a DATABASE_URL."""
import json
import os
from urllib.parse import unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured


# How long a connection attempt may take before it fails: longer than an Aurora Serverless v2 database paused when
# idle takes to resume (about 15 seconds), short enough that a start-up stuck on a database that accepts the
# connection and never answers fails well within the health check's grace period (120 s), with the deploy lock's
# wait after it (copilot_deploy/management/commands/locked.py). PGCONNECT_TIMEOUT, libpq's own variable for it,
# sets another.
CONNECT_TIMEOUT_VARIABLE = "PGCONNECT_TIMEOUT"
CONNECT_TIMEOUT_SECONDS = 30
# TCP keepalives: a connection whose server went away (a failover, a network fault) fails after about a minute of
# silence, not after the kernel's two hours.
KEEPALIVES = {"keepalives": 1, "keepalives_idle": 30, "keepalives_interval": 10, "keepalives_count": 3}


def database_from_environment(environ=os.environ):
    """DATABASES["default"] from DB_SECRET, else DATABASE_URL; None when neither is set."""
    if environ.get("DB_SECRET"):
        database = database_from_secret(environ["DB_SECRET"])
    elif environ.get("DATABASE_URL"):
        database = database_from_url(environ["DATABASE_URL"])
    else:
        return None
    return {**database, "OPTIONS": connection_options(environ)}


def connection_options(environ=os.environ):
    """The driver's connection options: the connect timeout and the keepalives (libpq's names; psycopg 2 and 3)."""
    value = environ.get(CONNECT_TIMEOUT_VARIABLE) or str(CONNECT_TIMEOUT_SECONDS)
    try:
        seconds = int(value)
    except ValueError:
        seconds = 0
    # libpq treats 0 as "wait forever" and rounds 1 up to 2: only a whole number from 2 on means what it says.
    if seconds < 2:
        raise ImproperlyConfigured(
            f"{CONNECT_TIMEOUT_VARIABLE} must be a whole number of seconds, at least 2, not {value!r}: "
            "how long a connection to the database may take before it fails."
        )
    return {"connect_timeout": seconds, **KEEPALIVES}


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
