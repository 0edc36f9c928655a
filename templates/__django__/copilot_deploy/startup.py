"""The start-up steps of a task (entrypoint.sh), minus the work a starting task finds already done.

A task replaced with the same image and task definition usually does not get here: copilot_deploy/started.py
skips the steps without starting Django. When it cannot tell (a new task definition revision with the same code,
a database migrated since), the steps run, and each checks for work: collectstatic would copy nothing, yet still
re-hash every file and compare every stylesheet and the manifest (ManifestStaticFilesStorage post-processes them
all); migrate would apply nothing, yet still compare every model with its migrations. Both are skipped when
what they would produce is known to be there already, and run whenever in doubt. A step is skipped only in the
plain form entrypoint.sh uses: with targets or other options it always runs.
"""
import os

from django.conf import settings
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.management import call_command
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor

from copilot_deploy import started
from copilot_deploy.storage import static_sources_fingerprint

PLAIN_ARGUMENTS = {"--noinput", "--no-input"}

# On the static volume: the fingerprint of the sources of the last collectstatic that finished, i.e. the version
# whose content the unhashed names hold.
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

    Skipped only when the last collectstatic that finished was this code's, and this code's manifest
    (staticfiles.<fingerprint>.json, copilot_deploy/storage.py) is there. A version whose manifest is there but
    that did not collect last runs it: its hashed files are there, but the unhashed names hold the other version's
    content, and a rollback (A, then B, then A again) must serve A's under them again.

    The fingerprint is removed before collecting and written back only once collectstatic has finished: a task
    stopped halfway leaves none, so the next task collects again. The start's own fingerprint goes too
    (copilot_deploy/started.py): until a start records it again, no task skips its steps on a volume whose
    unhashed names may be another version's.
    """
    # The deployment's storage knows its fingerprint already; another storage (a team's, in a local run) does not.
    fingerprint = getattr(staticfiles_storage, "sources_fingerprint", None)
    fingerprint = fingerprint or static_sources_fingerprint(staticfiles_storage.__class__)
    path = os.path.join(settings.STATIC_ROOT, FINGERPRINT_FILE)
    manifest = getattr(staticfiles_storage, "manifest_name", None)
    if started.read_text(path) == fingerprint and (manifest is None or staticfiles_storage.exists(manifest)):
        stdout.write(f"collectstatic: skipped, the volume holds the static files of this code already ({fingerprint[:12]}).")
        return
    started.remove_file(path)
    started.forget(settings.STATIC_ROOT)
    call_command("collectstatic", *arguments)
    started.write_text(path, fingerprint)


def migrate_has_work(database=DEFAULT_DB_ALIAS):
    """Whether `migrate` would apply anything; conflicting migrations count, so that migrate reports them."""
    executor = MigrationExecutor(connections[database])
    if executor.loader.detect_conflicts():
        return True
    return bool(executor.migration_plan(executor.loader.graph.leaf_nodes()))

