"""`manage.py record_start`: the last start-up step. Records that this image and task definition started here.

A task replaced later with the same image and task definition, on the same database and static volume, finds the
record and skips the start-up steps without starting Django (copilot_deploy/started.py). Run it only after every
other step has succeeded: entrypoint.sh runs it last, under the same lock.
"""
from django.conf import settings
from django.core.management import BaseCommand
from django.db import DEFAULT_DB_ALIAS, connections

from copilot_deploy import started


class Command(BaseCommand):
    help = "Record on the static volume that this image and task definition started on this database (run last)."

    def handle(self, *args, **options):
        if not settings.STATIC_ROOT:
            self.stdout.write("record_start: STATIC_ROOT is not set: nothing recorded.")
            return
        connection = connections[DEFAULT_DB_ALIAS]
        with connection.cursor() as cursor:
            cursor.execute(started.APPLIED_MIGRATIONS_QUERY)
            applied = cursor.fetchall()
        why_not = started.record(settings.STATIC_ROOT, connection.settings_dict, applied)
        if why_not:
            self.stdout.write(f"record_start: nothing recorded, the next start runs every step: {why_not}.")
        else:
            self.stdout.write("record_start: recorded; a replaced task of this image and task definition skips the start-up steps.")
