#!/bin/sh
# The nginx sidecar's entrypoint: runs nginx (the CMD) and, when the task stops, keeps it serving until the load
# balancer sends no more requests, then lets it answer what it has and quit.
#
# ECS stops a container with SIGTERM (Docker's stop sends the image's STOPSIGNAL, SIGQUIT for the nginx image). On a
# Spot interruption that comes as the load balancer starts to deregister the task, before deregistration has taken
# effect: an nginx that quit at once would refuse requests still routed here, and the client would get a 502. So on
# TERM, QUIT or INT this script waits DRAIN_SECONDS (the target group's deregistration delay) while nginx serves,
# then sends nginx SIGQUIT, its graceful stop: it stops listening, answers the requests in flight and exits.
set -eu

drain_seconds="${DRAIN_SECONDS:-<%= drainSeconds %>}"
case "$drain_seconds" in
    '' | *[!0-9]*)
        echo "entrypoint: DRAIN_SECONDS must be a whole number of seconds, not '$drain_seconds'" >&2
        exit 64
        ;;
esac

if [ "$#" -eq 0 ]; then
    echo "entrypoint: no command to run (the image's CMD runs nginx)" >&2
    exit 64
fi

stopping=""
trap 'stopping=yes' TERM QUIT INT

"$@" &
server=$!
status=0

# `wait` returns when the server exits, or early when one of the signals above arrives.
while [ -z "$stopping" ]; do
    if wait "$server"; then status=0; else status=$?; fi
    if ! kill -0 "$server" 2>/dev/null; then
        echo "entrypoint: $1 exited with status $status" >&2
        exit "$status"
    fi
done

echo "entrypoint: stop requested; serving ${drain_seconds} s more while the load balancer deregisters this task" >&2
waited=0
while [ "$waited" -lt "$drain_seconds" ] && kill -0 "$server" 2>/dev/null; do
    sleep 1
    waited=$((waited + 1))
done

echo "entrypoint: stopping $1 gracefully" >&2
kill -QUIT "$server" 2>/dev/null || true
reaped=""
while kill -0 "$server" 2>/dev/null; do
    if wait "$server"; then status=0; else status=$?; fi
    kill -0 "$server" 2>/dev/null || reaped=yes
done
# Gone before that loop: the shell reaped it while it waited for the drain's sleep (dash collects any child then),
# and `wait` still returns its recorded status; the 143 of the interrupted first wait is not nginx's.
if [ -z "$reaped" ]; then
    if wait "$server"; then status=0; else status=$?; fi
fi
exit "$status"
