"""Settings of the <%= service %> task: the project's own (<%= userSettingsModule %>), plus only what the ECS task needs.

The image sets DJANGO_SETTINGS_MODULE=copilot_deploy.settings; the project's settings and URLs stay as they are, and
`manage.py runserver` on a laptop keeps using them alone. In the cloud (Copilot sets COPILOT_ENVIRONMENT_NAME) this
adds the task's hosts, the database from Copilot's Aurora secret, HTTPS behind the load balancer, DEBUG off and static
files on the shared EFS volume. Locally (docker compose) it adds the health check, the DATABASE_URL and
DJANGO_STATIC_ROOT of the compose file, and localhost as a host. `manage.py check --deploy --fail-level WARNING`
passes in the cloud.
"""
import os

import django
from django.core.exceptions import ImproperlyConfigured

from <%= userSettingsModule %> import *  # noqa: F401,F403 (the project's settings come first)
from copilot_deploy.database import database_from_environment
from copilot_deploy.ecs import HostsAndTaskIps
from copilot_deploy.environment import env_flag, in_cloud, required_secret_key
from copilot_deploy.hosts import service_host_names, trusted_origins

_yours = dict(globals())


def _with(values, *added):
    """`values` (a list or tuple of the project's settings), then each of `added` it does not hold yet, in order."""
    merged = []
    for value in [*values, *added]:
        if value not in merged:
            merged.append(value)
    return merged


IN_CLOUD = in_cloud()

# The load balancer's health check comes over plain HTTP with the task's private IP as Host. The middleware answers
# it before any other (before SecurityMiddleware's HTTPS redirect, a language prefix, a login requirement of the
# project's), with no URL of the project's; the Host check still applies.
HEALTH_CHECK_PATH = "<%= healthPath %>"
_health_middleware = "copilot_deploy.middleware.HealthCheckMiddleware"
MIDDLEWARE = [_health_middleware, *(name for name in _yours.get("MIDDLEWARE", []) if name != _health_middleware)]
# For its management commands (`locked`, `ensure_superuser`); settings that list it already keep their one entry.
_deploy_apps = ("copilot_deploy", "copilot_deploy.apps.CopilotDeployConfig")
_your_apps = list(_yours.get("INSTALLED_APPS", []))
INSTALLED_APPS = _your_apps if any(app in _deploy_apps for app in _your_apps) else [*_your_apps, "copilot_deploy"]

# The environment's Aurora database (DB_SECRET), else DATABASE_URL; without either, the project's own (locally).
_database = database_from_environment()
if _database is not None:
    DATABASES = {**_yours.get("DATABASES", {}), "default": _database}
elif IN_CLOUD:
    raise ImproperlyConfigured(
        "No database: DB_SECRET is not set. The environment's database (copilot/environments/addons/db.yml, "
        "deployed by `copilot env deploy`) reaches the service through `secrets: DB_SECRET: from_cfn` in its "
        "manifest; or set DATABASE_URL."
    )

_static_root = os.environ.get("DJANGO_STATIC_ROOT") or ("<%= staticRoot %>" if IN_CLOUD else "")
if _static_root:
    # collectstatic writes to the shared volume, where nginx serves <%= staticUrl %>: Django never serves them.
    STATIC_ROOT = _static_root
    STATIC_URL = "<%= staticUrl %>"
    # Every version of the code shares the volume: hashed names and a manifest per version
    # (staticfiles.<fingerprint>.json) let old and new tasks serve their own pages side by side during a deploy or
    # a rollback. Never collectstatic --clear: it would take their files from the tasks of the other version. The
    # gzip copies spare nginx compressing them.
    _manifest_storage = "copilot_deploy.storage.CompressedManifestStaticFilesStorage"
    if django.VERSION >= (4, 2):
        # Django 4.2 and 5.0 refuse STORAGES next to the older STATICFILES_STORAGE or DEFAULT_FILE_STORAGE, and every
        # upper-case name this module holds counts as set: your default file storage moves into STORAGES and the old
        # names leave this module. Django 5.1 ignores DEFAULT_FILE_STORAGE, and so does this.
        _your_storages = _yours.get("STORAGES", {})
        _your_file_storage = _yours.get("DEFAULT_FILE_STORAGE") if django.VERSION < (5, 1) else None
        _default_storage = _your_storages.get("default") or {
            "BACKEND": _your_file_storage or "django.core.files.storage.FileSystemStorage"
        }
        STORAGES = {**_your_storages, "default": _default_storage, "staticfiles": {"BACKEND": _manifest_storage}}
        globals().pop("STATICFILES_STORAGE", None)
        globals().pop("DEFAULT_FILE_STORAGE", None)
    else:
        STATICFILES_STORAGE = _manifest_storage

