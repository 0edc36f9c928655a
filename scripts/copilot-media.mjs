#!/usr/bin/env node
/**
 * Regenerates test/data/copilot-media.json: what Copilot does with the media addons of a project generated with
 * `--media s3` (copilot/environments/addons/media.yml and copilot/<service>/addons/media.yml): whether its own code
 * accepts the environment and service stacks, which addon outputs it attaches to the task role, and which it turns
 * into which environment variable of which container.
 *
 * It runs Copilot's own code, offline, through the copilot-render checker (../shared/tools/copilot-render, built from
 * copilot-cli's source; its README says how). CI cannot build that checker, so the tests read only the JSON, and
 * check that the addons they generate still have the outputs recorded here.
 *
 *   npm run build && node scripts/copilot-media.mjs [--checker PATH/TO/check.sh]
 *
 * Each variant: generate a project with its flags, after writing its `files` (a team's own addon), then render.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { checker as checkerPath, cli, readTemplate, root } from './lib/copilot-render.mjs';

const dataFile = join(root, 'test/data/copilot-media.json');
const checker = checkerPath();


/** Output name -> what Copilot's addon parser (internal/pkg/addon/output.go) sees: the type of the resource it Refs. */
function outputKinds(file) {
  const template = readTemplate(file);
  return Object.fromEntries(
    Object.entries(template.Outputs ?? {}).map(([name, output]) => {
      const ref = typeof output.Value === 'object' && output.Value !== null ? output.Value.Ref : undefined;
      return [name, (ref && template.Resources?.[ref]?.Type) || 'value'];
    }),
  );
}

/** `Fn::GetAtt: [AddonsStack, Outputs.X]` -> X. */
const addonOutput = (value) => {
  const getAtt = value?.['Fn::GetAtt'];
  return Array.isArray(getAtt) && getAtt[0] === 'AddonsStack' ? String(getAtt[1]).replace(/^Outputs\./, '') : undefined;
};

/**
 * The service stack Copilot rendered: the task role's addon policies, and each container's variables from addon
 * outputs (the main container, named `!Ref WorkloadName`, as `main`).
 */
function serviceFacts(file) {
  const resources = readTemplate(file).Resources;
  const taskRolePolicies = (resources.TaskRole.Properties.ManagedPolicyArns ?? []).map(addonOutput).filter(Boolean);
  const containers = Object.fromEntries(
    resources.TaskDefinition.Properties.ContainerDefinitions.map((container) => [
      container.Name?.Ref === 'WorkloadName' ? 'main' : container.Name,
      Object.fromEntries((container.Environment ?? []).map((variable) => [variable.Name, addonOutput(variable.Value)]).filter(([, output]) => output)),
    ]),
  );
  return { taskRolePolicies, variablesFromAddonOutputs: containers };
}

const data = JSON.parse(readFileSync(dataFile, 'utf8'));
let renderedBy;
for (const variant of data.variants) {
  const project = mkdtempSync(join(tmpdir(), 'copilot-media-'));
  const out = mkdtempSync(join(tmpdir(), 'copilot-media-out-'));
  for (const [path, content] of Object.entries(variant.files ?? {})) {
    mkdirSync(dirname(join(project, path)), { recursive: true });
    writeFileSync(join(project, path), content);
  }
  execFileSync(process.execPath, [cli, '--yes', '--app', 'demo', '--repository', 'https://github.com/example/demo', ...variant.flags], { cwd: project, stdio: 'ignore' });
  const service = JSON.parse(readFileSync(join(project, '.yo-rc.json'), 'utf8'))['generator-copilot-django'].service;
  const run = spawnSync(checker, [project, '--out', out], { encoding: 'utf8' });
  const output = `${run.stdout}${run.stderr}`;
  renderedBy ??= /^copilot-render: (copilot-cli [^;]*);/m.exec(output)?.[1];
  variant.checks = output
    .split('\n')
    .map((line) => /^(OK|FAIL|SKIP)\s+((?:env|svc) [^(:]*?)\s*\(copilot [^)]*\)(:.*)?$/.exec(line))
    .filter(Boolean)
    .map(([, status, check, detail]) => (status === 'OK' ? `OK ${check}` : `${status} ${check}${detail ?? ''}`))
    .sort();
  variant.addonOutputs = {
    environment: outputKinds(join(project, 'copilot/environments/addons/media.yml')),
    service: outputKinds(join(project, 'copilot', service, 'addons/media.yml')),
  };
  const infrastructure = join(out, 'infrastructure');
  const stacks = existsSync(infrastructure) ? readdirSync(infrastructure) : [];
  variant.services = Object.fromEntries(
    stacks
      .filter((name) => name.endsWith('.stack.yml') && !name.endsWith('.addons.stack.yml'))
      .sort()
      .map((name) => [name.replace(/\.stack\.yml$/, ''), serviceFacts(join(infrastructure, name))]),
  );
  variant.environmentAddonResources = stacks.includes('env.addons.yml') ? Object.keys(readTemplate(join(infrastructure, 'env.addons.yml')).Resources).sort() : [];
  rmSync(project, { recursive: true, force: true });
  rmSync(out, { recursive: true, force: true });
  console.log(`${variant.name}: ${variant.checks.join(', ')}`);
}
data.renderedBy = renderedBy;
writeFileSync(dataFile, `${JSON.stringify(data, null, 2)}\n`);
