"""This container's metadata, read from the ECS container metadata endpoint: the task's private IPs, its image.

The load balancer's health check reaches Django (through nginx) with the task's private IP as `Host`, so that
IP must be in ALLOWED_HOSTS. It is known only at run time: ECS tells each container where to ask.
"""
import json
import logging
import os
from urllib.request import ProxyHandler, build_opener

logger = logging.getLogger(__name__)

# The endpoint is local to the task and answers at once; a slow answer must not hold up the start.
METADATA_TIMEOUT_SECONDS = 1.0


def metadata_uri(environ=os.environ):
    """Where this container's metadata is; None outside ECS (a local run, docker compose)."""
    return environ.get("ECS_CONTAINER_METADATA_URI_V4") or environ.get("ECS_CONTAINER_METADATA_URI")


def container_metadata(uri):
    """The container response (not `/task`): `Networks`, `ImageID`, `Labels`... Raises when it cannot be read."""
    # No proxy: an HTTP_PROXY meant for the internet must not see a link-local request.
    opener = build_opener(ProxyHandler({}))
    with opener.open(uri, timeout=METADATA_TIMEOUT_SECONDS) as response:
        return json.load(response)


def task_ip_addresses(environ=os.environ):
    """IPv4 addresses of this container's networks; [] outside ECS or when the endpoint does not answer."""
    uri = metadata_uri(environ)
    if not uri:
        return []
    try:
        container = container_metadata(uri)
        return [
            address
            for network in container.get("Networks", [])
            for address in network.get("IPv4Addresses", [])
        ]
    except Exception as error:  # whatever goes wrong, the app must still start
        logger.warning(
            "Could not read the task's IP addresses from %s (%s): requests with an IP as Host, "
            "such as the load balancer's health check, will get 400.",
            uri,
            error,
        )
        return []
