"""`manage.py locked <command> [args...] [+ <command> [args...]]...`: run commands under a PostgreSQL advisory lock.

In a rolling deploy several tasks start at once, and each runs collectstatic and migrate on start. The lock
makes them take turns: the first one does the work, the next ones find nothing left to do.

The commands run one after the other in this process, under one lock: Django starts once instead of once per
command, and a task waits for its turn once. A step that has nothing to do is skipped (copilot_deploy/startup.py).
"""
import argparse

from django.core.management import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections

from copilot_deploy.startup import run_step

# Any fixed 64-bit number, the same in every task of every version of the app.
LOCK_KEY = 7_384_610_295_318_450
# Between two commands: a word no management command takes as an argument.
SEPARATOR = "+"


def split_steps(words):
    """["collectstatic", "--noinput", "+", "migrate"] -> [("collectstatic", ["--noinput"]), ("migrate", [])]"""
    steps = [[]]
    for word in words:
        if word == SEPARATOR:
            steps.append([])
        else:
            steps[-1].append(word)
    if any(not step for step in steps):
        raise CommandError(f"a command is missing before or after {SEPARATOR!r} in: {' '.join(words)}")
    return [(step[0], step[1:]) for step in steps]


class Command(BaseCommand):
    help = "Run management commands ('+' between them) under a PostgreSQL advisory lock, so that starting tasks take turns."

    def add_arguments(self, parser):
        parser.add_argument("command_name", help="the first command to run, e.g. collectstatic")
        parser.add_argument(
            "command_args",
            nargs=argparse.REMAINDER,
            help=f"its arguments, then {SEPARATOR!r} and the next command, e.g. --noinput {SEPARATOR} migrate --noinput",
        )

    def handle(self, *args, command_name, command_args, **options):
        steps = split_steps([command_name, *command_args])
        connection = connections[DEFAULT_DB_ALIAS]
        if connection.vendor != "postgresql":
            # SQLite is local work: one process, nothing to race with.
            for name, arguments in steps:
                run_step(name, arguments, self.stdout)
            return
        self.stdout.write(f"Waiting for the deploy lock to run {', '.join(name for name, _ in steps)}...")
        with connection.cursor() as cursor:
            # A session lock: held across the commands' transactions, and released by PostgreSQL
            # if this process dies with it.
            cursor.execute("SELECT pg_advisory_lock(%s)", [LOCK_KEY])
        try:
            for name, arguments in steps:
                run_step(name, arguments, self.stdout)
        finally:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [LOCK_KEY])
