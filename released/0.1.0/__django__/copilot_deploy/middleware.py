"""The load balancer's health check, for a project whose URLs stay as they are."""
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
