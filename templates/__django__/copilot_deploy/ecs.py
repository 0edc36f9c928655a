"""This container's metadata, read from the ECS container metadata endpoint: the task's private IPs, its image.

The load balancer's health check reaches Django (through nginx) with the task's private IP as `Host`, so that
IP must be in ALLOWED_HOSTS. It is known only at run time: ECS tells each container where to ask.
"""
import ipaddress
import json
import logging
import os
import threading
import time
from urllib.request import ProxyHandler, build_opener

logger = logging.getLogger(__name__)

# The endpoint is local to the task and answers at once; a slow answer must not hold up the start, nor a request.
METADATA_TIMEOUT_SECONDS = 1.0
# After a failed read, the next one comes with a request at least this long after it, doubling up to the maximum:
# a health check arrives every few seconds, and a worker must not ask on every request while the endpoint fails.
FIRST_RETRY_SECONDS = 1.0
MAX_RETRY_SECONDS = 8.0


def metadata_uri(environ=os.environ):
    """Where this container's metadata is; None outside ECS (a local run, docker compose)."""
    return environ.get("ECS_CONTAINER_METADATA_URI_V4") or environ.get("ECS_CONTAINER_METADATA_URI")


def container_metadata(uri):
    """The container response (not `/task`): `Networks`, `ImageID`, `Labels`... Raises when it cannot be read."""
    # No proxy: an HTTP_PROXY meant for the internet must not see a link-local request.
    opener = build_opener(ProxyHandler({}))
    with opener.open(uri, timeout=METADATA_TIMEOUT_SECONDS) as response:
        return json.load(response)


def ip_addresses(container):
    """The IPv4 addresses of the container's networks; anything that is not one is left out of ALLOWED_HOSTS."""
    addresses = []
    for network in container.get("Networks") or []:
        for address in network.get("IPv4Addresses") or []:
            try:
                addresses.append(str(ipaddress.IPv4Address(address)))
            except ValueError:
                logger.warning("Left out of ALLOWED_HOSTS: %r in the task metadata is not an IPv4 address.", address)
    return addresses


class HostsAndTaskIps(list):
    """ALLOWED_HOSTS: the given names, plus this task's IPs once the metadata endpoint has told them.

    The first read comes when the settings load (in each gunicorn worker). When it fails (the endpoint slow, failing,
    not up yet), the IPs are read again when Django next checks a request's Host, after a pause that doubles from
    FIRST_RETRY_SECONDS to MAX_RETRY_SECONDS; one thread reads while the others go on with the hosts known so far.
    So the load balancer's health check, sent with the task's IP as Host, gets 400 while the endpoint fails and 200
    soon after it answers again, without a restart; any other Host keeps getting 400. Django reads ALLOWED_HOSTS by
    iterating it (django.http.request.validate_host), which is where the read is retried.
    """

    def __init__(self, hosts, environ=os.environ):
        super().__init__(hosts)
        self._uri = metadata_uri(environ)
        self._failures = 0
        self._next_read = 0.0
        self._reading = threading.Lock()
        if self._uri:
            self._read()

    def __iter__(self):
        if self._uri and time.monotonic() >= self._next_read and self._reading.acquire(blocking=False):
            try:
                if self._uri:
                    self._read()
            finally:
                self._reading.release()
        return super().__iter__()

    def _read(self):
        try:
            addresses = ip_addresses(container_metadata(self._uri))
        except Exception as error:  # whatever goes wrong, the app must still start and answer
            pause = min(FIRST_RETRY_SECONDS * 2**self._failures, MAX_RETRY_SECONDS)
            self._failures += 1
            self._next_read = time.monotonic() + pause
            logger.warning(
                "Could not read the task's IP addresses from %s (%s), attempt %d: requests with an IP as Host, such "
                "as the load balancer's health check, get 400 until a later attempt succeeds (the next one with a "
                "request at least %.0f s from now).",
                self._uri,
                error,
                self._failures,
                pause,
            )
            return
        self.extend(address for address in addresses if address not in self)
        if self._failures:
            logger.warning(
                "Read the task's IP addresses %s from %s at attempt %d: allowed as Host from now on.",
                ", ".join(addresses),
                self._uri,
                self._failures + 1,
            )
        self._uri = None


def task_ip_addresses(environ=os.environ):
    """The task's IPs as a plain list, read once: what settings written by release 0.1.0 import."""
    return list(HostsAndTaskIps([], environ))
