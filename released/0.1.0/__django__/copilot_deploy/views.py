from django.http import HttpResponse
from django.views.decorators.cache import never_cache


@never_cache
def health(request):
    """The load balancer's health check: the process answers, nothing more.

    No database query: a database blip would fail every task's check at once and the load balancer would
    replace them all. The Host check still applies (ALLOWED_HOSTS holds the task's IP for that).
    """
    return HttpResponse("ok", content_type="text/plain")
