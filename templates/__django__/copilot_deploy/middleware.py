"""The load balancer's health check, first of all middleware (copilot_deploy/settings.py puts it there).

The check comes over plain HTTP with the task's IP as Host. Answered here, it needs no URL of the project's, and no
HTTPS redirect, language prefix or login requirement of a later middleware can turn it into a 3xx.
"""
from django.conf import settings

from copilot_deploy.views import health


class HealthCheckMiddleware:
    """Answers HEALTH_CHECK_PATH before URL routing; any other request goes on unchanged.

    The Host check still applies: `request.get_host()` raises DisallowedHost (a 400) for a Host outside
    ALLOWED_HOSTS, which holds the task's own IP for the load balancer's check.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.path = settings.HEALTH_CHECK_PATH

    def __call__(self, request):
        if request.path != self.path:
            return self.get_response(request)
        request.get_host()
        return health(request)
