/**
 * How long the service's containers get when ECS stops the task: the StopTimeout patches of the service's override
 * file (overrides.ts, stop-timeout.ts), and the drain times of nginx and gunicorn they must hold. What the drain does
 * to a stream of requests, with the real nginx and gunicorn: nginx-exposure.test.ts.
 */
import { parse } from 'yaml';
import { planContext } from '../generators/shared/plan.js';
import { renderFiles } from '../generators/shared/render.js';
import { updatePatchFile, type OverrideTarget } from '../generators/shared/overrides.js';
import { STOP_TIMEOUT_SECONDS, taskContainers } from '../generators/shared/stop-timeout.js';
import { DEMO_ANSWERS, DEMO_FLAGS, generateProject, readText } from './support/generate.js';
import { PYTHON } from './support/programs.js';
import { run } from './support/task/processes.js';

type Patch = { op: string; path: string; value: unknown };

const stopTimeouts = (text: string | undefined): Patch[] => ((parse(text ?? '[]') ?? []) as Patch[]).filter((patch) => patch.path.endsWith('/StopTimeout'));
const containerPath = (index: number) => `/Resources/TaskDefinition/Properties/ContainerDefinitions/${index}/StopTimeout`;

describe('the StopTimeout patches of the service', () => {
  const target = (dev: string[], prod: string[] = dev): OverrideTarget => ({
    folder: 'copilot/django/overrides',
    appliesTo: 'the django service in every environment',
    perStack: new Map([
      ['django in dev', ['EnvControllerFunction']],
      ['django in prod', ['EnvControllerFunction']],
    ]),
    containersPerStack: new Map([
      ['django in dev', dev],
      ['django in prod', prod],
    ]),
  });

  test('a new file gives every container of the task Fargate’s longest StopTimeout, 120 s', () => {
    const { text, notices } = updatePatchFile(target(['django', 'nginx']), undefined);
    expect(notices).toEqual([]);
    expect(stopTimeouts(text)).toEqual([
      { op: 'add', path: containerPath(0), value: STOP_TIMEOUT_SECONDS },
      { op: 'add', path: containerPath(1), value: STOP_TIMEOUT_SECONDS },
    ]);
    expect(STOP_TIMEOUT_SECONDS).toBe(120);
    // Run again on its own output: nothing to write.
    expect(updatePatchFile(target(['django', 'nginx']), text)).toEqual({ notices: [] });
  });

  test("a file of the user's keeps their patches and their StopTimeout when Fargate accepts it, and gets the missing ones", () => {
    const mine = [
      '# ours',
      '- op: replace',
      '  path: /Resources/EnvControllerFunction/Properties/Runtime',
      '  value: nodejs24.x',
      '- op: add  # theirs',
      '  path: /Resources/TaskDefinition/Properties/Cpu',
      '  value: "1024"',
      '- op: add',
      `  path: ${containerPath(0)}`,
      '  value: 90',
      '- op: add',
      `  path: ${containerPath(1)}`,
      '  value: 600',
      '',
    ].join('\n');
    const { text, notices } = updatePatchFile(target(['django', 'firelens_log_router', 'nginx']), mine);
    expect(notices).toEqual([]);
    expect(text).toContain('# theirs');
    expect(parse(text!)).toContainEqual({ op: 'add', path: '/Resources/TaskDefinition/Properties/Cpu', value: '1024' });
    expect(stopTimeouts(text)).toEqual([
      { op: 'add', path: containerPath(0), value: 90 },
      // 600 s: more than Fargate accepts, the deploy would fail.
      { op: 'add', path: containerPath(1), value: STOP_TIMEOUT_SECONDS },
      { op: 'add', path: containerPath(2), value: STOP_TIMEOUT_SECONDS },
    ]);
  });

  test('a container the task no longer has loses its patch (Copilot fails a patch past the end), and says so', () => {
    const mine = updatePatchFile(target(['django', 'firelens_log_router', 'nginx']), undefined).text;
    const { text, notices } = updatePatchFile(target(['django', 'nginx']), mine);
    expect(stopTimeouts(text).map((patch) => patch.path)).toEqual([containerPath(0), containerPath(1)]);
    expect(notices).toEqual([expect.stringContaining('Removed the StopTimeout patch of container 2 from copilot/django/overrides/cfn.patches.yml')]);
  });

  test('more containers in one environment than in another: the shared ones are patched, the rest named', () => {
    const { text, notices } = updatePatchFile(target(['django', 'nginx'], ['django', 'firelens_log_router', 'nginx']), undefined);
    expect(stopTimeouts(text).map((patch) => patch.path)).toEqual([containerPath(0), containerPath(1)]);
    expect(notices).toEqual([expect.stringMatching(/django in prod: django, firelens_log_router, nginx.*containers past the first 2 keep ECS's 30 s StopTimeout/)]);
  });

  test("the containers, in Copilot's order: the main one, FireLens's log router, the X-Ray collector, the sidecars by name", () => {
    const manifest = {
      name: 'web',
      sidecars: { nginx: {}, cache: {} },
      environments: { prod: { logging: { enableMetadata: true }, observability: { tracing: 'awsxray' } }, dev: { logging: { retention: 7 } } },
    };
    expect(taskContainers(manifest, 'web', 'prod')).toEqual(['web', 'firelens_log_router', 'aws-otel-collector', 'cache', 'nginx']);
    // `retention` alone configures no log router.
    expect(taskContainers(manifest, 'web', 'dev')).toEqual(['web', 'cache', 'nginx']);
  });

  test('a generated project patches both containers of its task', async () => {
    const cwd = await generateProject(DEMO_FLAGS);
    expect(stopTimeouts(readText(cwd, 'copilot/django/overrides/cfn.patches.yml'))).toEqual([
      { op: 'add', path: containerPath(0), value: STOP_TIMEOUT_SECONDS },
      { op: 'add', path: containerPath(1), value: STOP_TIMEOUT_SECONDS },
    ]);
  });
});

describe('the drain fits the StopTimeout', () => {
  const context = planContext({ ...DEMO_ANSWERS, branches: DEMO_FLAGS.branches });
  const files = new Map(renderFiles(context).map((file) => [file.destination, file.contents]));

  test("nginx and gunicorn drain for the target group's deregistration delay by default", async () => {
    const manifest = parse(files.get('copilot/django/manifest.yml')!) as { http: { deregistration_delay: string } };
    const nginxDrain = /DRAIN_SECONDS:-(\d+)/.exec(files.get('nginx/entrypoint.sh')!)?.[1];
    const gunicorn = await gunicornSettings(files.get('app/gunicorn.conf.py')!);
    expect({ nginx: `${nginxDrain}s`, gunicorn: `${gunicorn.drain}s` }).toEqual({ nginx: manifest.http.deregistration_delay, gunicorn: manifest.http.deregistration_delay });
  });

  test("gunicorn's drain, its wait for nginx and its graceful timeout end before ECS's SIGKILL", async () => {
    const gunicorn = await gunicornSettings(files.get('app/gunicorn.conf.py')!);
    expect(gunicorn.drain + gunicorn.afterNginx + gunicorn.gracefulTimeout).toBeLessThan(STOP_TIMEOUT_SECONDS);
  });
});

/** The drain settings gunicorn.conf.py gives gunicorn, read by Python without DRAIN_SECONDS set. */
async function gunicornSettings(source: string): Promise<{ drain: number; afterNginx: number; gracefulTimeout: number }> {
  const probe = 'import json, sys\nconfig = {}\nexec(sys.stdin.read(), config)\nprint(json.dumps([config["_DRAIN_SECONDS"], config["_AFTER_NGINX_SECONDS"], config["graceful_timeout"]]))';
  const result = await run(PYTHON, ['-c', probe], { env: { PATH: '/usr/bin:/bin' }, input: source });
  if (result.code !== 0) throw new Error(result.stderr);
  const [drain, afterNginx, gracefulTimeout] = JSON.parse(result.stdout) as number[];
  return { drain, afterNginx, gracefulTimeout };
}
