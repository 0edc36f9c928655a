"""Settings of the <%= service %> task: yours (<%= userSettingsModule %>), plus only what the ECS task needs.

The image sets DJANGO_SETTINGS_MODULE=copilot_deploy.settings; your settings and URLs stay as they are.
In the cloud (Copilot sets COPILOT_ENVIRONMENT_NAME) this adds the task's hosts, the database from Copilot's
Aurora secret, HTTPS behind the load balancer and static files on the shared EFS volume. Locally, only the
health check and the DATABASE_URL / DJANGO_STATIC_ROOT of docker-compose.yml are added.
"""
import os

import django
from django.core.exceptions import ImproperlyConfigured

from <%= userSettingsModule %> import *  # noqa: F401,F403 (your settings come first)
from copilot_deploy.database import database_from_environment
from copilot_deploy.ecs import task_ip_addresses
from copilot_deploy.environment import env_flag, in_cloud, required_secret_key
from copilot_deploy.hosts import service_host_names, trusted_origins

_yours = dict(globals())

IN_CLOUD = in_cloud()

# The load balancer's health check, answered by a middleware in front of your URLs.
HEALTH_CHECK_PATH = "<%= healthPath %>"
INSTALLED_APPS = [*_yours.get("INSTALLED_APPS", []), "copilot_deploy"]
MIDDLEWARE = ["copilot_deploy.middleware.HealthCheckMiddleware", *_yours.get("MIDDLEWARE", [])]

_database = database_from_environment()
if _database is not None:
    DATABASES = {**_yours.get("DATABASES", {}), "default": _database}
elif IN_CLOUD:
    raise ImproperlyConfigured(
        "No database: DB_SECRET is not set. The environment's database (copilot/environments/addons/db.yml, "
        "deployed by `copilot env deploy`) reaches the service through `secrets: DB_SECRET: from_cfn` in its "
        "manifest; or set DATABASE_URL."
    )

if os.environ.get("DJANGO_STATIC_ROOT"):
    # collectstatic writes to the shared volume, where nginx serves <%= staticUrl %>: Django never serves them.
    STATIC_ROOT = os.environ["DJANGO_STATIC_ROOT"]
    STATIC_URL = "<%= staticUrl %>"
    # Hashed names let old and new tasks serve their own versions side by side during a deploy; the gzip copies
    # spare nginx compressing them.
    _manifest_storage = "copilot_deploy.storage.CompressedManifestStaticFilesStorage"
    if django.VERSION >= (4, 2):
        _default_storage = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
        STORAGES = {"default": _default_storage, **_yours.get("STORAGES", {}), "staticfiles": {"BACKEND": _manifest_storage}}
    else:
        STATICFILES_STORAGE = _manifest_storage

if IN_CLOUD:
    DEBUG = False
    SECRET_KEY = required_secret_key()
    # Yours, plus the service's names and the task's private IPs, which the load balancer's health check
    # sends as Host. Any other Host still gets 400.
    HOST_NAMES = service_host_names()
    ALLOWED_HOSTS = [*_yours.get("ALLOWED_HOSTS", []), *HOST_NAMES, *task_ip_addresses()]
    HTTPS = env_flag("DJANGO_HTTPS")
    CSRF_TRUSTED_ORIGINS = [*_yours.get("CSRF_TRUSTED_ORIGINS", []), *trusted_origins(HOST_NAMES, "https" if HTTPS else "http")]
    SECURE_CONTENT_TYPE_NOSNIFF = True
    SECURE_REFERRER_POLICY = _yours.get("SECURE_REFERRER_POLICY") or "same-origin"
    X_FRAME_OPTIONS = _yours.get("X_FRAME_OPTIONS", "DENY")
    if HTTPS:
        # TLS ends at the load balancer; nginx passes its X-Forwarded-Proto on, which the ALB always sets.
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
        SESSION_COOKIE_SECURE = True
        CSRF_COOKIE_SECURE = True
        SECURE_HSTS_SECONDS = _yours.get("SECURE_HSTS_SECONDS") or 60 * 60 * 24 * 365
        SECURE_HSTS_INCLUDE_SUBDOMAINS = True
        SECURE_HSTS_PRELOAD = True
        # The ALB redirects HTTP itself; the health check comes over plain HTTP and is answered before this.
        SECURE_SSL_REDIRECT = True
    else:
        # Without a domain Copilot's load balancer speaks plain HTTP only: HTTPS-only cookies would make a login
        # impossible. A domain (`copilot app init --domain`) adds HTTPS, and DJANGO_HTTPS=true all of the above.
        SESSION_COOKIE_SECURE = False
        CSRF_COOKIE_SECURE = False
        SECURE_SSL_REDIRECT = False
        SECURE_HSTS_SECONDS = 0
        SILENCED_SYSTEM_CHECKS = [
            *_yours.get("SILENCED_SYSTEM_CHECKS", []),
            "security.W004",  # SECURE_HSTS_SECONDS
            "security.W008",  # SECURE_SSL_REDIRECT
            "security.W012",  # SESSION_COOKIE_SECURE
            "security.W016",  # CSRF_COOKIE_SECURE
        ]
