"""`manage.py locked <command> [args...] [+ <command> [args...]]...`: run commands under a PostgreSQL advisory lock.

In a rolling deploy several tasks start at once, and each runs collectstatic and migrate on start. The lock
makes them take turns: the first one does the work, the next ones find nothing left to do.

The commands run one after the other in this process, under one lock: Django starts once instead of once per
command, and a task waits for its turn once. A step that has nothing to do is skipped (copilot_deploy/startup.py).

Nothing here waits without an end, so that a start-up fits in the health check's grace period (120 s) or fails
saying why: connecting gives up after the connect timeout (30 s, copilot_deploy/database.py), waiting for the lock
after DJANGO_DEPLOY_LOCK_TIMEOUT (60 s), naming the session that holds it; migrations that need longer run in a
one-off task (the README, "Migrations that need longer"). A stop (SIGTERM, SIGINT) ends the steps within seconds
(copilot_deploy/stopping.py).
"""
import argparse
import os
import socket
import time

from django.core.management import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections

from copilot_deploy.database import CONNECT_TIMEOUT_VARIABLE
from copilot_deploy.startup import run_step
from copilot_deploy.stopping import Stopped, stop_on_signals

# Any fixed 64-bit number, the same in every task of every version of the app.
LOCK_KEY = 7_384_610_295_318_450
# Between two commands: a word no management command takes as an argument.
SEPARATOR = "+"
LOCK_TIMEOUT_VARIABLE = "DJANGO_DEPLOY_LOCK_TIMEOUT"
# Long enough for another task's migrations of a usual deploy, short enough to leave time within the 120 s grace
# period for a connect timeout before it and the steps after it.
LOCK_TIMEOUT_SECONDS = 60
SECONDS_BETWEEN_TRIES = 1
# The end of a message that stops the start-up: in a service, ECS replaces a task whose essential container exits.
NOTHING_RAN = "No step ran; the start-up fails, and the service starts another task."

# Who holds the lock: pg_locks shows a bigint advisory key as its high and low 32 bits (classid, objid) with
# objsubid 1, in the database it was taken in.
LOCK_HOLDER_QUERY = """
SELECT l.pid, a.application_name, host(a.client_addr), a.state,
       extract(epoch FROM now() - a.backend_start), extract(epoch FROM now() - a.state_change)
FROM pg_locks l LEFT JOIN pg_stat_activity a ON a.pid = l.pid
WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
  AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
  AND l.classid::bigint = %s AND l.objid::bigint = %s
"""


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


def lock_timeout(environ=os.environ):
    """Seconds to wait for the lock, from DJANGO_DEPLOY_LOCK_TIMEOUT."""
    value = environ.get(LOCK_TIMEOUT_VARIABLE) or str(LOCK_TIMEOUT_SECONDS)
    try:
        seconds = float(value)
    except ValueError:
        seconds = 0
    if not 0 < seconds < float("inf"):
        raise CommandError(
            f"{LOCK_TIMEOUT_VARIABLE} must be a number of seconds above 0, not {value!r}: how long a starting task "
            "waits for the deploy lock before it gives up."
        )
    return seconds


def first_line(error):
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def duration(seconds):
    seconds = int(seconds)
    return f"{seconds // 60} min {seconds % 60} s" if seconds >= 60 else f"{seconds} s"


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
        stop_on_signals(lambda: cancel_running_statement(connection))
        try:
            if connection.vendor != "postgresql":
                # SQLite is local work: one process, nothing to race with.
                for name, arguments in steps:
                    run_step(name, arguments, self.stdout)
                return
            timeout = lock_timeout()
            self.connect(connection)
            self.stdout.write(
                f"Waiting for the deploy lock to run {', '.join(name for name, _ in steps)} "
                f"(up to {duration(timeout)}, {LOCK_TIMEOUT_VARIABLE})..."
            )
            self.take_lock(connection, timeout)
            try:
                for name, arguments in steps:
                    run_step(name, arguments, self.stdout)
            finally:
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_advisory_unlock(%s)", [LOCK_KEY])
        except BaseException as error:
            stop = stop_behind(error)
            if stop is None:
                raise
            # Whatever was open is rolled back by now, or by PostgreSQL when the connection closes: that ends the
            # session, and with it the lock.
            connection.close()
            self.stdout.write(f"locked: {stop}: the steps ended; an open transaction is rolled back, the lock freed.")
            raise SystemExit(stop.exit_status) from None

    def connect(self, connection):
        settings = connection.settings_dict
        where = f"{settings.get('HOST') or 'localhost'}:{settings.get('PORT') or 5432}"
        timeout = settings.get("OPTIONS", {}).get("connect_timeout")
        limit = f" within {timeout} s ({CONNECT_TIMEOUT_VARIABLE})" if timeout else ""
        self.stdout.write(f"locked: connecting to the database at {where}{limit}...")
        try:
            connection.ensure_connection()
        except Exception as error:
            raise CommandError(
                f"could not connect to the database at {where}{limit}: {first_line(error)}. {NOTHING_RAN}"
            ) from None
        with connection.cursor() as cursor:
            # Named in pg_stat_activity, so that a task waiting for the lock can tell who holds it.
            cursor.execute("SET application_name = %s", [f"start-up steps on {socket.gethostname()}"[:63]])

    def take_lock(self, connection, timeout):
        """Tries the lock once a second until `timeout`: nothing waits in the database, and a stop ends the wait."""
        deadline = time.monotonic() + timeout
        told = None
        while True:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_try_advisory_lock(%s)", [LOCK_KEY])
                if cursor.fetchone()[0]:
                    return
                pid, holder = lock_holder(cursor)
            if time.monotonic() >= deadline:
                raise CommandError(
                    f"gave up waiting for the deploy lock after {duration(timeout)} ({LOCK_TIMEOUT_VARIABLE}): held "
                    f"by {holder}. A task applying migrations holds it until they end (the README, \"Migrations "
                    "that need longer\"); a session that is stuck can be ended with "
                    f"SELECT pg_terminate_backend({pid or '<pid>'}). {NOTHING_RAN}"
                )
            if pid != told:
                self.stdout.write(f"locked: the deploy lock is held by {holder}; waiting for it...")
                told = pid
            time.sleep(min(SECONDS_BETWEEN_TRIES, max(deadline - time.monotonic(), 0)))


def cancel_running_statement(connection):
    """Called from another thread: cancels the statement the driver waits for (psycopg 2 and 3 allow that)."""
    cancel = getattr(connection.connection, "cancel", None)
    if cancel is not None:
        cancel()


def stop_behind(error):
    """The Stopped that `error` is, or that was being handled when `error` was raised; None when there is none."""
    while error is not None:
        if isinstance(error, Stopped):
            return error
        error = error.__context__
    return None


def lock_holder(cursor):
    """(pid, what pg_stat_activity tells of the session holding the lock); pid None when it was just released."""
    cursor.execute(LOCK_HOLDER_QUERY, [LOCK_KEY >> 32, LOCK_KEY & 0xFFFFFFFF])
    row = cursor.fetchone()
    if row is None:
        return None, "a session that has just released it"
    pid, application, client, state, connected_for, in_state_for = row
    facts = [f"PostgreSQL backend pid {pid}"]
    if application:
        facts.append(f"application_name {application!r}")
    if client:
        facts.append(f"from {client}")
    if connected_for is not None:
        facts.append(f"connected {duration(connected_for)} ago")
    if state:
        facts.append(f"{state} for {duration(in_state_for or 0)}")
    return pid, ", ".join(facts)
