#!/usr/bin/env bash
# Installs the Debian programs the end-to-end tests run the generated project with:
# nginx, gunicorn, Django 4.2 (bookworm-backports), psycopg2, PostgreSQL, shellcheck, wrk, gpg, and the libraries
# of the project shapes the tests adopt (WhiteNoise, python-decouple, django-environ).
# Idempotent and quiet; needs root (or sudo). Usage: scripts/install-system-deps.sh
set -euo pipefail

packages=(nginx gunicorn python3-psycopg2 postgresql shellcheck wrk iproute2 util-linux curl gnupg python3-whitenoise python3-decouple python3-django-environ redis-server python3-celery python3-redis python3-django-storages python3-boto3)
backports_packages=(python3-django)

sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "install-system-deps: run as root or install sudo" >&2; exit 1; }
  sudo_cmd=(sudo)
fi

missing() {
  local package
  for package in "$@"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' || echo "$package"
  done
}

mapfile -t todo < <(missing "${packages[@]}")
mapfile -t todo_backports < <(missing "${backports_packages[@]}")
if [ "${#todo[@]}" -eq 0 ] && [ "${#todo_backports[@]}" -eq 0 ]; then
  echo "install-system-deps: everything is installed"
  exit 0
fi

backports_list=/etc/apt/sources.list.d/bookworm-backports.list
if ! grep -rqs 'bookworm-backports' /etc/apt/sources.list /etc/apt/sources.list.d/; then
  # The backports suite lives on the same Debian mirror as the machine's own bookworm sources.
  mirror="$(sed -n 's/^URIs: *\([^ ]*\).*/\1/p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | head -1)"
  [ -n "$mirror" ] || mirror="$(sed -n 's/^deb \(\[[^]]*\] \)\{0,1\}\([^ ]*\) bookworm .*/\2/p' /etc/apt/sources.list 2>/dev/null | head -1)"
  [ -n "$mirror" ] || { echo "install-system-deps: no Debian bookworm source in /etc/apt to add bookworm-backports from" >&2; exit 1; }
  echo "deb $mirror bookworm-backports main" | "${sudo_cmd[@]}" tee "$backports_list" >/dev/null
fi

export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
if [ "${#todo[@]}" -gt 0 ]; then
  "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${todo[@]}" >/dev/null
fi
if [ "${#todo_backports[@]}" -gt 0 ]; then
  "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends -t bookworm-backports "${todo_backports[@]}" >/dev/null
fi
echo "install-system-deps: installed ${todo[*]} ${todo_backports[*]}"
