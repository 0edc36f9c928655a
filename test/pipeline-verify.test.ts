/**
 * The pipelines run Copilot only once its PGP signature is good. The buildspec's own install commands run here in
 * bash, one shell for all of them as buildspec 0.2 does, with `curl` replaced by a stand-in that serves local files:
 * a stand-in Copilot signed with a throwaway key, whose key file and fingerprint take the place of the Amazon ECS
 * key the buildspec names. The committed key itself is checked against the pinned fingerprint.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { VERSIONS } from '../generators/shared/versions.js';
import { DEMO_FLAGS, generateProject, listFiles, readYaml, temporaryFolder } from './support/generate.js';
import { describeWith } from './support/programs.js';

const VERSION_LINE = `copilot version: ${VERSIONS.copilot.version} (stand-in)`;

/** A stand-in Copilot: says its version, and leaves a mark where it ran, so a refused binary is seen never to run. */
const STAND_IN_COPILOT = `#!/bin/sh\ntouch "$CODEBUILD_SRC_DIR/copilot-ran"\necho "${VERSION_LINE}"\n`;

/** Stand-in for curl: writes the served file named like the URL's last segment to -o, or fails as curl -f on a 404. */
const STAND_IN_CURL = `#!/bin/bash
out=; url=
while [ $# -gt 0 ]; do
  case "$1" in
    -o) out="$2"; shift 2 ;;
    -*) shift ;;
    *) url="$1"; shift ;;
  esac
done
echo "$url" >> "$SERVED/requests"
file="$SERVED/\${url##*/}"
[ -f "$file" ] || { echo "curl: (22) The requested URL returned error: 404 ($url)" >&2; exit 22; }
cp "$file" "$out"
`;

interface Buildspec {
  env: { variables: Record<string, string> };
  phases: { install: { commands: string[] } };
}

function gpg(home: string, args: string[], input?: string): string {
  const result = spawnSync('gpg', ['--batch', '--homedir', home, ...args], { encoding: 'utf8', input });
  if (result.status !== 0) throw new Error(`gpg ${args.join(' ')}: ${result.stderr}`);
  return result.stdout;
}

/** Primary key fingerprints of the keys in `home` (or in an armored key given on stdin with --import-options show-only). */
function fingerprints(home: string, args: string[], input?: string): string[] {
  const listing = gpg(home, ['--with-colons', ...args], input).split('\n');
  return listing.flatMap((line, index) => (line.startsWith('pub:') ? [listing[index + 1].split(':')[9]] : []));
}

/** A throwaway signing key without passphrase; returns its primary fingerprint and armored public key. */
function throwawayKey(home: string, name: string): { fingerprint: string; publicKey: string } {
  gpg(home, ['--passphrase', '', '--quick-gen-key', `${name} <${name.toLowerCase().replace(/\W+/g, '-')}@example.com>`, 'ed25519', 'sign', 'never']);
  const fingerprint = fingerprints(home, ['--list-keys', name])[0];
  return { fingerprint, publicKey: gpg(home, ['--armor', '--export', fingerprint]) };
}

interface Served {
  binary?: string;
  signature?: string;
}

interface Outcome {
  status: number | null;
  output: string;
  ran: boolean;
  installed: boolean;
  requests: string[];
}

