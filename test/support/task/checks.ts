/**
 * What every simulated task of the generated project must do, whichever target started it (the Copilot manifest or
 * the CDK app's synthesized template): the checks test/task-simulation.test.ts and test/cdk-task.test.ts share.
 */
import { Browser, csrfToken } from './browser.js';
import { header, type HttpResponse } from './network.js';
import type { Deployment, Simulation } from './simulation.js';
import type { Task } from './task.js';

/** The load balancer's health check answers 200 from nginx, and Django asked the metadata endpoint for the task's IP. */
export async function expectHealthyThroughNginx(simulation: Simulation, deployment: Deployment, task: Task): Promise<void> {
  const response = await task.healthCheck();
  expect(response.status).toBe(200);
  // nginx (server_tokens off) names itself; gunicorn would say "gunicorn".
  expect(header(response, 'server')).toBe('nginx');
  // Django asked the metadata endpoint for its task's IP (settings.py), and got an answer.
  const metadataPath = new URL(task.metadataUris[deployment.definition.containers[0].name]).pathname;
  expect(simulation.metadata.requests()).toContain(`GET ${metadataPath} 200`);
}

/** A Host that is not the app's gets 400. */
export async function expectForeignHostRefused(deployment: Deployment, task: Task): Promise<void> {
  const response = await task.request({ path: deployment.definition.healthCheck.path, headers: { Host: 'attacker.example.net' } });
  expect(response.status).toBe(400);
}

/**
 * The admin login through the load balancer as the superuser the secrets created: the login page, the POST with its
 * CSRF token, the redirect and the admin index. Returns the login response for checks of its own (cookies).
 */
export async function expectAdminLogin(task: Task, scheme: 'http' | 'https', host: string, secrets: Record<string, string>): Promise<HttpResponse> {
  const browser = new Browser(task, scheme, host);
  const loginPage = await browser.get('/admin/login/?next=/admin/');
  expect(loginPage.status).toBe(200);
  expect(browser.cookie('csrftoken')).toBeTruthy();
  const login = await browser.post(
    '/admin/login/?next=/admin/',
    {
      csrfmiddlewaretoken: csrfToken(loginPage.body.toString()),
      username: secrets.DJANGO_SUPERUSER_USERNAME,
      password: secrets.DJANGO_SUPERUSER_PASSWORD,
      next: '/admin/',
    },
    '/admin/login/?next=/admin/',
  );
  expect(login.status).toBe(302);
  expect(header(login, 'location')).toBe('/admin/');
  const admin = await browser.get('/admin/');
  expect(admin.status).toBe(200);
  expect(admin.body.toString()).toContain(secrets.DJANGO_SUPERUSER_USERNAME);
  expect(admin.body.toString()).toContain('Site administration');
  return login;
}
