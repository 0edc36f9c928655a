"""`manage.py wait_for_migrations`: the worker's start (entrypoint.sh with DJANGO_START_UP=wait-for-migrations).

The worker runs the code of the image it was deployed with, and that code's models may need migrations that the
web service's start applies (entrypoint.sh, `locked ... migrate`). Taking tasks before would run them against the
old schema. So the worker asks, every few seconds, whether `migrate` would still apply anything (as `migrate
--check` does), and starts once it would not. The database being unreachable for a while (a paused Aurora resuming)
counts as "not yet". Past the deadline it exits with an error that says what it waited for: ECS then starts a new
task, which waits again.
"""
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.utils import Error as DatabaseError

from copilot_deploy.startup import migrate_has_work


class Command(BaseCommand):
    help = "Waits until every migration of this code is applied (the web service's start applies them)."

    def add_arguments(self, parser):
        parser.add_argument("--timeout", type=float, default=900, help="Seconds before giving up (default 900).")
        parser.add_argument("--interval", type=float, default=5, help="Seconds between two checks (default 5).")

    def handle(self, *args, timeout, interval, **options):
        deadline = time.monotonic() + timeout
        announced = False
        while True:
            try:
                pending = migrate_has_work(DEFAULT_DB_ALIAS)
                reason = "migrations of this code are not applied yet"
            except DatabaseError as error:
                pending = True
                reason = f"the database does not answer ({error.__class__.__name__}: {str(error).strip()})"
            finally:
                # A fresh connection at each check: a dropped one must not make every later check fail.
                connections[DEFAULT_DB_ALIAS].close()
            if not pending:
                self.stdout.write("wait_for_migrations: every migration is applied; the worker starts.")
                return
            if time.monotonic() >= deadline:
                raise CommandError(
                    f"wait_for_migrations: gave up after {timeout:g} s: {reason}. The web service's start applies "
                    "them (`copilot svc logs` of that service says why it has not); this task exits and ECS starts another."
                )
            if not announced:
                self.stdout.write(f"wait_for_migrations: waiting (at most {timeout:g} s): {reason}.")
                announced = True
            time.sleep(interval)
