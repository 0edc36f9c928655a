#!/usr/bin/env bash
# Regenerates test/data/copilot-commands.json: the flags Copilot's own CLI lists for every command the generated
# runbook uses (and their parent commands), and the flags of the one AWS CLI command it uses.
#
#   scripts/copilot-commands.sh            # writes test/data/copilot-commands.json
#
# Needs what CI does not have, which is why the tests read only the JSON:
# - the git mirror of aws/copilot-cli (COPILOT_MIRROR, default /work/.mirror/aws+copilot-cli/repo);
# - the offline build tree of copilot-render (COPILOT_RENDER_SRC, default /tmp/copilot-render-build/src, made by
#   copilot-render's build.sh: copilot-cli's go.mod, internal/ and vendor/ with every dependency, Go 1.22 from
#   Debian). It is copied, never changed: copilot-render's harness and shims are left out of the copy, and
#   cmd/copilot (Copilot's own main package) is added from the mirror, so the binary is Copilot's CLI itself.
# - python3 with botocore, for the AWS CLI command (`aws codestar-connections create-connection`): its flags are
#   the members of the CreateConnection operation in botocore's service model, as the AWS CLI derives them.
# The mirror is copilot-cli 4c858e7 (v1.33.2 + 5 commits), not v1.34.1 (the release the generated project pins);
# the JSON says so.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
MIRROR="${COPILOT_MIRROR:-/work/.mirror/aws+copilot-cli/repo}"
RENDER_SRC="${COPILOT_RENDER_SRC:-/tmp/copilot-render-build/src}"
WORK="${COPILOT_CLI_BUILD:-/tmp/copilot-cli-commands}"
OUT="$ROOT/test/data/copilot-commands.json"
GO_ROOT="/usr/lib/go-1.22"

[ -d "$MIRROR" ] || { echo "no copilot-cli mirror at $MIRROR (set COPILOT_MIRROR)" >&2; exit 1; }
[ -f "$RENDER_SRC/vendor/modules.txt" ] || { echo "no vendored copilot build at $RENDER_SRC (run copilot-render's build.sh)" >&2; exit 1; }

COMMIT="$(git --git-dir "$MIRROR" rev-parse HEAD)"
DESCRIBE="$(git --git-dir "$MIRROR" describe --tags "$COMMIT")"

rm -rf "$WORK/src"
mkdir -p "$WORK/bin"
cp -a "$RENDER_SRC" "$WORK/src"
# copilot-render's additions are not Copilot: out of the copy.
rm -rf "$WORK/src/cmd/copilot-render" "$WORK/src/internal/pkg/cli/zz_copilotrender_shim.go" "$WORK/src/internal/pkg/cli/deploy/zz_copilotrender_shim.go"
mkdir -p "$WORK/src/cmd/copilot"
for file in $(git --git-dir "$MIRROR" ls-tree --name-only "$COMMIT" cmd/copilot/ | grep '\.go$'); do
  git --git-dir "$MIRROR" show "$COMMIT:$file" > "$WORK/src/$file"
done

export PATH="$GO_ROOT/bin:$PATH" GOPROXY=off GOFLAGS=-mod=vendor GOTOOLCHAIN=local GO111MODULE=on GONOSUMDB='*'
export GOCACHE="$WORK/gocache"
(cd "$WORK/src" && CGO_ENABLED=0 go build -mod=vendor -trimpath \
  -ldflags "-X github.com/aws/copilot-cli/internal/pkg/version.Version=$DESCRIBE" \
  -o "$WORK/bin/copilot" ./cmd/copilot)

mkdir -p "$(dirname "$OUT")"
COPILOT="$WORK/bin/copilot" COMMIT="$COMMIT" DESCRIBE="$DESCRIBE" GO_VERSION="$(go version)" python3 - "$OUT" <<'PY'
import json, os, re, subprocess, sys

# Every command the runbook (generators/shared/runbook.ts) and the generated README use, and their parents.
COMMANDS = [
    "", "app", "app init", "env", "env init", "env deploy", "env delete", "secret", "secret init",
    "svc", "svc init", "svc deploy", "svc delete", "pipeline", "pipeline deploy", "pipeline delete",
    # Named elsewhere in the generated README: checking a rendered template, one-off commands.
    "env package", "svc package", "svc exec", "task", "task run",
]

def help_of(command):
    args = [os.environ["COPILOT"], *command.split(), "--help"]
    out = subprocess.run(args, capture_output=True, text=True, stdin=subprocess.DEVNULL, env={**os.environ, "NO_COLOR": "1"})
    return out.stdout + out.stderr

FLAG = re.compile(r"^\s+(?:-(?P<short>\w), )?--(?P<long>[\w-]+)(?: (?P<type>\w+))?\s")

def parse(text):
    usage, flags, subcommands, section = [], [], [], None
    for line in text.splitlines():
        if line and not line.startswith(" "):
            section = line.strip()
            continue
        if section == "Usage" and line.strip():
            usage.append(line.strip())
        elif section is not None and section.endswith("Flags"):
            match = FLAG.match(line)
            if match:
                flags.append({k: v for k, v in {"long": match["long"], "short": match["short"], "type": match["type"] or "bool"}.items() if v})
        elif section is not None and section.endswith("Commands"):
            match = re.match(r"^\s+([a-z-]+)\s{2,}", line)
            if match:
                subcommands.append(match[1])
    return usage, sorted(flags, key=lambda flag: flag["long"]), subcommands

commands = {}
for command in COMMANDS:
    usage, flags, subcommands = parse(help_of(command))
    entry = {"usage": usage, "flags": flags}
    if subcommands:
        entry["subcommands"] = subcommands
    commands[("copilot " + command).strip()] = entry

import botocore, botocore.session
model = botocore.session.get_session().get_service_model("codestar-connections")
operation = model.operation_model("CreateConnection")
def kebab(name):
    return re.sub(r"(?<!^)(?=[A-Z])", "-", name).lower()
members = operation.input_shape.members
commands["aws codestar-connections create-connection"] = {
    "usage": ["aws codestar-connections create-connection [flags]"],
    "flags": sorted(({"long": kebab(name), "type": shape.type_name} for name, shape in members.items()), key=lambda flag: flag["long"])
    + [{"long": "profile", "type": "string", "global": True}, {"long": "region", "type": "string", "global": True}],
    "required": sorted(kebab(name) for name in operation.input_shape.required_members),
    "enums": {kebab(name): sorted(shape.enum) for name, shape in members.items() if getattr(shape, "enum", None)},
}

data = {
    "about": "Flags of the commands the generated runbook uses, as Copilot's own CLI lists them (--help), and of the AWS CLI "
    "command it uses, from botocore's service model. Regenerate with scripts/copilot-commands.sh.",
    "copilot": {
        "source": "github.com/aws/copilot-cli at " + os.environ["COMMIT"] + " (" + os.environ["DESCRIBE"] + "): v1.33.2 and 5 commits, "
        "the newest commit of the mirror; NOT v1.34.1, the release the generated project pins, whose source was not available here",
        "build": "cmd/copilot (Copilot's main package) with internal/ and vendored dependencies, offline (GOPROXY=off, -mod=vendor), " + os.environ["GO_VERSION"],
    },
    "aws": {"source": "botocore " + botocore.__version__ + " service model codestar-connections, operation CreateConnection; "
            "https://docs.aws.amazon.com/cli/latest/reference/codestar-connections/create-connection.html"},
    "commands": commands,
}
with open(sys.argv[1], "w") as out:
    json.dump(data, out, indent=2, sort_keys=False)
    out.write("\n")
print(sys.argv[1])
PY
