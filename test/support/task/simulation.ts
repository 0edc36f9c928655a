/**
 * The task simulation's entry point: one VPC (namespaces, PostgreSQL, metadata endpoint) per test file, images
 * built from a generated project's Dockerfiles, tasks started from its service manifest. Each piece stands in for what Fargate gives a task: network
 * namespaces for awsvpc, overlay roots for images, one shared folder for the EFS volume, PostgreSQL for Aurora.
 */
import { chownSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { buildImage, type Image } from './images.js';
import { readTaskDefinition, type TaskDefinition } from './manifest.js';
import { MetadataEndpoint } from './metadata.js';
import { Vpc } from './network.js';
import { PostgresServer, type Database } from './postgres.js';
import { createScratch, scratchFolder, teardown } from './processes.js';
import { Task, type VariableOverrides } from './task.js';

export interface Deployment {
  definition: TaskDefinition;
  images: Record<string, Image>;
  /** COPILOT_LB_DNS of the environment: the name Copilot's load balancer gets. */
  loadBalancerDns: string;
}

let volumeCount = 0;

export class Simulation {
  private constructor(
    readonly scratch: string,
    readonly vpc: Vpc,
    readonly metadata: MetadataEndpoint,
    readonly postgres: PostgresServer,
  ) {}

  static async start(): Promise<Simulation> {
    const scratch = createScratch();
    try {
      const vpc = await Vpc.create();
      const [metadata, postgres] = await Promise.all([MetadataEndpoint.start(vpc), PostgresServer.start(scratch, vpc)]);
      return new Simulation(scratch, vpc, metadata, postgres);
    } catch (error) {
      await teardown();
      throw error;
    }
  }

  /**
   * What `copilot svc deploy --env <environment>` would deploy: the task definition and its built images. `service`:
   * that service's (a Backend Service too), else the Load Balanced Web Service's.
   */
  async deploy(projectDir: string, environment: string, service?: string): Promise<Deployment> {
    const definition = readTaskDefinition(projectDir, environment, service);
    const images: Record<string, Image> = {};
    for (const container of definition.containers) {
      const name = `${definition.app}-${definition.service}-${container.name}-${randomBytes(3).toString('hex')}`;
      images[container.name] = await buildImage(this.scratch, name, container.dockerfile, container.context);
    }
    const loadBalancerDns = `${definition.app.slice(0, 5)}-${definition.environment.slice(0, 5)}-Publi-${randomBytes(6).toString('hex').toUpperCase()}-${100000000 + volumeCount}.us-east-1.elb.amazonaws.com`;
    return { definition, images, loadBalancerDns };
  }

  /** Empty EFS file systems for the manifest's volumes, owned as the access point says (efs.uid/gid). */
  createVolumes(definition: TaskDefinition): Record<string, string> {
    volumeCount++;
    return Object.fromEntries(
      Object.entries(definition.volumes).map(([name, volume]) => {
        const folder = scratchFolder(this.scratch, 'volumes', `${volumeCount}-${name}`);
        if (volume.efs?.uid !== undefined) chownSync(folder, volume.efs.uid, volume.efs.gid ?? volume.efs.uid);
        return [name, folder];
      }),
    );
  }

  createDatabase(): Promise<Database> {
    return this.postgres.createDatabase(`db${randomBytes(4).toString('hex')}`);
  }

  /** A task of the deployment; `variables` adds to the manifest's variables of each named container. */
  startTask(
    deployment: Deployment,
    options: {
      database: Database;
      volumes: Record<string, string>;
      secrets: Record<string, string>;
      variables?: VariableOverrides;
      /** The task role's credentials on the metadata endpoint (S3Server.serveCredentials). */
      credentialsRelativeUri?: string;
    },
  ): Promise<Task> {
    return Task.start(
      { scratch: this.scratch, vpc: this.vpc, metadata: this.metadata },
      {
        definition: deployment.definition,
        images: deployment.images,
        // The database's JSON secret reaches the service through the manifest's `secrets: DB_SECRET: from_cfn`
        // (the environment addon's export), or, for a database in the service stack, as Copilot's addon injection.
        ...(declaresSecret(deployment.definition, 'DB_SECRET')
          ? { secrets: { ...options.secrets, DB_SECRET: options.database.secret }, addonSecrets: {} }
          : { secrets: options.secrets, addonSecrets: { DB_SECRET: options.database.secret } }),
        volumes: options.volumes,
        loadBalancerDns: deployment.loadBalancerDns,
        variables: options.variables,
        credentialsRelativeUri: options.credentialsRelativeUri,
      },
    );
  }

  /** Kills every process of the simulation and removes its scratch folder. */
  teardown(): Promise<void> {
    return teardown();
  }
}

/**
 * Values for the manifest's secrets, as `copilot secret init` would store them; DB_SECRET is the database's own,
 * which `startTask` hands over with the database it starts the task on. By SSM parameter: two names of one parameter
 * (a team's SECRET_KEY reads DJANGO_SECRET_KEY's) get one value.
 */
export function secretsFor(definition: TaskDefinition): Record<string, string> {
  const random = () => randomBytes(48).toString('base64url');
  const values: Record<string, string> = {
    DJANGO_SUPERUSER_USERNAME: 'admin',
    DJANGO_SUPERUSER_EMAIL: 'admin@example.com',
    DJANGO_SECRET_KEY: random(),
    DJANGO_SUPERUSER_PASSWORD: random(),
  };
  const parameters = Object.entries(Object.assign({}, ...definition.containers.map((container) => container.secretParameters)) as Record<string, string>).filter(
    ([name]) => name !== 'DB_SECRET',
  );
  return Object.fromEntries(
    parameters.map(([name, parameter]) => {
      const value = values[parameter.split('/').pop()!];
      if (!value) throw new Error(`the test has no value for the manifest's secret ${name} (${parameter})`);
      return [name, value];
    }),
  );
}

/** Whether a container of the task declares `name` among its secrets. */
export function declaresSecret(definition: Deployment['definition'], name: string): boolean {
  return definition.containers.some((container) => container.secrets.includes(name));
}
