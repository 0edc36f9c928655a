"""Whether a starting task can skip the start-up steps, decided without starting Django.

A task that ECS replaces (a Spot interruption, a failed health check, a scale-out) runs the same image and the same
task definition as the one before it, on the same database and the same static volume. When a task of that image
and task definition has run the start-up steps there already, and no migration was applied or unapplied since,
collectstatic, migrate and ensure_superuser have nothing to do. Django itself would need about a quarter of a
second just to start and find that out; this module needs the standard library, the database driver and one query.

The steps end with `manage.py record_start` (entrypoint.sh), which writes a fingerprint of the start next to the
static files: the container's image (ECS's ImageID), its task definition (family and revision), the database (host,
port, name, user), the superuser's name and every applied migration. A start whose own fingerprint is the same
skips the steps. Anything else runs them: no ECS metadata (a local run), another image or task definition revision
(a deploy, a rollback, a changed variable), another database, a migration applied or unapplied since (by hand, by
another version), a collectstatic begun since (it removes the fingerprint, copilot_deploy/startup.py), an emptied
volume, and any error. A superuser deleted by hand comes back with the next deploy, not with a replaced task.

`python -m copilot_deploy.started` exits 0 when the steps can be skipped and 1 when they must run.
"""
import hashlib
import os
import sys

from copilot_deploy.database import database_from_environment
from copilot_deploy.ecs import container_metadata, metadata_uri

# Next to staticfiles.json on the static volume. Written only by a start that ran every step (record_start).
FINGERPRINT_FILE = ".start-fingerprint"
# Rows of Django's migration recorder (django.db.migrations.recorder), the same in every Django project.
APPLIED_MIGRATIONS_QUERY = "SELECT app, name FROM django_migrations ORDER BY app, name"
SECONDS_TO_CONNECT = 5
UNDEFINED_TABLE = "42P01"


class MustRun(Exception):
    """Why the start-up steps must run."""


def start_fingerprint(metadata, database, applied_migrations, environ=os.environ):
    """A hash of what a start depends on; `database` holds Django's HOST, PORT, NAME and USER."""
    labels = metadata.get("Labels") or {}
    image = metadata.get("ImageID")
    revision = labels.get("com.amazonaws.ecs.task-definition-version")
    if not image or not revision:
        raise MustRun("the ECS metadata names no image or task definition revision")
    lines = [
        f"image {image}",
        f"task definition {labels.get('com.amazonaws.ecs.task-definition-family')}:{revision}",
        "database " + " ".join(str(database.get(key) or "") for key in ("HOST", "PORT", "NAME", "USER")),
        f"superuser {environ.get('DJANGO_SUPERUSER_USERNAME', '')}",
        *(f"migration {app}.{name}" for app, name in applied_migrations),
    ]
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()


def fingerprint_path(static_root):
    return os.path.join(static_root, FINGERPRINT_FILE)


# The small files the start-up steps keep on the static volume (here and in copilot_deploy/startup.py).


def read_text(path):
    """The file's text; None when it is not there."""
    try:
        with open(path) as file:
            return file.read()
    except FileNotFoundError:
        return None


def write_text(path, text):
    """Writes the file whole or not at all: a task stopped midway leaves the old file or none, never half of one."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    temporary = f"{path}.{os.getpid()}"
    with open(temporary, "w") as file:
        file.write(text)
    os.replace(temporary, path)


def remove_file(path):
    try:
        os.remove(path)
    except FileNotFoundError:
        pass


def forget(static_root):
    """Removes the fingerprint: the next start runs every step, whatever the image."""
    remove_file(fingerprint_path(static_root))


def record(static_root, database, applied_migrations, environ=os.environ):
    """Writes this start's fingerprint, atomically; returns why nothing was written, or None."""
    uri = metadata_uri(environ)
    if not uri:
        return "not on ECS (no container metadata endpoint)"
    try:
        fingerprint = start_fingerprint(container_metadata(uri), database, applied_migrations, environ)
    except Exception as error:  # a start that cannot be told apart from the next is never skipped
        forget(static_root)
        return str(error)
    write_text(fingerprint_path(static_root), fingerprint)
    return None


def connect(database):
    """A connection with the driver Django uses: psycopg 3, else psycopg2."""
    try:
        import psycopg as driver
    except ImportError:
        import psycopg2 as driver
    return driver.connect(
        host=database["HOST"],
        port=database["PORT"],
        dbname=database["NAME"],
        user=database["USER"],
        password=database["PASSWORD"],
        connect_timeout=SECONDS_TO_CONNECT,
    )


def check(environ=os.environ):
    """Raises MustRun unless a start of this image and task definition left nothing to do; returns its revision."""
    uri = metadata_uri(environ)
    static_root = environ.get("DJANGO_STATIC_ROOT")
    if not uri or not static_root:
        raise MustRun("not on ECS (no container metadata endpoint)" if not uri else "DJANGO_STATIC_ROOT is not set")
    recorded = read_text(fingerprint_path(static_root))
    if recorded is None:
        raise MustRun("no start has been recorded on this volume since the last collectstatic")
    database = database_from_environment(environ)
    if database is None:
        raise MustRun("the database is not set by DB_SECRET or DATABASE_URL")
    metadata = container_metadata(uri)
    connection = connect(database)
    try:
        with connection.cursor() as cursor:
            cursor.execute(APPLIED_MIGRATIONS_QUERY)
            applied = cursor.fetchall()
    except Exception as error:
        # 42P01, undefined_table: psycopg2 calls it pgcode, psycopg 3 sqlstate.
        if UNDEFINED_TABLE in (getattr(error, "pgcode", None), getattr(error, "sqlstate", None)):
            raise MustRun("the database has no migrations yet (no django_migrations table)") from None
        raise
    finally:
        connection.close()
    if start_fingerprint(metadata, database, applied, environ) != recorded:
        raise MustRun("the image, task definition, database or migrations differ from the last recorded start")
    return metadata["Labels"]["com.amazonaws.ecs.task-definition-version"]


def main():
    try:
        revision = check()
    except Exception as error:  # whatever it is, the steps decide for themselves
        reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        print(f"entrypoint: running the start-up steps: {reason}")
        return 1
    print(
        "entrypoint: start-up steps skipped: this image and task definition (revision "
        f"{revision}) started on this database and static volume before, and no migration changed since"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
