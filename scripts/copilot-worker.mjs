#!/usr/bin/env node
/**
 * Regenerates test/data/copilot-worker.json: what Copilot's own code renders for the Celery worker (--worker celery),
 * a Backend Service, and for the environment addons beside it, in the variants listed in that file.
 *
 * It runs the copilot-render checker (../shared/tools/copilot-render, built from copilot-cli's source; its README says
 * how) on a project the built generator writes, and keeps the rendered templates. CI cannot build that checker, so
 * test/worker.test.ts reads only the JSON.
 *
 *   npm run build && node scripts/copilot-worker.mjs [--checker PATH/TO/check.sh]
 *
 * For each variant: every check line's verdict (env, svc and pipeline), and per worker stack the Lambda functions and
 * the containers of its task definition with their StopTimeout, as Copilot wrote them after the overrides.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checker as checkerPath, cli, readTemplate, root } from './lib/copilot-render.mjs';

const dataFile = join(root, 'test/data/copilot-worker.json');
const checker = checkerPath();

const data = JSON.parse(readFileSync(dataFile, 'utf8'));
let renderedBy;
for (const variant of data.variants) {
  const project = mkdtempSync(join(tmpdir(), 'copilot-worker-'));
  const out = mkdtempSync(join(tmpdir(), 'copilot-worker-out-'));
  execFileSync(process.execPath, [cli, '--yes', '--app', 'demo', '--repository', 'https://github.com/example/demo', ...variant.flags], { cwd: project, stdio: 'ignore' });
  const run = spawnSync(checker, [project, '--runtimes', '--out', out], { encoding: 'utf8' });
  const output = `${run.stdout}${run.stderr}`;
  renderedBy ??= /^copilot-render: (copilot-cli [^;]*);/m.exec(output)?.[1];
  variant.checks = output
    .split('\n')
    .filter((line) => /^(OK|FAIL|SKIP) /.test(line))
    .map((line) => line.replace(/^(OK|FAIL|SKIP)\s+([^:]*):.*$/, '$1 $2'));
  variant.failures = output.split('\n').filter((line) => line.startsWith('FAIL'));
  const worker = JSON.parse(readFileSync(join(project, '.yo-rc.json'), 'utf8'))['generator-copilot-django'].service + '-worker';
  variant.worker = {};
  for (const file of readdirSync(join(out, 'infrastructure')).filter((name) => name.startsWith(`${worker}-`) && name.endsWith('.stack.yml')).sort()) {
    const template = readTemplate(join(out, 'infrastructure', file));
    const resources = template.Resources;
    variant.worker[file.replace(/^.*-(\w+)\.stack\.yml$/, '$1')] = {
      lambdas: Object.entries(resources).filter(([, resource]) => resource.Type === 'AWS::Lambda::Function').map(([name]) => name).sort(),
      runtimes: [...new Set(Object.values(resources).filter((resource) => resource.Type === 'AWS::Lambda::Function').map((resource) => resource.Properties.Runtime))].sort(),
      containers: resources.TaskDefinition.Properties.ContainerDefinitions.map((container) => ({
        stopTimeout: container.StopTimeout ?? null,
        command: container.Command ?? null,
        // Variables and secrets whose value is an environment stack's export (from_cfn): name → export.
        imported: Object.fromEntries(
          [...(container.Environment ?? []), ...(container.Secrets ?? []).map((secret) => ({ Name: secret.Name, Value: secret.ValueFrom }))]
            .filter((entry) => entry.Value?.['Fn::ImportValue'] !== undefined)
            .map((entry) => [entry.Name, entry.Value['Fn::ImportValue']]),
        ),
        portMappings: (container.PortMappings ?? []).length,
      })),
      loadBalancer: Object.values(resources).some((resource) => /ElasticLoadBalancingV2/.test(resource.Type)),
      capacityProviders: (resources.Service.Properties.CapacityProviderStrategy ?? []).map((strategy) => strategy.CapacityProvider).sort(),
    };
  }
  rmSync(project, { recursive: true, force: true });
  rmSync(out, { recursive: true, force: true });
  console.log(`${variant.name}: ${variant.failures.length} failed; ${JSON.stringify(variant.worker)}`);
}
data.renderedBy = renderedBy;
writeFileSync(dataFile, `${JSON.stringify(data, null, 2)}\n`);
