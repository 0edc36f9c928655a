/**
 * `docker build` for the task simulation: the Dockerfile's instructions applied in order to one image layer over
 * a base-image model (base-images.ts) and this machine's `/`. COPY takes files from the build context as Docker
 * sends it (.dockerignore applied); RUN runs chrooted in the image so far, as its current USER, without network;
 * `pip install` is checked against Debian's packages instead of run. The result is the image's config: layers,
 * ENV, WORKDIR, USER (resolved in the image's own /etc/passwd), EXPOSE, ENTRYPOINT and CMD.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, copyFileSync, existsSync, lstatSync, mkdirSync, readFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import { baseImageFor, PIP_STAND_INS, writeBaseLayer } from './base-images.js';
import { contextEntries } from './build-context.js';
import { commandForm, contextPath, copyArguments, envPairs, exposedPorts, readDockerfile, substitute, words } from './dockerfile.js';
import { PYTHON } from '../programs.js';
import { ProcessGroup, run, scratchFolder } from './processes.js';
import { rootScript } from './rootfs.js';

export interface Image {
  name: string;
  /**
   * Docker's image ID, which ECS's metadata shows as `ImageID`: the same for every task of this build, new for the
   * next build (a content hash in Docker; random here, so two builds never share one).
   */
  id: string;
  /** Layers, top first (this machine's `/` goes below them). */
  layers: string[];
  env: Record<string, string>;
  workdir: string;
  user: { name: string; uid: number; gid: number; home: string };
  entrypoint: string[];
  cmd: string[];
  exposed: number[];
  /** What the build did, one line per instruction. */
  log: string[];
}

interface Passwd {
  name: string;
  uid: number;
  gid: number;
  home: string;
}

/** The image's /etc/passwd and /etc/group as the overlay would show them (top layer wins). */
function imageFile(layers: string[], path: string): string {
  const layer = layers.find((candidate) => existsSync(join(candidate, path)));
  return layer ? readFileSync(join(layer, path), 'utf8') : readFileSync(path, 'utf8');
}

/** Docker's USER: `name`, `uid`, `name:group` or `uid:gid`, resolved in the image. */
export function resolveUser(layers: string[], user: string): Passwd {
  const [who, group] = user.split(':');
  const accounts = imageFile(layers, '/etc/passwd')
    .split('\n')
    .filter(Boolean)
    .map((line) => line.split(':'))
    .map(([name, , uid, gid, , home]) => ({ name, uid: Number(uid), gid: Number(gid), home }));
  const account = accounts.find((entry) => entry.name === who || String(entry.uid) === who);
  if (!account && !/^\d+$/.test(who)) throw new Error(`USER ${user}: no such user in the image's /etc/passwd`);
  const resolved = account ?? { name: who, uid: Number(who), gid: Number(who), home: '/' };
  if (group !== undefined) {
    const groups = imageFile(layers, '/etc/group')
      .split('\n')
      .map((line) => line.split(':'));
    const entry = groups.find(([name, , gid]) => name === group || gid === group);
    if (!entry && !/^\d+$/.test(group)) throw new Error(`USER ${user}: no such group in the image's /etc/group`);
    resolved.gid = Number(entry ? entry[2] : group);
  }
  return resolved;
}

function copyTree(source: string, destination: string, owner?: { uid: number; gid: number }, mode?: number) {
  const stat = lstatSync(source);
  if (stat.isDirectory()) {
    mkdirSync(destination, { recursive: true });
    chmodSync(destination, stat.mode & 0o7777);
    if (owner) chownSync(destination, owner.uid, owner.gid);
    return;
  }
  copyFileSync(source, destination);
  chmodSync(destination, mode ?? stat.mode & 0o7777);
  if (owner) chownSync(destination, owner.uid, owner.gid);
}

