/**
 * The database belongs to the environment: an Aurora Serverless v2 PostgreSQL cluster in an environment addon
 * (copilot/environments/addons/db.yml), which the service reads through two CloudFormation exports. Deleting the
 * service leaves the data alone. A project whose service stack already holds a database (what
 * `copilot storage init -l workload` writes into copilot/<service>/addons/) keeps it there: a second, empty
 * database and a second DB_SECRET would be wrong.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { VERSIONS } from './versions.js';

export interface DatabasePlan {
  /** The database created in the cluster (the secret's dbname): letters, digits and underscores. */
  name: string;
  /** Aurora PostgreSQL's major version, the cluster's EngineVersion (versions.ts), the same docker-compose.yml runs locally. */
  engineMajorVersion: string;
  /** Export names after `${App}-${Env}-`, as Copilot's own env Aurora addon names them for a storage called db. */
  secretExport: string;
  securityGroupExport: string;
}

export function planDatabase(app: string): DatabasePlan {
  return { name: app.replace(/-/g, '_'), engineMajorVersion: VERSIONS.postgresql.major, secretExport: 'dbAuroraSecret', securityGroupExport: 'dbSecurityGroup' };
}

/**
 * ACUs per environment. Outside production the minimum is 0: the database pauses when idle (billed for storage
 * only) and resumes on the first connection. Production never pauses.
 */
export function databaseCapacity(production: boolean): { min: number; max: number } {
  return production ? { min: 0.5, max: 8 } : { min: 0, max: 4 };
}

const DB_CLUSTER = /^\s*Type:\s*["']?AWS::RDS::DBCluster["']?\s*$/m;

/** The service's addon template (relative path) that declares an Aurora cluster, if any. Reads files only. */
export function findWorkloadDatabase(root: string, service: string): string | undefined {
  const folder = join(root, 'copilot', service, 'addons');
  if (!existsSync(folder)) return undefined;
  const templates = readdirSync(folder, { withFileTypes: true })
    .filter((entry) => entry.isFile() && /\.ya?ml$/.test(entry.name) && !entry.name.startsWith('addons.parameters.'))
    .map((entry) => entry.name)
    .sort();
  const found = templates.find((name) => DB_CLUSTER.test(readFileSync(join(folder, name), 'utf8')));
  return found && `copilot/${service}/addons/${found}`;
}
