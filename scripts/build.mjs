/**
 * `npm run build`: bundles the package with esbuild into dist/generators/: `cli.js`, the command package.json's
 * `bin` names (what the tests spawn), and `app/generator.js`, `env/generator.js`, which `yo` imports through
 * generators/*\/index.js. They share chunks (dist/generators/chunks/). Types are checked by `npm run typecheck`.
 *
 * Why a bundle: importing yeoman-environment makes Node's module loader open some 2,000 files (~1 s); a few files
 * load in a fraction of that. Why facades: part of what yeoman-environment and yeoman-generator import serves
 * features a run of ours does not use (installing generators with npm's arborist, running the package manager,
 * asking the registry for versions) or uses late (the prompts). Loading those at start-up would cost as much as
 * everything else, so each is replaced by a facade with the same exports that loads it on first use.
 *
 * In the bundle, `import.meta.url` and `__dirname` of a bundled module name the bundle's folder. The package.json
 * reads that need their own folder are inlined (`packageJsonReads`); the other uses serve features our runs do not
 * reach (yeoman-environment's generator lookup, yeoman-generator's composeWith of a generator by package name).
 *
 * The bundle is what the package runs: yeoman-environment, yeoman-generator, ejs and yaml are devDependencies, so an
 * install fetches no other package (npm's arborist, which only installing a missing generator would load, is not
 * bundled and not reached by either command). The licences of the bundled packages ship beside it, in
 * dist/THIRD-PARTY-LICENSES.txt.
 */
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * Modules the bundle holds back until first used, each replaced by a facade with the exports its importers use.
 *   async      every export is an async function; the real module is a chunk of its own, imported on first call.
 *   deferred   bundled, but its top-level code (regular expressions, tables) runs on the first call of an export.
 *   required   a CommonJS class constructed synchronously; required from node_modules on first `new`, resolved
 *              through its importers as Node resolves it (arborist stays as npm ships it, with the files it reads).
 * `importers` limits the facade to some importers; `commonjs`: the default import is module.exports.
 */