# Uploaded files (Django's default storage). With the environment's media bucket (MEDIA_BUCKET_NAME, handed to the
# task by the workload addon copilot/<workload>/addons/media.yml): django-storages' S3 backend on a private bucket,
# each file downloaded through a URL signed for an hour, with the task role's credentials (boto3 reads them from the
# ECS endpoint: no key in settings or environment). Otherwise files on disk, in a folder the app's user can write.
# A default storage of the project's own that is not on the file system (its own S3, GCS, ...) stays as it is: its
# files and URLs are already there.
_media_bucket = os.environ.get("MEDIA_BUCKET_NAME", "")
_file_system_storages = ("django.core.files.storage.FileSystemStorage", "django.core.files.storage.filesystem.FileSystemStorage")
_storages_now = globals().get("STORAGES") or _yours.get("STORAGES") or {}
_default_storage_now = (_storages_now.get("default") or {}).get("BACKEND") or (
    _yours.get("DEFAULT_FILE_STORAGE") if django.VERSION < (5, 1) else None
) or _file_system_storages[0]
_media_on_file_system = _default_storage_now in _file_system_storages
if _media_on_file_system and _media_bucket:
    _media_options = {
        "bucket_name": _media_bucket,
        # Signed URLs (X-Amz-Signature), never public objects: the bucket blocks public access and ACLs.
        "querystring_auth": True,
        "querystring_expire": 3600,
        "signature_version": "s3v4",
        "default_acl": None,
        # A second upload under a taken name gets a name of its own instead of replacing the first file.
        "file_overwrite": False,
        "region_name": os.environ.get("AWS_REGION") or None,
        # An S3-compatible server for local runs and tests only; the manifests never set it.
        "endpoint_url": os.environ.get("AWS_S3_ENDPOINT_URL") or None,
    }
    _s3_storage = "storages.backends.s3boto3.S3Boto3Storage"
    if django.VERSION >= (4, 2):
        STORAGES = {
            **_storages_now,
            "default": {"BACKEND": _s3_storage, "OPTIONS": _media_options},
            "staticfiles": _storages_now.get("staticfiles")
            or {"BACKEND": _yours.get("STATICFILES_STORAGE") or "django.contrib.staticfiles.storage.StaticFilesStorage"},
        }
        globals().pop("STATICFILES_STORAGE", None)
        globals().pop("DEFAULT_FILE_STORAGE", None)
    else:
        DEFAULT_FILE_STORAGE = _s3_storage
        AWS_STORAGE_BUCKET_NAME = _media_options["bucket_name"]
        AWS_QUERYSTRING_AUTH = _media_options["querystring_auth"]
        AWS_QUERYSTRING_EXPIRE = _media_options["querystring_expire"]
        AWS_S3_SIGNATURE_VERSION = _media_options["signature_version"]
        AWS_DEFAULT_ACL = _media_options["default_acl"]
        AWS_S3_FILE_OVERWRITE = _media_options["file_overwrite"]
        AWS_S3_REGION_NAME = _media_options["region_name"]
        AWS_S3_ENDPOINT_URL = _media_options["endpoint_url"]
elif _media_on_file_system:
    # The image's DJANGO_MEDIA_ROOT (owned by the app's user; a volume in docker compose), else the project's own
    # MEDIA_ROOT, else media/ beside manage.py. In the cloud without the bucket, the task's own disk: files are lost
    # when the task is replaced (`--media s3` keeps them).
    MEDIA_ROOT = (
        os.environ.get("DJANGO_MEDIA_ROOT")
        or _yours.get("MEDIA_ROOT")
        or os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "media")
    )

