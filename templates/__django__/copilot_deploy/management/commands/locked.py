"""`manage.py locked <command> [args...]`: run a command while holding a PostgreSQL advisory lock.

In a rolling deploy several tasks start at once, and each runs collectstatic and migrate on start. The lock
makes them take turns: the first one does the work, the next ones find nothing left to do.
"""
import argparse

from django.core.management import BaseCommand, call_command
from django.db import DEFAULT_DB_ALIAS, connections

# Any fixed 64-bit number, the same in every task of every version of the app.
LOCK_KEY = 7_384_610_295_318_450


class Command(BaseCommand):
    help = "Run a management command while holding a PostgreSQL advisory lock, so that starting tasks take turns."

    def add_arguments(self, parser):
        parser.add_argument("command_name", help="the command to run, e.g. migrate")
        parser.add_argument("command_args", nargs=argparse.REMAINDER, help="its arguments, e.g. --noinput")

    def handle(self, *args, command_name, command_args, **options):
        connection = connections[DEFAULT_DB_ALIAS]
        if connection.vendor != "postgresql":
            # SQLite is local work: one process, nothing to race with.
            call_command(command_name, *command_args)
            return
        self.stdout.write(f"Waiting for the deploy lock to run {command_name}...")
        with connection.cursor() as cursor:
            # A session lock: held across the command's transactions, and released by PostgreSQL
            # if this process dies with it.
            cursor.execute("SELECT pg_advisory_lock(%s)", [LOCK_KEY])
        try:
            call_command(command_name, *command_args)
        finally:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [LOCK_KEY])