const lazyModules = [
  // fly-import installs generators on demand (`yo` with a missing generator): npm's arborist is 3 MB of code.
  { module: '@npmcli/arborist', kind: 'required', through: ['yeoman-environment', 'fly-import'], exports: ['default'] },
  { module: 'registry-auth-token', kind: 'deferred', importers: /\/fly-import\//, commonjs: true, exports: ['default'] },
  { module: 'registry-url', kind: 'deferred', importers: /\/fly-import\//, exports: ['default'] },
  // The package manager runs after a run that changed package.json; this command writes none.
  { module: 'which-package-manager', kind: 'async', exports: ['whichPackageManager'] },
  { module: 'execa', kind: 'async', importers: /yeoman-environment\/dist\/package-manager\.js$/, exports: ['execa'] },
  // yeoman-generator's addDependencies() asks the registry for versions; ky starts undici at load.
  { module: 'latest-version', kind: 'async', exports: ['default'] },
  // Inquirer and its prompts (rxjs, iconv-lite for the editor prompt) are loaded by the first question asked:
  // the adapter gets a prompt module that creates the real one, with the same options, when first called.
  { module: './inquirer.js', kind: 'async-factory', importers: /@yeoman\/adapter\/dist\/adapter\.js$/, exports: ['createAdapterPromptModule'] },
  // read-pkg normalizes only when asked (yeoman-generator does not ask); its rules load license and URL tables.
  { module: 'normalize-package-data', kind: 'deferred', commonjs: true, exports: ['default'] },
  // ora measures text only while it animates a spinner on a terminal; string-width compiles Unicode regexps.
  { module: 'string-width', kind: 'deferred', importers: /\/ora\/index\.js$/, exports: ['default'] },
];

/**
 * Modules re-exported by a package but unused by the command, and free of side effects: left out of the bundle.
 * (@yeoman/adapter exports yeoman-test's adapter as `testing`, which imports all of inquirer.)
 */
const unusedReexports = [{ module: './testing/index.js', importer: /@yeoman\/adapter\/dist\/index\.js$/ }];

/** Files that read the package.json of their package (`../package.json` from dist/): in a bundle it is elsewhere. */
const packageJsonReads = [
  {
    file: 'yeoman-generator/dist/generator.js',
    text: "JSON.parse(readFileSync(pathJoin(_dirname, '../package.json'), 'utf8'))",
    inline: (packageJson) => `{ version: ${JSON.stringify(packageJson.version)} }`,
  },
  {
    file: 'yeoman-environment/dist/environment-base.js',
    text: "require('../package.json').version",
    inline: (packageJson) => JSON.stringify(packageJson.version),
  },
  {
    file: 'yeoman-environment/dist/module-lookup.js',
    text: "JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json')).toString()).name",
    inline: (packageJson) => JSON.stringify(packageJson.name),
  },
];

function facadeSource({ module, kind, exports, commonjs, through }) {
  const real = JSON.stringify(module);
  const exportOf = (name) => (name === 'default' ? 'export default function lazyDefault' : `export function ${name}`);
  switch (kind) {
    case 'async':
      return exports.map((name) => `${exportOf(name).replace('function', 'async function')}(...args) { return (await import(${real})).${name}(...args); }`).join('\n');
    case 'async-factory':
      return exports
        .map((name) => `${exportOf(name)}(...factoryArgs) {\n  let made;\n  return async (...args) => (made ??= (await import(${real})).${name}(...factoryArgs))(...args);\n}`)
        .join('\n');
    case 'deferred':
      return exports.map((name) => `${exportOf(name)}(...args) { return require(${real})${name === 'default' && commonjs ? '' : `.${name}`}(...args); }`).join('\n');
    case 'required': {
      const requireFromImporter = through.reduce((from, name) => `createRequire(${from}.resolve(${JSON.stringify(name)}))`, 'createRequire(import.meta.url)');
      return [
        "import { createRequire } from 'node:module';",
        'let real;',
        // `new` on a function that returns an object yields that object: an instance of the real class.
        `export default function LazyClass(...args) { return new (real ??= ${requireFromImporter}(${real}))(...args); }`,
      ].join('\n');
    }
    default:
      throw new Error(`unknown kind ${kind} for ${module}`);
  }
}

const lazyPlugin = {
  name: 'lazy-modules',
  setup(build) {
    const filter = new RegExp(`^(${lazyModules.map((entry) => entry.module.replace(/[/.@-]/g, '\\$&')).join('|')})$`);
    build.onResolve({ filter }, async (args) => {
      if (args.pluginData?.resolving || args.pluginData?.real) return undefined;
      if (args.pluginData?.lazy) {
        // The facade's own import: the real module, resolved as its first importer resolves it.
        return build.resolve(args.path, { kind: args.kind, resolveDir: args.pluginData.resolveDir, pluginData: { real: true } });
      }
      const index = lazyModules.findIndex((entry) => entry.module === args.path && (!entry.importers || entry.importers.test(args.importer)));
      if (index === -1) return undefined;
      return { path: `${args.path}#${index}`, namespace: 'lazy', pluginData: { resolveDir: args.resolveDir } };
    });
    build.onLoad({ filter: /.*/, namespace: 'lazy' }, (args) => ({
      contents: facadeSource(lazyModules[Number(args.path.split('#').pop())]),
      loader: 'js',
      resolveDir: root,
      pluginData: { lazy: true, resolveDir: args.pluginData.resolveDir },
    }));
  },
};

const unusedReexportsPlugin = {
  name: 'unused-reexports',
  setup(build) {
    build.onResolve({ filter: /^\./ }, async (args) => {
      if (args.pluginData?.resolving || !unusedReexports.some((entry) => entry.module === args.path && entry.importer.test(args.importer))) return undefined;
      const resolved = await build.resolve(args.path, { kind: args.kind, resolveDir: args.resolveDir, pluginData: { resolving: true } });
      return { ...resolved, sideEffects: false };
    });
  },
};

/**
 * npm nests a second copy of a package when the hoisted one has another version (here: old versions the dev tools
 * want); a production install hoists one. Copies of the same name and version are the same code: bundle one.
 */
const dedupePlugin = {
  name: 'dedupe-identical-packages',
  setup(build) {
    const firstCopy = new Map();
    build.onResolve({ filter: /^[^./#]/ }, async (args) => {
      if (args.pluginData?.resolving || args.path.startsWith('node:')) return undefined;
      const resolved = await build.resolve(args.path, { kind: args.kind, importer: args.importer, resolveDir: args.resolveDir, pluginData: { resolving: true } });
      if (resolved.errors.length > 0 || resolved.external || !resolved.path.includes('node_modules')) return resolved;
      const inNodeModules = resolved.path.lastIndexOf('node_modules/') + 'node_modules/'.length;
      const nameSegments = resolved.path.slice(inNodeModules).split('/').slice(0, resolved.path[inNodeModules] === '@' ? 2 : 1);
      const packageRoot = join(resolved.path.slice(0, inNodeModules), ...nameSegments);
      const { name, version } = JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8'));
      const key = `${name}@${version}`;
      if (!firstCopy.has(key)) firstCopy.set(key, packageRoot);
      return { ...resolved, path: join(firstCopy.get(key), relative(packageRoot, resolved.path)) };
    });
  },
};

const packageJsonPlugin = {
  name: 'package-json-reads',
  setup(build) {
    for (const { file, text, inline } of packageJsonReads) {
      build.onLoad({ filter: new RegExp(`node_modules/${file.replace(/[/.]/g, '\\$&')}$`) }, (args) => {
        const source = readFileSync(args.path, 'utf8');
        const packageJson = JSON.parse(readFileSync(join(dirname(args.path), '..', 'package.json'), 'utf8'));
        // An upgrade that changes the read must fail the build, not ship a bundle that looks for a missing file.
        if (!source.includes(text)) throw new Error(`${file} no longer reads its package.json as expected: update scripts/build.mjs`);
        return { contents: source.replace(text, inline(packageJson)), loader: 'js' };
      });
    }
  },
};

rmSync(join(root, 'dist'), { recursive: true, force: true });
const result = await esbuild.build({
  // The command, and the generators for `yo` (generators/*/index.js import them); they share chunks.
  entryPoints: {
    cli: join(root, 'generators', 'cli.ts'),
    'app/generator': join(root, 'generators', 'app', 'generator.ts'),
    'env/generator': join(root, 'generators', 'env', 'generator.ts'),
  },
  outdir: join(root, 'dist', 'generators'),
  chunkNames: 'chunks/[name]-[hash]',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // CommonJS modules inside an ES module bundle: `require` (for Node's built-ins) and `__dirname` (see above).
  banner: { js: "import { createRequire as bundleCreateRequire } from 'node:module';\nconst require = bundleCreateRequire(import.meta.url);" },
  define: { __dirname: 'import.meta.dirname', __filename: 'import.meta.filename' },
  plugins: [lazyPlugin, unusedReexportsPlugin, dedupePlugin, packageJsonPlugin],
  // The metafile's input paths, which the licence list reads, are relative to the repository root.
  absWorkingDir: root,
  metafile: true,
  logLevel: 'warning',
});
if (process.env.BUNDLE_METAFILE) writeFileSync(process.env.BUNDLE_METAFILE, JSON.stringify(result.metafile));

// package.json declares no dependencies: an import the bundle leaves outside would fail in every install.
const builtins = new Set([...builtinModules, ...builtinModules.map((name) => `node:${name}`)]);
const outside = new Set(Object.values(result.metafile.outputs).flatMap((output) => output.imports.filter((entry) => entry.external && !builtins.has(entry.path)).map((entry) => entry.path)));
if (outside.size > 0) throw new Error(`the bundle imports ${[...outside].join(', ')} from node_modules: bundle it, or declare it in package.json's dependencies`);

/**
 * Each bundled package's name, version and licence text (their MIT, ISC, BSD and Apache licences ask that the notice
 * travel with every copy of the code), one text for the packages that ship the same: what dist/THIRD-PARTY-LICENSES.txt
 * holds.
 */
function thirdPartyLicenses(metafile) {
  const packageRoots = new Set();
  for (const input of Object.keys(metafile.inputs)) {
    const path = join(root, input);
    const at = path.lastIndexOf('node_modules/');
    if (input.includes(':') || at === -1) continue;
    const inNodeModules = at + 'node_modules/'.length;
    packageRoots.add(join(path.slice(0, inNodeModules), ...path.slice(inNodeModules).split('/').slice(0, path[inNodeModules] === '@' ? 2 : 1)));
  }
  const packagesByText = new Map();
  for (const packageRoot of packageRoots) {
    const { name, version, license, licenses, author } = JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8'));
    const declared = license ?? licenses?.map((entry) => entry.type ?? entry).join(' OR ');
    const file = readdirSync(packageRoot).find((entry) => /^(licen[cs]e|copying)(\.|-|$)/i.test(entry));
    const holder = typeof author === 'string' ? author : author?.name;
    const text = file
      ? readFileSync(join(packageRoot, file), 'utf8').trim()
      : declared
        ? `${declared}${holder ? `, by ${holder}` : ''} (declared in the package's package.json; the package ships no licence file)`
        : 'The package declares no licence and ships no licence file.';
    packagesByText.set(text, [...(packagesByText.get(text) ?? []), `${name}@${version}`]);
  }
  const sections = [...packagesByText].map(([text, packages]) => ({ packages: [...new Set(packages)].sort(), text }));
  sections.sort((a, b) => (a.packages[0] < b.packages[0] ? -1 : 1));
  return [
    'generator-copilot-django bundles these packages into dist/generators/ (scripts/build.mjs). Their licences follow,',
    'each after the packages it covers.',
    ...sections.map(({ packages, text }) => `\n${'-'.repeat(79)}\n${packages.join(', ')}\n\n${text}\n`),
  ].join('\n');
}
writeFileSync(join(root, 'dist', 'THIRD-PARTY-LICENSES.txt'), thirdPartyLicenses(result.metafile));
