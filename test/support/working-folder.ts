/**
 * Every test file starts in the repository's root. Jest runs several files in one process, one after the other, and
 * yeoman-test changes the process's working folder into temporary folders that a file may delete when it ends: the
 * next file would then start in a folder that no longer exists, and every program it runs without a `cwd` (initdb,
 * git) would fail for that reason alone.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

process.chdir(join(dirname(fileURLToPath(import.meta.url)), '..', '..'));
