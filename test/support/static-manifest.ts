/**
 * The manifests collectstatic leaves on a static volume: one per version of the code, named by the fingerprint
 * of its static sources, `staticfiles.<fingerprint>.json` (templates/__django__/copilot_deploy/storage.py); and
 * the volume's files with their modification times, to tell what a start wrote from what it left alone.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** Every file under `folder` (a static root, a volume) with its modification time. */
export function modificationTimes(folder: string): Record<string, number> {
  const files = (readdirSync(folder, { recursive: true }) as string[]).sort();
  return Object.fromEntries(files.filter((file) => statSync(join(folder, file)).isFile()).map((file) => [file, statSync(join(folder, file)).mtimeMs]));
}

export const MANIFEST_NAME = /^staticfiles\.[0-9a-f]{16}\.json$/;

export interface StaticManifest {
  /** The file's name in the static root. */
  name: string;
  /** Each collected name → its hashed name. */
  paths: Record<string, string>;
}

/** Every version's manifest in `staticRoot`, by file name. */
export function staticManifestNames(staticRoot: string): string[] {
  return readdirSync(staticRoot)
    .filter((name) => MANIFEST_NAME.test(name))
    .sort();
}

export function readStaticManifestFile(staticRoot: string, name: string): StaticManifest {
  return { name, paths: (JSON.parse(readFileSync(join(staticRoot, name), 'utf8')) as { paths: Record<string, string> }).paths };
}

/**
 * The manifest of the version whose collectstatic finished last, as the start-up steps recorded it
 * (copilot_deploy/startup.py: `.collectstatic-fingerprint`); without that record, of the one version that
 * collected. Throws when it cannot tell.
 */
export function readStaticManifest(staticRoot: string): StaticManifest {
  const recorded = join(staticRoot, '.collectstatic-fingerprint');
  if (existsSync(recorded)) {
    return readStaticManifestFile(staticRoot, `staticfiles.${readFileSync(recorded, 'utf8').trim().slice(0, 16)}.json`);
  }
  const names = staticManifestNames(staticRoot);
  if (names.length !== 1) {
    throw new Error(`expected the manifest of one version in ${staticRoot}, found ${names.length}: ${names.join(', ') || 'none'}`);
  }
  return readStaticManifestFile(staticRoot, names[0]);
}
