#!/bin/sh
# Runs in every Django task before the server (the image's ENTRYPOINT; the CMD comes as arguments).
set -eu

cd "$(dirname "$0")"

# A task replaced with the same image and task definition (Spot interruption, failed health check, scale-out), on
# a database and static volume where that image and task definition started before, with no migration changed
# since, has nothing to do: copilot_deploy/started.py finds out without starting Django, and says why not when not.
if ! python -m copilot_deploy.started; then
    # The start-up steps run in one Python process ("+" between them), so Django starts once, not four times,
    # under one PostgreSQL advisory lock: tasks starting together in a rolling deploy take turns, and the first
    # does the work. Each step skips what is done already (copilot_deploy/startup.py): collectstatic when the
    # volume holds this code's static files, migrate when every migration is applied. record_start comes last: it
    # records the start for the next task. Never --clear: the static volume is shared, and tasks of the previous
    # version still serve their hashed files.
    echo "entrypoint: collecting static files, applying migrations, creating the superuser if configured and missing"
    python manage.py locked \
        collectstatic --noinput + \
        migrate --noinput + \
        ensure_superuser + \
        record_start
fi

echo "entrypoint: starting $*"
exec "$@"
