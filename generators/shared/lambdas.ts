/**
 * The custom-resource Lambda functions Copilot renders into a stack, derived from the manifests as they are on disk.
 *
 * Copilot's last release renders every one of them with `Runtime: nodejs20.x`, which AWS Lambda no longer accepts for
 * creating or updating a function, so the project carries YAML patches that replace the runtime (overrides.ts). A
 * `replace` on a function Copilot does not render makes the deploy fail, so the set must follow the manifests exactly.
 * The rules below mirror copilot-cli's templates (internal/pkg/template/templates: environment/cf.yml with
 * partials/lambdas.yml, elb-access-logs.yml, cdn-resources.yml; workloads/services/lb-web/cf.yml with
 * partials/cf/env-controller.yml, alb.yml, autoscaling.yml, nlb.yml). test/data/copilot-lambdas.json holds what
 * Copilot's own code rendered for a matrix of manifests (scripts/copilot-lambdas.mjs regenerates it), and the tests
 * hold these rules to it.
 */

import { isObject, manifestForEnvironment, type Manifest } from './copilot-manifest.js';
import { VERSIONS } from './versions.js';

/** The runtime every patched function runs on (versions.ts). */
export const LAMBDA_RUNTIME = VERSIONS.lambdaRuntime;

const present = (value: unknown): boolean => value !== undefined && value !== null && value !== false && !(isObject(value) && Object.keys(value).length === 0);

/** The functions of an environment stack (`copilot env package`); `appDomain`: the application was created with a domain. */
export function environmentFunctions(manifest: Manifest, appDomain: boolean): string[] {
  const http = isObject(manifest.http) ? manifest.http : {};
  const publicHttp = isObject(http.public) ? http.public : {};
  const importedCertificates = Array.isArray(publicHttp.certificates) && publicHttp.certificates.length > 0;
  const functions: string[] = [];
  // environment/cf.yml renders partials/lambdas.yml unless the public load balancer imports its certificates.
  if (!importedCertificates) functions.push('CertificateValidationFunction', 'CustomDomainFunction', 'DNSDelegationFunction');
  // partials/elb-access-logs.yml: only when Copilot creates the logs bucket (no bucket_name of the user's).
  const accessLogs = publicHttp.access_logs;
  if (accessLogs === true || (isObject(accessLogs) && !accessLogs.bucket_name)) functions.push('BucketCleanerFunction');
  // partials/cdn-resources.yml.
  const cdn = manifest.cdn;
  if (present(cdn)) {
    const cdnCertificate = isObject(cdn) && Boolean(cdn.certificate);
    if (cdnCertificate || appDomain) functions.push('UniqueJSONValuesFunction');
    if (!cdnCertificate && !importedCertificates) functions.push('CertificateReplicatorFunction');
  }
  return functions.sort();
}

/** Copilot's count keys that make it render autoscaling (stack/transformers.go convertAutoscaling); `spot` turns it off. */
const AUTOSCALING_KEYS = ['range', 'cpu_percentage', 'memory_percentage', 'requests', 'response_time', 'queue_delay'];

/** The functions of a Load Balanced Web Service stack (`copilot svc package`) in one environment. */
export function serviceFunctions(manifest: Manifest, environment: string): string[] {
  const effective = manifestForEnvironment(manifest, environment);
  const functions = ['EnvControllerFunction'];
  // lb-web/cf.yml includes partials/cf/alb.yml (RulePriorityFunction) unless `http: false`.
  if (effective.http !== false && effective.http !== undefined) functions.push('RulePriorityFunction');
  const count = effective.count;
  if (isObject(count) && count.spot === undefined && AUTOSCALING_KEYS.some((key) => count[key] !== undefined)) functions.push('DynamicDesiredCountFunction');
  const nlb = effective.nlb;
  if (isObject(nlb)) {
    // partials/cf/nlb.yml: the alias records go through a function only for aliases of the user's.
    if (present(nlb.alias)) functions.push('NLBCustomDomainFunction');
    const listeners = [nlb, ...(Array.isArray(nlb.additional_listeners) ? nlb.additional_listeners : [])];
    if (listeners.some((listener) => isObject(listener) && /\/tls$/i.test(String(listener.port ?? '')))) functions.push('NLBCertValidatorFunction');
  }
  return functions.sort();
}

/** What renders each function in every environment, so that one patch file can serve them all. */
const EVERYWHERE_BY: Record<string, string> = {
  DynamicDesiredCountFunction:
    'give every environment an autoscaling count in the service manifest (one that stays fixed is `count: { range: 1-1, cpu_percentage: 70 }`)',
  BucketCleanerFunction: 'turn `http.public.access_logs` on in every environment manifest, or in none',
  UniqueJSONValuesFunction: 'set `cdn` the same way in every environment manifest',
  CertificateReplicatorFunction: 'set `cdn` the same way in every environment manifest',
  NLBCertValidatorFunction: 'give the service the same `nlb` listeners in every environment',
  NLBCustomDomainFunction: 'give the service the same `nlb.alias` in every environment',
};

/** How to make `name` rendered in every stack of its patch file. */
export function renderEverywhereBy(name: string): string {
  return EVERYWHERE_BY[name] ?? 'make the manifest key that renders it the same in every environment (imported `http.public.certificates` in all or none)';
}

/** Functions rendered in every one of the stacks (one patch file serves them all), and those only in some. */
export function splitByStacks(perStack: Map<string, string[]>): { everywhere: string[]; somewhere: Map<string, string[]> } {
  const stacks = [...perStack.keys()];
  const all = [...new Set([...perStack.values()].flat())].sort();
  const everywhere = all.filter((name) => stacks.every((stack) => perStack.get(stack)?.includes(name)));
  const somewhere = new Map<string, string[]>();
  for (const name of all) {
    if (everywhere.includes(name)) continue;
    somewhere.set(name, stacks.filter((stack) => perStack.get(stack)?.includes(name)));
  }
  return { everywhere, somewhere };
}

/**
 * The functions of a Scheduled Job stack (`copilot job package`): the environment controller, always
 * (workloads/jobs/scheduled-job/cf.yml includes partials/cf/env-controller.yml).
 */
export function jobFunctions(): string[] {
  return ['EnvControllerFunction'];
}
