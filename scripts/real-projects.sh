#!/usr/bin/env bash
# real-projects.sh: extract a matrix of real, public Django projects, each at a pinned commit, into folders of
# their own, for a session to prove by hand that the generator adopts existing projects without breaking
# them. CI does not use it: CI runs small fixtures under test/support that reproduce each shape.
#
# Each project becomes <target>/<name>, a fresh git repository with one commit of the project as it was at that
# commit (or of its subfolder, for a Django project inside a monorepo), so that after a generator run
# `git status --short` and `git diff` show exactly what the run changed.
#
# The projects come from local mirrors (bare git directories), never from the network here. In a session that has
# the search tool, `fetch github:<owner>/<repo>` brings each one to /work/.mirror/<owner>+<repo>/repo; elsewhere
# `git clone --mirror https://github.com/<owner>/<repo> <mirrors>/<owner>+<repo>/repo` gives the same layout.
# Projects whose mirror is absent (or lacks the pinned commit) are skipped with a message.
#
# The licenses allow copying (MIT, GPL-3.0, CC0); the extracted copies stay outside this repository: commit none
# of them.
#
# Usage: scripts/real-projects.sh [mirrors-dir [target-dir]]
#        defaults: /work/.mirror and /tmp/real-projects; an existing <target>/<name> is replaced.
set -euo pipefail

# name | owner/repo | commit | subfolder (empty: the whole repository) | license | shape (the traits that broke adoption)
PROJECTS=(
  "django-on-docker|testdrivenio/django-on-docker|26be9cd5f891734425e4fe754d6340b92180b471||MIT|tutorial: own app/Dockerfile, entrypoint flush, nginx 80->web:8000, compose; DJANGO_ALLOWED_HOSTS split"
  "azure-quickstart|Azure-Samples/msdocs-python-django-webapp-quickstart|187e83cbe898721579fe22771354cacec99e39d8||MIT|cloud vendor sample: settings module chosen in manage.py/wsgi.py, whitenoise STATICFILES_STORAGE"
  "azure-postgres|Azure-Samples/msdocs-django-postgresql-sample-app|75e65b9b94896fe6dae94d0c707b731800d17929||MIT|cloud vendor sample: module chosen in code, STATICFILES_STORAGE in production.py, os.environ[...]"
  "djecommerce|justdjango/django-ecommerce|260952e75344a88a2b4af56a357ec457fa354542||GPL-3.0|shop: Django 2.2, decouple + committed .env, bootstrap .map missing"
  "djangox|wsvincent/djangox|56aa62e0e2e9d9070c2df23e3394de3850b9d294||MIT|starter: own root Dockerfile and docker-compose.yml"
  "styleguide|HackSoftware/Django-Styleguide-Example|a70ef43d7df03706c1211d4fcfd70b4b0120ba1e||MIT|starter: django-environ env(...), own docker-compose.yml"
  "locallibrary|mdn/django-locallibrary-tutorial|40adc43b5e1a9c63da7564a6436d495e36e04981||CC0-1.0|tutorial: Django 4.0, whitenoise STATICFILES_STORAGE, dj-database-url"
)

mirrors=${1:-/work/.mirror}
target=${2:-/tmp/real-projects}

command -v git >/dev/null || { echo "real-projects: git is needed" >&2; exit 1; }
mkdir -p "$target"

extracted=0
skipped=0
for entry in "${PROJECTS[@]}"; do
  IFS='|' read -r name repo commit subfolder license _shape <<<"$entry"
  gitdir="$mirrors/${repo/\//+}/repo"
  if [[ ! -d $gitdir ]]; then
    echo "skip $name: no mirror at $gitdir (fetch github:$repo)"
    skipped=$((skipped + 1))
    continue
  fi
  if ! git --git-dir="$gitdir" cat-file -e "$commit^{commit}" 2>/dev/null; then
    echo "skip $name: $gitdir lacks commit $commit"
    skipped=$((skipped + 1))
    continue
  fi
  tree=$commit
  if [[ -n $subfolder ]]; then
    tree="$commit:$subfolder"
    if ! git --git-dir="$gitdir" cat-file -e "$tree" 2>/dev/null; then
      echo "skip $name: $subfolder is not in $repo@$commit"
      skipped=$((skipped + 1))
      continue
    fi
  fi
  dest="$target/$name"
  rm -rf "$dest"
  mkdir -p "$dest"
  git --git-dir="$gitdir" archive --format=tar "$tree" | tar -x -C "$dest"
  git -C "$dest" init -q -b main
  git -C "$dest" add -A --force  # committed files their .gitignore names (a committed .env) too
  git -C "$dest" -c user.name=real-projects -c user.email=real-projects@localhost \
    commit -q --no-verify -m "$repo@$commit${subfolder:+ ($subfolder)}"
  files=$(git -C "$dest" ls-files | wc -l)
  echo "extracted $name: $repo@${commit:0:12}${subfolder:+:$subfolder} ($license, $files files) -> $dest"
  extracted=$((extracted + 1))
done
echo "real-projects: $extracted extracted, $skipped skipped, into $target"
