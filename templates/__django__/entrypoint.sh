#!/bin/sh
# Runs in every Django task before the server (the image's ENTRYPOINT; the CMD comes as arguments).
set -eu

<% if (imageDeployDir) { -%>
# The project's folder (manage.py), one above this one.
cd "$(dirname "$0")/.."
<% } else { -%>
cd "$(dirname "$0")"
<% } -%>

# As PID 1 (the container's first process, on Fargate as under `docker run`), sh gets no signal it has no trap for,
# and runs a trap only once the command in the foreground has ended. So each start-up step runs in the background
# while sh waits for it, and a stop (SIGTERM from ECS or `docker stop`, Ctrl-C) reaches the step at once: the steps
# roll back what is open, release the deploy lock and exit (copilot_deploy/stopping.py), and so does this script.
step_pid=
stopped_by=
# The step gets SIGTERM whichever signal came: sh starts background commands with SIGINT ignored.
stop() {
    stopped_by=$1
    echo "entrypoint: SIG$1 received during the start-up steps: stopping them"
    if [ -n "$step_pid" ]; then
        kill -s TERM "$step_pid" 2>/dev/null || true
    fi
}
trap 'stop TERM' TERM
trap 'stop INT' INT

exit_if_stopped() {
    if [ -n "$stopped_by" ]; then
        echo "entrypoint: stopped by SIG$stopped_by before $1"
        # 128 + the signal's number, as if the signal had ended this script.
        case $stopped_by in
            TERM) exit 143 ;;
            *) exit 130 ;;
        esac
    fi
}

# run COMMAND...: runs it as a start-up step and returns its status.
run() {
    exit_if_stopped "$*"
    "$@" &
    step_pid=$!
    # A signal that came between the two lines above found no step to pass it on to.
    if [ -n "$stopped_by" ]; then
        kill -s TERM "$step_pid" 2>/dev/null || true
    fi
    step_status=0
    wait "$step_pid" || step_status=$?
    # A trapped signal ends `wait` early, with a status above 128, while the step is still winding down.
    while [ "$step_status" -gt 128 ] && kill -0 "$step_pid" 2>/dev/null; do
        step_status=0
        wait "$step_pid" || step_status=$?
    done
    step_pid=
    exit_if_stopped "the server could start"
    return "$step_status"
}

<% if (worker) { -%>
# The worker (copilot/<%= worker.name %>/manifest.yml sets DJANGO_START_UP=<%= worker.startUp %>) runs none of the
# start-up steps: the web service's tasks collect the static files and migrate. It waits until the migrations of its
# code are applied, then starts; a task that waited too long exits, with a message that says so.
if [ "${DJANGO_START_UP:-}" = "<%= worker.startUp %>" ]; then
    echo "entrypoint: a worker: no start-up steps; waiting until the migrations are applied"
    status=0
    run python manage.py wait_for_migrations || status=$?
    if [ "$status" -ne 0 ]; then
        echo "entrypoint: the migrations were not applied in time (exit status $status): $* does not start"
        exit "$status"
    fi
    echo "entrypoint: starting $*"
    exec "$@"
fi

<% } -%>
# A task replaced with the same image and task definition (Spot interruption, failed health check, scale-out), on
# a database and static volume where that image and task definition started before, with no migration changed
# since, has nothing to do: copilot_deploy/started.py finds out without starting Django, and says why not when not.
if ! run python -m copilot_deploy.started; then
    # The start-up steps run in one Python process ("+" between them), so Django starts once, not four times,
    # under one PostgreSQL advisory lock: tasks starting together in a rolling deploy take turns, and the first
    # does the work. Each step skips what is done already (copilot_deploy/startup.py): collectstatic when the
    # volume holds this code's static files, migrate when every migration is applied. record_start comes last: it
    # records the start for the next task. Never --clear: the static volume is shared, and tasks of the previous
    # version still serve their hashed files. Nothing waits without an end (copilot_deploy/management/commands/
    # locked.py): a step that fails ends the start-up here, with its message.
    echo "entrypoint: collecting static files, applying migrations, creating the superuser if configured and missing"
    status=0
    run python manage.py locked \
        collectstatic --noinput + \
        migrate --noinput + \
        ensure_superuser + \
        record_start || status=$?
    if [ "$status" -ne 0 ]; then
        echo "entrypoint: the start-up steps failed (exit status $status): $* does not start"
        exit "$status"
    fi
fi

echo "entrypoint: starting $*"
exec "$@"