describeWith(['gpg'])('the pipeline buildspec verifies Copilot before running it', () => {
  let project: string;
  let buildspec: Buildspec;
  let signer: string;
  let testKey: { fingerprint: string; publicKey: string };
  let otherKey: { fingerprint: string; publicKey: string };
  let binary: string;

  beforeAll(async () => {
    project = await generateProject(DEMO_FLAGS);
    buildspec = readYaml(project, 'copilot/pipelines/demo-main/buildspec.yml');
    signer = temporaryFolder('copilot-django-signer-');
    chmodSync(signer, 0o700);
    testKey = throwawayKey(signer, 'Test signer');
    otherKey = throwawayKey(signer, 'Other signer');
    binary = join(signer, 'copilot-linux');
    writeFileSync(binary, STAND_IN_COPILOT, { mode: 0o755 });
  });

  afterAll(() => {
    if (signer) spawnSync('gpgconf', ['--homedir', signer, '--kill', 'all']);
  });

  function sign(file: string, fingerprint: string): string {
    return gpg(signer, ['--local-user', fingerprint, '--armor', '--detach-sign', '--output', '-', file]);
  }

  /**
   * Runs the install phase in a fresh source folder holding `keyFile` where the buildspec reads its key, with
   * `fingerprint` pinned in place of the Amazon ECS one, and `served` behind the stand-in curl.
   */
  function install(served: Served, keyFile: string, fingerprint: string): Outcome {
    const scratch = temporaryFolder('copilot-django-install-');
    const source = join(scratch, 'src');
    const bin = join(scratch, 'bin');
    const servedDir = join(scratch, 'served');
    for (const folder of [source, bin, servedDir]) mkdirSync(folder);
    const variables: Record<string, string> = { ...buildspec.env.variables, COPILOT_SIGNING_KEY_FINGERPRINT: fingerprint };
    const keyPath = join(source, buildspec.env.variables.COPILOT_SIGNING_KEY);
    mkdirSync(join(keyPath, '..'), { recursive: true });
    writeFileSync(keyPath, keyFile);
    writeFileSync(join(bin, 'curl'), STAND_IN_CURL, { mode: 0o755 });
    if (served.binary !== undefined) writeFileSync(join(servedDir, 'copilot-linux'), served.binary);
    if (served.signature !== undefined) writeFileSync(join(servedDir, 'copilot-linux.asc'), served.signature);
    writeFileSync(join(servedDir, 'requests'), '');
    // Buildspec 0.2: every command in one shell, so `cd` and variables carry over; a failing command ends the build.
    const script = buildspec.phases.install.commands
      .map((command, index) => {
        const file = join(scratch, `command-${index}.sh`);
        writeFileSync(file, `${command}\n`);
        return `. '${file}' || { status=$?; echo "COMMAND_FAILED ${index} exit $status" >&2; exit "$status"; }`;
      })
      .join('\n');
    const result = spawnSync('bash', ['-c', script], {
      cwd: scratch,
      encoding: 'utf8',
      env: { ...variables, PATH: `${bin}:${process.env.PATH}`, HOME: scratch, CODEBUILD_SRC_DIR: source, SERVED: servedDir },
    });
    const outcome = {
      status: result.status,
      output: `${result.stdout}${result.stderr}`,
      ran: existsSync(join(source, 'copilot-ran')),
      installed: existsSync(join(source, 'copilot-linux')),
      requests: readFileSync(join(servedDir, 'requests'), 'utf8').split('\n').filter(Boolean),
    };
    rmSync(scratch, { recursive: true, force: true });
    return outcome;
  }

  const refused = (outcome: Outcome) => {
    expect(outcome.status).not.toBe(0);
    expect(outcome.ran).toBe(false);
    expect(outcome.installed).toBe(false);
  };

  test('the committed Amazon ECS key is the one every buildspec pins, and the manifests use the Amazon Linux 2023 image', () => {
    const pipelines = listFiles(project).filter((file) => /^copilot\/pipelines\/[^/]+\/buildspec\.yml$/.test(file));
    expect(pipelines).toHaveLength(2);
    for (const path of pipelines) {
      const { variables } = (readYaml(project, path) as Buildspec).env;
      expect(variables.COPILOT_SIGNING_KEY).toBe('copilot/pipelines/amazon-ecs-public-key.asc');
      expect(variables.COPILOT_SIGNING_KEY_FINGERPRINT).toBe('F34C3DDAE72926B079BEAEC6BCE9D9A42D51784F');
      const keyFile = readFileSync(join(project, variables.COPILOT_SIGNING_KEY), 'utf8');
      expect(fingerprints(signer, ['--import-options', 'show-only', '--import'], keyFile)).toEqual([variables.COPILOT_SIGNING_KEY_FINGERPRINT]);
      expect(readYaml(project, path.replace('buildspec.yml', 'manifest.yml')).build.image).toBe(VERSIONS.codebuild.image);
    }
  });

  test('a binary signed by the pinned key is installed and runs; both files come from the release of the pinned version', () => {
    const outcome = install({ binary: readFileSync(binary, 'utf8'), signature: sign(binary, testKey.fingerprint) }, testKey.publicKey, testKey.fingerprint);
    expect(outcome.output).toContain(VERSION_LINE);
    expect(outcome.status).toBe(0);
    expect(outcome.ran).toBe(true);
    const release = `https://github.com/aws/copilot-cli/releases/download/${VERSIONS.copilot.version}`;
    expect(outcome.requests).toEqual([`${release}/copilot-linux`, `${release}/copilot-linux.asc`]);
  });

  test('a tampered binary is refused with a message naming the pinned key', () => {
    const signature = sign(binary, testKey.fingerprint);
    const tampered = readFileSync(binary, 'utf8').replace('touch', 'touch /tmp/pwned; touch');
    const outcome = install({ binary: tampered, signature }, testKey.publicKey, testKey.fingerprint);
    refused(outcome);
    expect(outcome.output).toContain(`no good PGP signature by key ${testKey.fingerprint}`);
  });

  test('a signature by a key the key file does not hold is refused', () => {
    const outcome = install({ binary: readFileSync(binary, 'utf8'), signature: sign(binary, otherKey.fingerprint) }, testKey.publicKey, testKey.fingerprint);
    refused(outcome);
    expect(outcome.output).toContain('no good PGP signature');
  });

  test('a good signature by another key is refused even when the key file holds that key too: the fingerprint is pinned', () => {
    const keyFile = `${testKey.publicKey}${otherKey.publicKey}`;
    const outcome = install({ binary: readFileSync(binary, 'utf8'), signature: sign(binary, otherKey.fingerprint) }, keyFile, testKey.fingerprint);
    refused(outcome);
    expect(outcome.output).toContain('no good PGP signature');
  });

  test('no signature to download is refused', () => {
    const outcome = install({ binary: readFileSync(binary, 'utf8') }, testKey.publicKey, testKey.fingerprint);
    refused(outcome);
    expect(outcome.output).toMatch(/404 \(https:\/\/github\.com\/aws\/copilot-cli\/releases\/download\/v[\d.]+\/copilot-linux\.asc\)/);
  });

  test('an empty signature file is refused', () => {
    const outcome = install({ binary: readFileSync(binary, 'utf8'), signature: '' }, testKey.publicKey, testKey.fingerprint);
    refused(outcome);
    expect(outcome.output).toContain('no good PGP signature');
  });
});
