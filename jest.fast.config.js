/**
 * `npm run test:fast`: the suite without the task simulation and the files that run the heavy programs (Django's
 * start-up steps, gunicorn, PostgreSQL, nginx, image builds), for a loop of under a minute while working. `npm test`
 * runs everything.
 */
import base from './jest.config.js';

export default {
  ...base,
  // Both cores: the files here mostly wait on the processes they start.
  maxWorkers: '100%',
  testPathIgnorePatterns: [
    '/node_modules/',
    // The task simulation: namespaces, images, whole tasks.
    '<rootDir>/test/task-simulation\\.test\\.ts$',
    '<rootDir>/test/task-faults\\.test\\.ts$',
    '<rootDir>/test/nginx-exposure\\.test\\.ts$',
    '<rootDir>/test/static-checks\\.test\\.ts$',
    // The generated project run with Django, gunicorn and PostgreSQL.
    '<rootDir>/test/django-app\\.test\\.ts$',
    '<rootDir>/test/startup-faults\\.test\\.ts$',
    '<rootDir>/test/static-versions\\.test\\.ts$',
    '<rootDir>/test/static-storage\\.test\\.ts$',
    '<rootDir>/test/superuser\\.test\\.ts$',
    '<rootDir>/test/project-shapes\\.test\\.ts$',
    // The CDK app synthesized (tsc and cdk synth, about 10 s each), and its task in the simulation.
    '<rootDir>/test/cdk\\.test\\.ts$',
    '<rootDir>/test/cdk-parts\\.test\\.ts$',
    '<rootDir>/test/cdk-pipeline\\.test\\.ts$',
    '<rootDir>/test/cdk-nag\\.test\\.ts$',
    '<rootDir>/test/cdk-task\\.test\\.ts$',
    '<rootDir>/test/cdk-worker-task\\.test\\.ts$',
    // npm pack, and the tarball installed and run.
    '<rootDir>/test/package\\.test\\.ts$',
  ],
};
