"""WSGI entry point, served by gunicorn (see gunicorn.conf.py)."""
import os

from django.core.wsgi import get_wsgi_application

# The image sets DJANGO_SETTINGS_MODULE=copilot_deploy.settings, which imports config.settings.
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

application = get_wsgi_application()
