"""A stop during the start-up steps (ECS's SIGTERM, `docker stop`, Ctrl-C) ends them within seconds, and cleanly.

entrypoint.sh passes SIGTERM and SIGINT on to the step that runs. In `manage.py locked` the signal raises Stopped in
the main thread: an open transaction (a migration) is rolled back, the deploy lock is released if held, and the
process exits with 128 + the signal's number, as if the signal had ended it. While the main thread waits inside the
database driver (a long ALTER TABLE, a statement waiting for a row lock), it sees the signal only once the statement
ends: a thread of its own cancels that statement at once, the way psycopg 3 does on Ctrl-C. Should the steps still
run a few seconds later (a driver that does not give way), the process exits anyway: PostgreSQL rolls back the
transaction of a connection that closed, and releases its locks.
"""
import os
import signal
import threading
import time

STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)
SECONDS_TO_WIND_DOWN = 5


class Stopped(KeyboardInterrupt):
    """A stop signal arrived. A KeyboardInterrupt: psycopg 3 cancels the running statement on one, then re-raises it."""

    def __init__(self, signum):
        self.signal_name = signal.Signals(signum).name
        self.exit_status = 128 + signum
        super().__init__(f"stopped by {self.signal_name}")


_stopping = threading.Event()


def _raise_stopped(signum, frame):
    # Once: a second signal must not break off the rollback and unlock the first one started.
    if not _stopping.is_set():
        _stopping.set()
        raise Stopped(signum)


def stop_on_signals(cancel_running_statement):
    """From now on SIGTERM and SIGINT raise Stopped in the main thread (call it there).

    `cancel_running_statement()` runs in another thread as soon as the signal arrives; then, unless the process has
    exited within SECONDS_TO_WIND_DOWN, it exits there with the signal's status.
    """
    read_end, write_end = os.pipe()
    os.set_blocking(write_end, False)
    # Python's own C handler writes each signal's number to this pipe the moment it arrives, whatever the main
    # thread is doing; the Python handler runs later, between two bytecodes of the main thread.
    signal.set_wakeup_fd(write_end)
    for signum in STOP_SIGNALS:
        signal.signal(signum, _raise_stopped)
    threading.Thread(target=_watch, args=(read_end, cancel_running_statement), name="stop-watcher", daemon=True).start()


def _watch(read_end, cancel_running_statement):
    while True:
        signum = os.read(read_end, 1)[0]
        if signum in STOP_SIGNALS:
            break
    try:
        cancel_running_statement()
    except Exception:  # a connection closing under it: the exit below still comes
        pass
    time.sleep(SECONDS_TO_WIND_DOWN)
    name = signal.Signals(signum).name
    os.write(2, f"locked: still running {SECONDS_TO_WIND_DOWN} s after {name}: exiting now.\n".encode())
    os._exit(128 + signum)
