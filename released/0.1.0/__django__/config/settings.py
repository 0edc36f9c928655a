"""Settings for the <%= service %> service of <%= app %>, read from the environment.

In the cloud (Copilot sets COPILOT_ENVIRONMENT_NAME) every value comes from the service manifest's `variables`
and `secrets`; without it the defaults give a local development setup on SQLite.
Runs on Django 4.2 to 5.2. `manage.py check --deploy --fail-level WARNING` passes in the cloud.
"""
import os
import re
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

from copilot_deploy.database import database_from_environment
from copilot_deploy.ecs import task_ip_addresses
from copilot_deploy.environment import env_flag, in_cloud, required_secret_key
from copilot_deploy.hosts import service_host_names, trusted_origins

BASE_DIR = Path(__file__).resolve().parent.parent

IN_CLOUD = in_cloud()

if IN_CLOUD:
    DEBUG = False
    SECRET_KEY = required_secret_key()
else:
    DEBUG = env_flag("DJANGO_DEBUG")
    SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY") or "django-insecure-local-development-only"

# The load balancer's health check; Django serves it, nginx passes it on.
HEALTH_CHECK_PATH = "<%= healthPath %>"

# Any other Host gets 400. In the cloud: the service's names, plus the task's private IPs, which the load
# balancer's health check sends as Host (there is no name it could send).
HOST_NAMES = service_host_names()
ALLOWED_HOSTS = [*HOST_NAMES, *task_ip_addresses()]
if not IN_CLOUD:
    ALLOWED_HOSTS += ["localhost", "127.0.0.1", "[::1]"]

# DJANGO_HTTPS is true when the environment has a domain: the load balancer then terminates TLS.
HTTPS = env_flag("DJANGO_HTTPS")
CSRF_TRUSTED_ORIGINS = trusted_origins(HOST_NAMES, "https" if HTTPS else "http")
if HTTPS:
    # TLS ends at the load balancer; nginx passes its X-Forwarded-Proto on, which the ALB always overwrites.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = 60 * 60 * 24 * 365
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True  # only allows a submission to the preload list, which stays a manual step
    # With a domain the ALB itself redirects HTTP to HTTPS; this redirect catches what reaches the task some
    # other way. The ALB health check comes over plain HTTP without X-Forwarded-Proto: its path is exempt,
    # or every task would answer 301 and be replaced.
    SECURE_SSL_REDIRECT = True
    SECURE_REDIRECT_EXEMPT = [rf"^{re.escape(HEALTH_CHECK_PATH.lstrip('/'))}$"]
else:
    # Without a domain, Copilot's load balancer speaks plain HTTP only: secure cookies would make the admin
    # login impossible, and an HTTPS redirect or HSTS would point browsers at a port that does not answer.
    # So exactly the HTTPS-only deploy checks are silenced here. Giving the app a domain
    # (`copilot app init --domain`) adds a certificate and HTTPS on the ALB: DJANGO_HTTPS=true then turns
    # all of the above on.
    SILENCED_SYSTEM_CHECKS = [
        "security.W004",  # SECURE_HSTS_SECONDS
        "security.W008",  # SECURE_SSL_REDIRECT
        "security.W012",  # SESSION_COOKIE_SECURE
        "security.W016",  # CSRF_COOKIE_SECURE
    ]
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "copilot_deploy",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# The environment's Aurora database (DB_SECRET), else DATABASE_URL; SQLite only for local work, where nothing else is set.
_database = database_from_environment()
if _database is None and IN_CLOUD:
    raise ImproperlyConfigured(
        "No database: DB_SECRET is not set. The environment's database (copilot/environments/addons/db.yml, "
        "deployed by `copilot env deploy`) reaches the service through `secrets: DB_SECRET: from_cfn` in its "
        "manifest; or set DATABASE_URL."
    )
DATABASES = {"default": _database or {"ENGINE": "django.db.backends.sqlite3", "NAME": BASE_DIR / "db.sqlite3"}}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# Django never serves static files in the cloud: collectstatic writes them to the EFS volume mounted at
# STATIC_ROOT, and the nginx sidecar serves them from the same volume. Hashed names let old and new tasks
# serve their own versions side by side during a deploy; the gzip copies spare nginx compressing them.
STATIC_URL = "<%= staticUrl %>"
STATIC_ROOT = os.environ.get("DJANGO_STATIC_ROOT") or (
    "<%= staticRoot %>" if IN_CLOUD else BASE_DIR / "staticfiles"
)
STORAGES = {  # Django 4.2+; replaces STATICFILES_STORAGE, removed in 5.1
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "copilot_deploy.storage.CompressedManifestStaticFilesStorage"},
}

# Everything to stdout: ECS sends it to CloudWatch Logs (`copilot svc logs`).
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"stdout": {"class": "logging.StreamHandler", "stream": "ext://sys.stdout", "formatter": "plain"}},
    "root": {"handlers": ["stdout"], "level": "INFO"},
    # Replaces Django's own handlers for these loggers (console only with DEBUG, mail to ADMINS).
    "loggers": {"django": {"handlers": ["stdout"], "level": "INFO", "propagate": False}},
}
