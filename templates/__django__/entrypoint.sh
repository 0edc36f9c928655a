#!/bin/sh
# Runs in every Django task before the server (the image's ENTRYPOINT; the CMD comes as arguments).
set -eu

cd "$(dirname "$0")"

# The three start-up steps run in one Python process ("+" between them), so Django starts once, not three times,
# under one PostgreSQL advisory lock: tasks starting together in a rolling deploy take turns, and the first does
# the work. A task replaced with the same code skips what is done already (copilot_deploy/startup.py):
# collectstatic when the volume holds this code's static files, migrate when every migration is applied.
# Never --clear: the static volume is shared, and tasks of the previous version still serve their hashed files.
echo "entrypoint: collecting static files, applying migrations, creating the superuser if configured and missing"
python manage.py locked \
    collectstatic --noinput + \
    migrate --noinput + \
    ensure_superuser

echo "entrypoint: starting $*"
exec "$@"
