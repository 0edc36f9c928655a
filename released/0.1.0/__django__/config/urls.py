from django.conf import settings
from django.contrib import admin
from django.urls import path

from copilot_deploy.views import health

urlpatterns = [
    # The load balancer's health check, through nginx (see HEALTH_CHECK_PATH in settings.py).
    path(settings.HEALTH_CHECK_PATH.lstrip("/"), health, name="health"),
    path("admin/", admin.site.urls),
]
