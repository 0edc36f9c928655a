"""The Celery application of the <%= worker.name %> service (`celery -A <%= worker.celeryApp %> worker`) and of the code that enqueues.

Its configuration is Django's settings under the CELERY_ prefix (copilot_deploy/settings.py sets the broker from the
task's REDIS_URL and the delivery guarantees); its tasks are the `tasks.py` modules of every installed app, found
when the worker starts. CopilotDeployConfig.ready() imports this module in every Django process, so `@shared_task`
functions enqueue through this application from the web service too.
"""
import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "<%= settingsModule %>")

app = Celery("<%= service %>")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
