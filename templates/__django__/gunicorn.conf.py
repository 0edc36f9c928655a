"""Gunicorn settings for the Django container, behind the nginx sidecar and the load balancer."""
import os
import signal

# Loopback only: nginx runs in the same task (one network namespace, awsvpc) and is the one way in. On the task's
# address, port <%= djangoPort %> would be open to every task in the environment's security group, past nginx.
bind = "127.0.0.1:<%= djangoPort %>"

# The service manifest sets both from the task's CPU units (its `cpu`): (2 × vCPU) + 1 workers, at least 2, with
# 4 threads each; the defaults here are the same numbers, for a run without the manifest.
workers = int(os.environ.get("WEB_CONCURRENCY", "<%= gunicornWorkers %>"))
threads = int(os.environ.get("GUNICORN_THREADS", "<%= gunicornThreads %>"))
worker_class = "gthread"

# The ALB gives up on a request after its 60 s idle timeout; a worker silent for longer is stuck: restart it.
timeout = 65
# After the drain below, gunicorn stops listening and gives the requests in flight this long to finish. Drain, the
# few seconds after nginx and this stay within the task's StopTimeout (copilot/<service>/overrides/cfn.patches.yml).
graceful_timeout = 25
# Longer than the ALB's 60 s idle timeout, in case the ALB talks to gunicorn without nginx in between.
keepalive = 75

# nginx runs in the same task and connects over localhost: trust its X-Forwarded-* headers, nobody else's.
forwarded_allow_ips = "127.0.0.1,::1"

# Logs to stdout/stderr, which ECS sends to CloudWatch; the client's address is in X-Forwarded-For, which nginx
# sets to the client its trusted hops name (nginx.conf), never the client's own claim.
accesslog = "-"
errorlog = "-"
access_log_format = '%({x-forwarded-for}i)s "%(r)s" %(s)s %(b)s %(M)sms "%(a)s"'

# Each worker imports the app itself: nothing opened at import time (a database connection in an
# AppConfig.ready, the metadata request in settings) is shared between forked workers. With a handful of
# workers the memory that preload_app would share is small.
preload_app = False

# Stopping. ECS sends SIGTERM when it stops the task; on a Spot interruption that comes as the load balancer starts
# deregistering the task, so requests keep arriving for a while. gunicorn's own SIGTERM closes its socket at once
# (nginx would answer 502), so here SIGTERM keeps gunicorn serving for DRAIN_SECONDS (the target group's
# deregistration delay, as nginx's entrypoint.sh waits), plus a few seconds for the requests nginx accepted just
# before it stopped listening, then stops gracefully. SIGINT and SIGQUIT still stop at once.
_DRAIN_SECONDS = int(os.environ.get("DRAIN_SECONDS", "<%= drainSeconds %>"))
_AFTER_NGINX_SECONDS = 5


def when_ready(server):
    """Replaces the arbiter's SIGTERM handler (its main loop looks handlers up by name) with the drain."""
    draining = []

    def handle_term():
        if _DRAIN_SECONDS <= 0:
            raise StopIteration
        if draining:
            server.log.info("SIGTERM again: still draining")
            return
        draining.append(True)
        seconds = _DRAIN_SECONDS + _AFTER_NGINX_SECONDS
        server.log.info("Stop requested: serving %s s more while the load balancer deregisters this task", seconds)
        # The arbiter's own handler queues SIGALRM like its other signals; handle_alrm below ends the drain.
        signal.signal(signal.SIGALRM, server.signal)
        signal.alarm(seconds)

    def handle_alrm():
        server.log.info("Drain over: stopping gracefully (graceful_timeout %s s)", server.cfg.graceful_timeout)
        raise StopIteration

    server.handle_term = handle_term
    server.handle_alrm = handle_alrm
