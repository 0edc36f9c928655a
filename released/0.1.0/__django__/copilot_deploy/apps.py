from django.apps import AppConfig


class CopilotDeployConfig(AppConfig):
    """Installed only for its management commands (`locked`, `ensure_superuser`); it has no models."""

    name = "copilot_deploy"
    verbose_name = "Copilot deployment"
