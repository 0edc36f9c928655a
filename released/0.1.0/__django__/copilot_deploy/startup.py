"""The start-up steps of a task (entrypoint.sh), minus the work a starting task finds already done.

A task replaced with the same image and task definition usually does not get here: copilot_deploy/started.py
skips the steps without starting Django. When it cannot tell (a new task definition revision with the same code,
a database migrated since), the steps run, and each checks for work: collectstatic would copy nothing, yet still
re-hash every file and rewrite the stylesheets and staticfiles.json (ManifestStaticFilesStorage post-processes
them all); migrate would apply nothing, yet still compare every model with its migrations. Both are skipped when
what they would produce is known to be there already, and run whenever in doubt. A step is skipped only in the
plain form entrypoint.sh uses: with targets or other options it always runs.
"""
import hashlib
import inspect
import os

import django
from django.apps import apps
from django.conf import settings
from django.contrib.staticfiles.finders import get_finders
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.management import call_command
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor

from copilot_deploy import started

PLAIN_ARGUMENTS = {"--noinput", "--no-input"}

# Next to staticfiles.json on the volume: the fingerprint of the sources of the last collectstatic that finished.
FINGERPRINT_FILE = ".collectstatic-fingerprint"


def run_step(name, arguments, stdout):
    """`manage.py <name> <arguments>`, in this process; collectstatic and migrate only when there is work."""
    plain = set(arguments) <= PLAIN_ARGUMENTS
    if name == "collectstatic" and plain and settings.STATIC_ROOT:
        collect_static_files(arguments, stdout)
    elif name == "migrate" and plain and not migrate_has_work():
        # Nothing to apply: the post_migrate handlers (content types, permissions) ran when these were applied.
        stdout.write("migrate: skipped, every migration is applied already.")
    else:
        call_command(name, *arguments)


def collect_static_files(arguments, stdout):
    """collectstatic, unless the volume holds the static files of exactly these sources already.

    The fingerprint is removed before collecting and written back only once collectstatic has finished: a task
    stopped halfway leaves none, so the next task collects again. Tasks of another version of the code (a deploy,
    a rollback) have other sources, hence another fingerprint, and collect their own files. The start's own
    fingerprint goes too (copilot_deploy/started.py): until a start records it again, no task skips its steps
    on a volume whose staticfiles.json may be another version's.
    """
    fingerprint = static_sources_fingerprint()
    path = os.path.join(settings.STATIC_ROOT, FINGERPRINT_FILE)
    if started.read_text(path) == fingerprint:
        stdout.write(f"collectstatic: skipped, the volume holds the static files of this code already ({fingerprint[:12]}).")
        return
    started.remove_file(path)
    started.forget(settings.STATIC_ROOT)
    call_command("collectstatic", *arguments)
    started.write_text(path, fingerprint)


def static_sources_fingerprint():
    """A hash of every file the static finders offer (name and content), and of what else shapes the output.

    Content, not modification times: an image rebuilt from the same code has new times and the same files.
    """
    storage_class = staticfiles_storage.__class__
    lines = [f"Django {django.get_version()}, {storage_class.__module__}.{storage_class.__qualname__}, {settings.STATIC_URL}"]
    # The storage's own code too: a storage that writes other files (copilot_deploy/storage.py) must collect again.
    with open(inspect.getsourcefile(storage_class), "rb") as file:
        lines.append(hashlib.sha256(file.read()).hexdigest())
    # The patterns collectstatic ignores by default (CVS, .*, *~), so the fingerprint sees what it copies.
    ignore_patterns = apps.get_app_config("staticfiles").ignore_patterns
    sources = []
    for finder_index, finder in enumerate(get_finders()):
        for path, storage in finder.list(ignore_patterns):
            prefixed = os.path.join(storage.prefix, path) if getattr(storage, "prefix", None) else path
            sources.append((prefixed, finder_index, path, storage))
    # Sorted: the order of a folder listing is not guaranteed. Among equal names the first finder's file comes
    # first, the one collectstatic copies.
    for prefixed, _finder_index, path, storage in sorted(sources, key=lambda source: source[:2]):
        content = hashlib.sha256()
        with storage.open(path) as file:
            for chunk in iter(lambda: file.read(1 << 20), b""):
                content.update(chunk)
        lines.append(f"{prefixed} {content.hexdigest()}")
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()


def migrate_has_work(database=DEFAULT_DB_ALIAS):
    """Whether `migrate` would apply anything; conflicting migrations count, so that migrate reports them."""
    executor = MigrationExecutor(connections[database])
    if executor.loader.detect_conflicts():
        return True
    return bool(executor.migration_plan(executor.loader.graph.leaf_nodes()))

