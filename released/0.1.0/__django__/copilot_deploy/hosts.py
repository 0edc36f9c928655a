"""The host names the service answers to, from the variables Copilot and the service manifest set."""
import os


def service_host_names(environ=os.environ):
    """Copilot's default domain for the service, the names in DJANGO_ALLOWED_HOSTS, the load balancer's name."""
    names = []
    copilot_names = ("COPILOT_SERVICE_NAME", "COPILOT_ENVIRONMENT_NAME", "COPILOT_APPLICATION_NAME")
    parts = [environ.get(name, "") for name in copilot_names]
    domain = environ.get("DJANGO_DOMAIN", "")
    if domain and all(parts):
        # With `copilot app init --domain`, Copilot names the service <service>.<env>.<app>.<domain>.
        names.append(".".join([*parts, domain]))
    names += [name.strip() for name in environ.get("DJANGO_ALLOWED_HOSTS", "").split(",") if name.strip()]
    if environ.get("COPILOT_LB_DNS"):
        names.append(environ["COPILOT_LB_DNS"])
    return names


def trusted_origins(host_names, scheme):
    """CSRF_TRUSTED_ORIGINS entries: they need a scheme, and a wildcard is written `*.example.com`."""
    return [f"{scheme}://*{name}" if name.startswith(".") else f"{scheme}://{name}" for name in host_names]