/** The package names of a requirements file in the image, following its `-r other.txt` includes as pip does. */
function requirementNames(layer: string, path: string): string[] {
  return readFileSync(join(layer, path), 'utf8')
    .split('\n')
    .map((line) => line.replace(/#.*/, '').trim())
    .filter(Boolean)
    .flatMap((line) => {
      const include = /^-r\s+(\S+)/.exec(line);
      if (include) return requirementNames(layer, posix.resolve(posix.dirname(path), include[1]));
      return [(/^[A-Za-z0-9._-]+/.exec(line)?.[0] ?? line).toLowerCase()];
    });
}

/** Packages `pip install -r requirements.txt` would install, checked importable by Debian's python3. */
async function checkPipInstall(layer: string, workdir: string, command: string): Promise<string> {
  const requirementsFile = /-r\s+(\S+)/.exec(command)?.[1];
  const names = requirementsFile
    ? requirementNames(layer, posix.resolve(workdir, requirementsFile))
    : words(command.replace(/.*\bpip3?\s+install\b/, '')).filter((word) => !word.startsWith('-'));
  const modules = names.map((name) => {
    const module = PIP_STAND_INS[name];
    if (!module) throw new Error(`RUN ${command}: ${name} has no Debian stand-in in base-images.ts PIP_STAND_INS`);
    return module;
  });
  const check = await run(PYTHON, ['-c', modules.map((module) => `import ${module}`).join('; ')]);
  if (check.code !== 0) throw new Error(`RUN ${command}: Debian's python3 cannot import ${modules.join(', ')}:\n${check.stderr}`);
  return `${names.join(', ')} provided by Debian's python3 (${modules.join(', ')})`;
}

/** Runs one RUN instruction chrooted in the image so far, with the build's environment, without network. */
async function runInBuild(scratch: string, name: string, layers: string[], layer: string, env: Record<string, string>, workdir: string, user: Passwd, argv: string[]) {
  const script = rootScript(
    { layers: layers.slice(1), upper: layer, work: scratchFolder(scratch, 'build', name, 'work'), root: scratchFolder(scratch, 'build', name, 'root'), binds: [] },
    { workdir, uid: user.uid, gid: user.gid, argv },
  );
  const builder = new ProcessGroup(`docker build ${name}: RUN`, '/usr/bin/unshare', ['--mount', '--propagation', 'private', '--net', '--', '/bin/sh', '-c', script], { ...env, HOME: user.home });
  const { code } = await builder.exited;
  if (code !== 0) throw new Error(`RUN ${argv.join(' ')} failed (${code}):\n${builder.logs()}`);
}

/** COPY (and ADD of local files): sources from the build context as sent, into the layer at the destination. */
function applyCopy(layers: string[], workdir: string, context: string, entries: ReturnType<typeof contextEntries>, text: string, where: string) {
  const [layer] = layers;
  const copy = copyArguments(text);
  if (copy.from) throw new Error(`${where}: COPY --from is not simulated`);
  const owner = copy.chown ? resolveUser(layers, copy.chown) : undefined;
  const mode = copy.chmod ? Number.parseInt(copy.chmod, 8) : undefined;
  const destination = posix.resolve(workdir, copy.destination);
  const intoFolder = copy.destination.endsWith('/') || copy.destination === '.' || copy.sources.length > 1;
  for (const source of copy.sources) {
    const relative = contextPath(source);
    if (relative !== '' && !entries.has(relative)) throw new Error(`${where}: COPY ${source}: not found in the build context ${context}`);
    if (relative === '' || entries.get(relative)?.directory) {
      // A folder: its contents (not the folder itself) go into the destination.
      mkdirSync(join(layer, destination), { recursive: true });
      for (const [path] of [...entries].filter(([path]) => relative === '' || path.startsWith(`${relative}/`))) {
        copyTree(join(context, path), join(layer, destination, relative === '' ? path : path.slice(relative.length + 1)), owner, mode);
      }
    } else {
      const target = intoFolder ? join(layer, destination, posix.basename(relative)) : join(layer, destination);
      mkdirSync(join(target, '..'), { recursive: true });
      copyTree(join(context, relative), target, owner, mode);
    }
  }
}

let oneOffCount = 0;

/** `docker run --rm --network none <image> <argv>`: a one-off container of the image, as its USER, in its WORKDIR. */
export async function runInImage(scratch: string, image: Image, argv: string[]): Promise<{ code: number | null; output: string }> {
  const folder = scratchFolder(scratch, 'one-off', `${image.name}-${++oneOffCount}`);
  const script = rootScript(
    { layers: image.layers, upper: scratchFolder(folder, 'upper'), work: scratchFolder(folder, 'work'), root: scratchFolder(folder, 'root'), binds: [] },
    { workdir: image.workdir, uid: image.user.uid, gid: image.user.gid, argv },
  );
  const container = new ProcessGroup(`docker run ${image.name}`, '/usr/bin/unshare', ['--mount', '--propagation', 'private', '--net', '--', '/bin/sh', '-c', script], {
    HOME: image.user.home,
    ...image.env,
  });
  const { code } = await container.exited;
  return { code, output: container.logs() };
}

/** Builds the image named `name` from `dockerfile` with `context`, under the scratch folder. */
export async function buildImage(scratch: string, name: string, dockerfile: string, context: string): Promise<Image> {
  const instructions = readDockerfile(dockerfile);
  const froms = instructions.filter((instruction) => instruction.keyword === 'FROM');
  if (froms.length !== 1) throw new Error(`${dockerfile}: ${froms.length} FROM lines; the simulation builds single-stage images`);
  const base = baseImageFor(froms[0].text.split(/\s+/)[0]);
  const baseLayer = scratchFolder(scratch, 'images', name, 'base');
  writeBaseLayer(base, baseLayer);
  const layer = scratchFolder(scratch, 'images', name, 'layer');
  const layers = [layer, baseLayer];

  const env: Record<string, string> = { ...base.env };
  const args: Record<string, string> = {};
  let workdir = '/';
  let userSpec = 'root';
  let entrypoint = base.entrypoint;
  let cmd = base.cmd;
  const exposed: number[] = [];
  const log: string[] = [`FROM ${froms[0].text}: ${base.matches}`];
  const entries = contextEntries(context, dockerfile);

  for (const { keyword, text, line } of instructions) {
    const value = substitute(text, { ...args, ...env });
    const where = `${dockerfile}:${line}`;
    switch (keyword) {
      case 'FROM':
        break;
      case 'ARG': {
        const [argName, argDefault] = value.split('=');
        args[argName] = argDefault ?? '';
        break;
      }
      case 'ENV':
        for (const [envName, envValue] of envPairs(text)) env[envName] = substitute(envValue, { ...args, ...env });
        break;
      case 'WORKDIR':
        workdir = posix.resolve(workdir, value);
        mkdirSync(join(layer, workdir), { recursive: true });
        break;
      case 'USER':
        userSpec = value;
        resolveUser(layers, userSpec);
        break;
      case 'EXPOSE':
        exposed.push(...exposedPorts(value));
        break;
      case 'ENTRYPOINT':
        entrypoint = commandForm(value).argv;
        // Docker: an ENTRYPOINT resets the CMD inherited from the base image.
        cmd = [];
        break;
      case 'CMD':
        cmd = commandForm(value).argv;
        break;
      case 'COPY':
      case 'ADD':
        applyCopy(layers, workdir, context, entries, value, where);
        log.push(`${keyword} ${value}`);
        break;
      case 'RUN': {
        if (/\bpip3?\s+install\b/.test(value)) {
          log.push(`RUN ${value}: ${await checkPipInstall(layer, workdir, value)}`);
          break;
        }
        const user = resolveUser(layers, userSpec);
        await runInBuild(scratch, name, layers, layer, env, workdir, user, commandForm(value).argv);
        log.push(`RUN ${value}: ran as ${user.name}`);
        break;
      }
      default:
        log.push(`${keyword}: not simulated (no effect on the running task)`);
    }
  }
  const user = resolveUser(layers, userSpec);
  return { name, id: `sha256:${randomBytes(32).toString('hex')}`, layers, env, workdir, user, entrypoint, cmd, exposed, log };
}
