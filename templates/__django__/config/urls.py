# The load balancer's health check needs no URL here: copilot_deploy.middleware answers it in the task.
from django.contrib import admin
from django.urls import path

urlpatterns = [
    path("admin/", admin.site.urls),
]
