"""Running Django on ECS with AWS Copilot: host names, database settings, health check and start-up commands."""
<% if (worker) { -%>

# Celery's application, loaded with Django (the pattern Celery documents for Django), so that `@shared_task`
# functions enqueue through it from the web service as well as in the worker.
from copilot_deploy.celery import app as celery_app  # noqa: F401
<% } -%>
