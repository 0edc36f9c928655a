#!/bin/sh
# Runs in every Django task before the server (the image's ENTRYPOINT; the CMD comes as arguments).
# Several tasks start together in a rolling deploy: `locked` makes them take turns on the database lock.
set -eu

cd "$(dirname "$0")"

# Never --clear: the static volume is shared, and tasks of the previous version still serve their hashed files.
echo "entrypoint: collecting static files"
python manage.py locked collectstatic --noinput

echo "entrypoint: applying migrations"
python manage.py locked migrate --noinput

echo "entrypoint: creating the superuser if it is configured and missing"
python manage.py locked ensure_superuser

echo "entrypoint: starting $*"
exec "$@"