# Everything to stdout, where ECS sends it to CloudWatch Logs (`copilot svc logs`), unless the project configures
# logging itself. Django's own default shows errors only with DEBUG on, so a failing request would leave no trace.
if "LOGGING" not in _yours:
    LOGGING = {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
        "handlers": {"stdout": {"class": "logging.StreamHandler", "stream": "ext://sys.stdout", "formatter": "plain"}},
        "root": {"handlers": ["stdout"], "level": "INFO"},
        # Replaces Django's own handlers for these loggers (console only with DEBUG, mail to ADMINS).
        "loggers": {"django": {"handlers": ["stdout"], "level": "INFO", "propagate": False}},
    }

# Names a developer's machine answers to; a task never does, whatever the project's settings list.
LOCAL_HOSTS = ["localhost", "127.0.0.1", "[::1]"]
# The service's names: Copilot's default domain, DJANGO_ALLOWED_HOSTS, the load balancer's.
HOST_NAMES = service_host_names()

if IN_CLOUD:
    DEBUG = False
    SECRET_KEY = required_secret_key()
    # The project's hosts and the service's names, plus the task's private IPs, which the load balancer's health
    # check sends as Host (there is no name it could send). Any other Host gets 400, a loopback name too: nothing in
    # the task sends one, so only a forged Host would.
    ALLOWED_HOSTS = HostsAndTaskIps(
        [host for host in _with(_yours.get("ALLOWED_HOSTS", []), *HOST_NAMES) if host not in LOCAL_HOSTS]
    )
    # DJANGO_HTTPS is true when the environment has a domain: the load balancer then terminates TLS.
    HTTPS = env_flag("DJANGO_HTTPS")
    CSRF_TRUSTED_ORIGINS = _with(_yours.get("CSRF_TRUSTED_ORIGINS", []), *trusted_origins(HOST_NAMES, "https" if HTTPS else "http"))
    # Django's defaults since 4.0, restored where the project's settings turned them off.
    SECURE_CONTENT_TYPE_NOSNIFF = True
    SESSION_COOKIE_HTTPONLY = True
    SECURE_REFERRER_POLICY = _yours.get("SECURE_REFERRER_POLICY") or "same-origin"
    SECURE_CROSS_ORIGIN_OPENER_POLICY = _yours.get("SECURE_CROSS_ORIGIN_OPENER_POLICY") or "same-origin"
    X_FRAME_OPTIONS = _yours.get("X_FRAME_OPTIONS") or "DENY"
    if HTTPS:
        # TLS ends at the load balancer; nginx passes its X-Forwarded-Proto on, which the ALB always overwrites.
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
        SESSION_COOKIE_SECURE = True
        CSRF_COOKIE_SECURE = True
        SECURE_HSTS_SECONDS = _yours.get("SECURE_HSTS_SECONDS") or 60 * 60 * 24 * 365
        SECURE_HSTS_INCLUDE_SUBDOMAINS = True
        SECURE_HSTS_PRELOAD = True  # only allows a submission to the preload list, which stays a manual step
        # With a domain the ALB itself redirects HTTP to HTTPS; this redirect catches what reaches the task some
        # other way. The health check, over plain HTTP, is answered by the middleware before it.
        SECURE_SSL_REDIRECT = True
    else:
        # Without a domain, Copilot's load balancer speaks plain HTTP only: secure cookies would make the admin
        # login impossible, and an HTTPS redirect or HSTS would point browsers at a port that does not answer.
        # So exactly the HTTPS-only deploy checks are silenced here. Giving the app a domain
        # (`copilot app init --domain`) adds a certificate and HTTPS on the ALB: DJANGO_HTTPS=true then turns
        # all of the above on.
        SESSION_COOKIE_SECURE = False
        CSRF_COOKIE_SECURE = False
        SECURE_SSL_REDIRECT = False
        SECURE_HSTS_SECONDS = 0
        SILENCED_SYSTEM_CHECKS = _with(
            _yours.get("SILENCED_SYSTEM_CHECKS", []),
            "security.W004",  # SECURE_HSTS_SECONDS
            "security.W008",  # SECURE_SSL_REDIRECT
            "security.W012",  # SESSION_COOKIE_SECURE
            "security.W016",  # CSRF_COOKIE_SECURE
        )
