/**
 * A test app of the team's for the Celery worker in the task simulation (worker.test.ts for the Copilot worker,
 * cdk-worker-task.test.ts for the CDK app's): a Django app `probe` whose view enqueues a task the worker runs.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * A test app of the team's: `GET /probe/enqueue/?token=…` enqueues `hold_then_finish`, which records its start, waits
 * until the test releases it (a row in the database), then records its finish.
 */
export const PROBE_APP: Record<string, string> = {
  'probe/__init__.py': '',
  'probe/models.py': `from django.db import models


class Event(models.Model):
    token = models.CharField(max_length=64)
    kind = models.CharField(max_length=16)
`,
  'probe/migrations/__init__.py': '',
  'probe/migrations/0001_initial.py': `from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True
    dependencies = []
    operations = [
        migrations.CreateModel(
            name="Event",
            fields=[
                ("id", models.AutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("token", models.CharField(max_length=64)),
                ("kind", models.CharField(max_length=16)),
            ],
        ),
    ]
`,
  'probe/tasks.py': `import time

from celery import shared_task

from probe.models import Event


@shared_task
def hold_then_finish(token):
    Event.objects.create(token=token, kind="started")
    while not Event.objects.filter(token=token, kind="release").exists():
        time.sleep(0.2)
    Event.objects.create(token=token, kind="finished")
`,
  // Should an enqueue hang, every thread's stack reaches the web container's log after 5 s, which a failure prints.
  'probe/views.py': `import faulthandler
import sys

from django.http import JsonResponse

from probe.tasks import hold_then_finish


def enqueue(request):
    faulthandler.dump_traceback_later(5, file=sys.stderr)
    try:
        result = hold_then_finish.delay(request.GET["token"])
    finally:
        faulthandler.cancel_dump_traceback_later()
    return JsonResponse({"id": result.id}, status=202)
`,
};

/** Adds the probe app to a generated project's Django code (app/), its INSTALLED_APPS and its URLs. */
export function addProbeApp(project: string): void {
  for (const [path, text] of Object.entries(PROBE_APP)) {
    mkdirSync(join(project, 'app', path, '..'), { recursive: true });
    writeFileSync(join(project, 'app', path), text);
  }
  const settings = join(project, 'app/config/settings.py');
  writeFileSync(settings, readFileSync(settings, 'utf8').replace('INSTALLED_APPS = [', 'INSTALLED_APPS = [\n    "probe",'));
  const urls = join(project, 'app/config/urls.py');
  writeFileSync(urls, `${readFileSync(urls, 'utf8')}\nfrom probe.views import enqueue  # noqa: E402\n\nurlpatterns += [path("probe/enqueue/", enqueue)]\n`);
}
