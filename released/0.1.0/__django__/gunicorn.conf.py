"""Gunicorn settings for the Django container, behind the nginx sidecar and the load balancer."""
import os

bind = "0.0.0.0:<%= djangoPort %>"

# The service manifest sets both from the task's CPU units (its `cpu`): (2 × vCPU) + 1 workers, at least 2, with
# 4 threads each; the defaults here are the same numbers, for a run without the manifest.
workers = int(os.environ.get("WEB_CONCURRENCY", "<%= gunicornWorkers %>"))
threads = int(os.environ.get("GUNICORN_THREADS", "<%= gunicornThreads %>"))
worker_class = "gthread"

# The ALB gives up on a request after its 60 s idle timeout; a worker silent for longer is stuck: restart it.
timeout = 65
# ECS sends SIGTERM once the ALB has drained the task, then SIGKILL 30 s later: finish requests before that.
graceful_timeout = 25
# Longer than the ALB's 60 s idle timeout, in case the ALB talks to gunicorn without nginx in between.
keepalive = 75

# nginx runs in the same task and connects over localhost: trust its X-Forwarded-* headers, nobody else's.
forwarded_allow_ips = "127.0.0.1,::1"

# Logs to stdout/stderr, which ECS sends to CloudWatch; the client's address is in X-Forwarded-For.
accesslog = "-"
errorlog = "-"
access_log_format = '%({x-forwarded-for}i)s "%(r)s" %(s)s %(b)s %(M)sms "%(a)s"'

# Each worker imports the app itself: nothing opened at import time (a database connection in an
# AppConfig.ready, the metadata request in settings) is shared between forked workers. With a handful of
# workers the memory that preload_app would share is small.
preload_app = False
