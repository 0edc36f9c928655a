/**
 * The versions of what a generated project runs, in one place. Templates print them through the plan (plan.ts), the
 * requirements logic reads them (requirements.ts, detect.ts), the tests and the README are checked against them
 * (test/versions.test.ts), and scripts/copilot-lambdas.mjs reads `lambdaRuntime` from this file's text: keep that
 * entry on one line as `lambdaRuntime: '…',`.
 *
 * Changing a value here changes every new and re-run project; say so in CHANGELOG.md.
 */

/** A Django release (major.minor) and the Python the image runs it on. */
export type DjangoPython = readonly [django: string, python: string];

export interface Versions {
  python: {
    /** The official image's variant, Debian 12 slim: the image is `python:<version>-<variant>`. */
    variant: string;
    /**
     * Django releases, oldest first, with the newest Python each supports that the slim bookworm images carry. The
     * oldest is the oldest Django the deployment settings run on; a release newer than the last gets its Python.
     */
    byDjango: readonly DjangoPython[];
  };
  django: {
    /** The release a new project starts on (an LTS); its Python image comes from `python.byDjango`. */
    release: string;
    /** The line of a new project's requirements.txt: that release's patches only. */
    requirement: string;
  };
  /** The WSGI server of the Django container, added to a team's requirements when missing. */
  gunicorn: { requirement: string };
  /** The PostgreSQL driver: psycopg 3 from the Django release that supports it, psycopg2 before. */
  psycopg: { requirement: string; fromDjango: string };
  psycopg2: { requirement: string };
  /**
   * Uploaded files on S3 (--media s3): django-storages' S3 backend (`storages.backends.s3boto3.S3Boto3Storage`, a
   * name 1.13 defines and 1.14 keeps as an alias of `storages.backends.s3.S3Storage`) and the AWS SDK it drives.
   */
  djangoStorages: { requirement: string };
  boto3: { requirement: string };
  /**
   * The Celery worker (--worker celery): Celery with its Redis extra, which pins a redis client its kombu supports;
   * `redis` alone for a team's requirements that have Celery already (theirs stays as pinned).
   */
  celery: { requirement: string; redisRequirement: string };
  /** The worker's broker: ElastiCache Serverless's Redis OSS major version, and the same major in docker-compose.yml. */
  redis: { major: string; localImage: string };
  /** The nginx sidecar's base image. */
  nginx: { image: string };
  copilot: {
    /** The last AWS Copilot CLI release (support ended 2026-06-12); pipelines install exactly this one. */
    version: string;
    /** The runtime that release renders its custom-resource Lambda functions with, which AWS Lambda refuses. */
    renderedLambdaRuntime: string;
  };
  codebuild: {
    /** CodeBuild's Amazon Linux 2023 standard image (Docker, curl, gpg) each pipeline builds on. */
    image: string;
    /**
     * The Node.js major the CDK app's pipelines select on that image (`runtime-versions`) for `npm ci`, `cdk synth`
     * and the asset uploads: the image runs Node.js 18 unless a build selects another it carries (20, 22; 24 only in
     * its 2026 releases), and aws-cdk-lib wants 20 or newer (its `engines`, which test/cdk-pipeline.test.ts checks).
     */
    nodejs: number;
  };
  /** The runtime the YAML patches move Copilot's Lambda functions to: their handlers are async and use AWS SDK v3. */
  lambdaRuntime: string;
  postgresql: {
    /**
     * Aurora PostgreSQL's major version, as the cluster's EngineVersion: RDS takes the major's default minor
     * version, so no retired minor can break a deploy.
     */
    major: string;
    /** The stand-in for Aurora in docker-compose.yml: the same major. */
    localImage: string;
  };
  /**
   * The CDK app of --target cdk (infra/package.json), pinned exactly: the library its stacks are written against,
   * the CLI that synthesizes them (a CLI release reads the cloud assembly of every library release up to its own
   * date), the construct base and cdk-nag's rules. This repository's devDependencies pin the same versions: the tests
   * synthesize the generated app with them (test/cdk.test.ts checks they match).
   */
  cdk: { awsCdkLib: string; awsCdk: string; constructs: string; cdkNag: string; typescript: string; nodeTypes: string };
}

const POSTGRESQL_MAJOR = '16';

export const VERSIONS: Versions = {
  python: {
    variant: 'slim-bookworm',
    byDjango: [
      ['2.2', '3.9'],
      ['3.0', '3.9'],
      ['3.1', '3.9'],
      ['3.2', '3.10'],
      ['4.0', '3.10'],
      ['4.1', '3.11'],
      ['4.2', '3.12'],
      ['5.0', '3.12'],
      ['5.1', '3.12'],
      ['5.2', '3.12'],
    ],
  },
  django: { release: '5.2', requirement: 'Django>=5.2,<5.3' },
  gunicorn: { requirement: 'gunicorn>=23,<24' },
  psycopg: { requirement: 'psycopg[binary]>=3.2,<4', fromDjango: '4.2' },
  psycopg2: { requirement: 'psycopg2-binary>=2.9,<3' },
  djangoStorages: { requirement: 'django-storages[s3]>=1.14,<2' },
  boto3: { requirement: 'boto3>=1.35,<2' },
  celery: { requirement: 'celery[redis]>=5.5,<5.6', redisRequirement: 'redis>=4.5.2,<6' },
  redis: { major: '7', localImage: 'redis:7-alpine' },
  nginx: { image: 'nginx:1.27-alpine' },
  copilot: { version: 'v1.34.1', renderedLambdaRuntime: 'nodejs20.x' },
  codebuild: { image: 'aws/codebuild/amazonlinux-x86_64-standard:5.0', nodejs: 22 },
  lambdaRuntime: 'nodejs24.x',
  postgresql: { major: POSTGRESQL_MAJOR, localImage: `postgres:${POSTGRESQL_MAJOR}-alpine` },
  cdk: { awsCdkLib: '2.276.0', awsCdk: '2.1148.1', constructs: '10.8.1', cdkNag: '3.0.2', typescript: '5.9.3', nodeTypes: '20.19.43' },
};

/** The Python image for a Python version: `python:3.12-slim-bookworm`. */
export function pythonImage(python: string): string {
  return `python:${python}-${VERSIONS.python.variant}`;
}