else:
    # docker compose runs the image as the task would, DEBUG off, behind nginx on localhost.
    ALLOWED_HOSTS = _with(_yours.get("ALLOWED_HOSTS", []), *LOCAL_HOSTS, *HOST_NAMES)
<% if (worker) { -%>

# Celery (the <%= worker.name %> service runs `celery -A <%= worker.celeryApp %> worker`): broker and results in the
# environment's Redis, REDIS_URL (copilot/environments/addons/redis.yml, rediss://: TLS, the server's certificate
# checked against the system's CAs); locally the project's own broker, else a Redis on localhost.
_redis_url = os.environ.get("REDIS_URL", "")
if _redis_url:
    CELERY_BROKER_URL = CELERY_RESULT_BACKEND = _redis_url
elif IN_CLOUD:
    raise ImproperlyConfigured(
        "No Celery broker: REDIS_URL is not set. The environment's Redis (copilot/environments/addons/redis.yml, "
        "deployed by `copilot env deploy`) reaches the services through `variables: REDIS_URL: from_cfn` in their "
        "manifests."
    )
else:
    CELERY_BROKER_URL = _yours.get("CELERY_BROKER_URL") or "redis://localhost:6379/0"
    CELERY_RESULT_BACKEND = _yours.get("CELERY_RESULT_BACKEND") or CELERY_BROKER_URL
if CELERY_BROKER_URL.startswith("rediss://"):
    import ssl as _ssl

    CELERY_BROKER_USE_SSL = CELERY_REDIS_BACKEND_USE_SSL = {"ssl_cert_reqs": _ssl.CERT_REQUIRED}
# A task is acknowledged once it has run, not when it is taken: a worker killed mid-task (a Spot interruption past
# the stop timeout, out of memory) leaves it in Redis, which hands it to a worker again once the visibility timeout
# is over. So tasks must be safe to run twice. Each process takes one task at a time: none waits, prefetched, behind
# a long one. A task is stopped at CELERY_TASK_TIME_LIMIT; the visibility timeout must be longer, or Redis would hand
# a task that still runs to a second worker.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
# Return values are stored only for tasks that ask (`@shared_task(ignore_result=False)`), errors always: otherwise
# every .delay() in a web request subscribes gunicorn's process to the task's result channel, on one Redis PubSub
# connection that its threads share and that redis-py does not make thread-safe.
CELERY_TASK_IGNORE_RESULT = _yours.get("CELERY_TASK_IGNORE_RESULT", True)
CELERY_TASK_STORE_ERRORS_EVEN_IF_IGNORED = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_TIME_LIMIT = int(os.environ.get("CELERY_TASK_TIME_LIMIT") or 30 * 60)
# SoftTimeLimitExceeded in the task first, for it to clean up: 30 s before the hard limit (less for short limits).
CELERY_TASK_SOFT_TIME_LIMIT = CELERY_TASK_TIME_LIMIT - min(30, CELERY_TASK_TIME_LIMIT // 10)
_visibility_timeout = int(os.environ.get("CELERY_VISIBILITY_TIMEOUT") or 2 * CELERY_TASK_TIME_LIMIT)
if _visibility_timeout <= CELERY_TASK_TIME_LIMIT:
    raise ImproperlyConfigured(
        f"CELERY_VISIBILITY_TIMEOUT {_visibility_timeout} must be longer than CELERY_TASK_TIME_LIMIT "
        f"{CELERY_TASK_TIME_LIMIT}: Redis would hand a task still running to a second worker."
    )
# ElastiCache Serverless shards keys, and a command on keys of two shards fails (CROSSSLOT): the prefix's {celery}
# puts every key of Celery's in one slot.
# A read from Redis that never returns (a dropped connection the client has not seen) fails after 5 s and is retried,
# instead of holding a web request's .delay() for ever.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": _visibility_timeout,
    "global_keyprefix": "{celery}:",
    "socket_timeout": 5,
    "socket_connect_timeout": 5,
}
CELERY_REDIS_SOCKET_TIMEOUT = CELERY_REDIS_SOCKET_CONNECT_TIMEOUT = 5
CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS = {"global_keyprefix": "{celery}:"}
<% } -%>
