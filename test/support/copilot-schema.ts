/**
 * A schema of the AWS Copilot CLI manifests we generate, written from copilot-cli's Go manifest structs,
 * and a checker for it.
 *
 * Source read (struct yaml tags, custom UnmarshalYAML unions, validate() functions, mergo transformers):
 *   repository aws/copilot-cli, tag v1.33.2 = commit 8da516ae3af52de374b007d86acf6872f8765b25.
 *   The files below are byte-identical at mainline 4c858e718bc88449e29540993d8496ac81d7b419 (2024-03-25,
 *   v1.33.2 plus five dependency bumps), the newest commit in the snapshot that could be fetched.
 *   The tag v1.34.1 (published 2025-04-08) was NOT in that snapshot, so its SHA could not be confirmed;
 *   fields added after v1.33.2 (if any) are missing here and show up as "unknown key".
 *   internal/pkg/manifest/lb_web_svc.go      LoadBalancedWebService(+Config), NetworkLoadBalancerConfiguration/Listener
 *   internal/pkg/manifest/backend_svc.go     BackendService(+Config): the Celery worker's manifest
 *   internal/pkg/manifest/workload.go        Workload, Image, ImageLocationOrBuild, BuildArgsOrString, DockerBuildArgs,
 *                                            ImageOverride, StringSliceOrString, PublishConfig/Topic, NetworkConfig,
 *                                            ServiceConnectBoolOrArgs, PlacementArgOrString, SubnetListOrArgs,
 *                                            SecurityGroupsIDsOrConfig, PlatformArgsOrString
 *   internal/pkg/manifest/workload_ecs.go    ImageWithPortAndHealthcheck, TaskConfig, Variable, Secret, Logging,
 *                                            SidecarConfig, OverrideRule, ExecuteCommand, ContainerHealthCheck,
 *                                            DeploymentConfig, AlarmArgs, valid platforms
 *   internal/pkg/manifest/rd_web_svc.go      ImageWithPort, Observability
 *   internal/pkg/manifest/svc.go             Count, AdvancedCount, Range(Config), ScalingConfigOrT, Cooldown,
 *                                            HTTPHealthCheckArgs, NLBHealthCheckArgs, StringOrFromCFN
 *   internal/pkg/manifest/http.go            HTTPOrBool, HTTP, RoutingRule, Alias, AdvancedAlias
 *   internal/pkg/manifest/storage.go         Storage, Volume, MountPointOpts, SidecarMountPoint, EFSConfigOrBool,
 *                                            EFSVolumeConfiguration, AuthorizationConfig
 *   internal/pkg/manifest/union.go           Union[Basic, Advanced]
 *   internal/pkg/manifest/env.go, deprecated.go   Environment manifest
 *   internal/pkg/manifest/pipeline.go        Pipeline, Source, Build, PipelineStage, Deployment, PrePostDeployment
 *   internal/pkg/manifest/validate.go, validate_env.go, transform.go   rules ported below
 *   internal/pkg/deploy/pipeline.go          the source.properties keys Copilot reads
 *   internal/pkg/manifest/manifestinfo/type.go, internal/pkg/workspace/workspace.go   types, name checks
 *   internal/pkg/cli/validate.go             name rules used by `copilot svc/env/pipeline init`
 *
 * How to read it: every object node lists exactly the yaml tags of its Go struct (embedded `yaml:",inline"`
 * structs flattened in). Copilot decodes with gopkg.in/yaml.v3 without KnownFields, so it silently ignores any
 * key it does not know; this checker reports it instead. Deliberate differences from Copilot:
 *  - deprecated-but-accepted keys (`http.targetContainer`, env `http.*.security_groups`) are rejected (`never`);
 *  - a `null` value (a key with nothing after the colon) is rejected unless the node is marked nullable;
 *    Copilot treats it as "not set", which hides mistakes just like an unknown key;
 *  - `*bool` fields accept only true/false (yaml.v3 also takes yes/no/on/off);
 *  - names must follow the `copilot ... init` name rules; `pipeline.source.provider` must be one of
 *    manifest.PipelineProviders (the legacy "GitHubV1" that deploy/pipeline.go still reads is rejected).
 * Go `string` fields accept any YAML scalar (yaml.v3 stores the scalar's text), as Copilot does; integer, duration
 * and boolean fields do not. `source.properties` is a Go map[string]interface{}: its values must be real strings
 * (deploy/pipeline.go type-asserts them), so `branch: 1.0` is an error.
 * Cross-field rules that Copilot checks after merging `environments.<env>` into the base manifest are checked on
 * the base manifest and on each merged environment (merge modelled on transform.go).
 */

export type ManifestKind = 'service' | 'job' | 'environment' | 'pipeline';

// ---------------------------------------------------------------------------------------------------------------
// The schema DSL
// ---------------------------------------------------------------------------------------------------------------

/** A cross-field rule; receives the object at `path` (already known to be a map) and returns problems. */
export type Rule = (value: Record<string, unknown>, path: string) => string[];

export type Schema =
  /** Go string. `strict`: only a YAML string (interface{} values). */
  | { kind: 'string'; enum?: readonly string[]; ignoreCase?: boolean; pattern?: RegExp; hint?: string; strict?: boolean; check?: (s: string) => string | undefined }
  /** Go int, int64, uint16, uint32. */
  | { kind: 'int'; min?: number; max?: number }
  /** Go float64. */
  | { kind: 'number' }
  /** Go bool. */
  | { kind: 'bool' }
  /** Go time.Duration: a string for time.ParseDuration, never a number. */
  | { kind: 'duration' }
  | { kind: 'literal'; value: string | number }
  /** yaml.Node / interface{}: anything. */
  | { kind: 'any' }
  | { kind: 'list'; of: Schema; nonEmpty?: boolean }
  /** Go map[string]X (or map[string]*X with nullValues). */
  | { kind: 'map'; of: Schema; nullValues?: boolean }
  /** Go struct: `fields` are its yaml tags. */
  | { kind: 'object'; go: string; fields: Readonly<Record<string, Schema>>; required?: readonly string[]; rule?: Rule }
  /** A Go type with a custom UnmarshalYAML that accepts several shapes (Union[A,B], XOrBool, XOrString ...). */
  | { kind: 'oneOf'; go: string; options: readonly Schema[] }
  /** A key we refuse on purpose (deprecated alias, or a field Copilot rejects for this manifest type). */
  | { kind: 'never'; reason: string };

type StringOpts = Omit<Extract<Schema, { kind: 'string' }>, 'kind'>;

const str = (opts: StringOpts = {}): Schema => ({ kind: 'string', ...opts });
const strictStr = (opts: StringOpts = {}): Schema => ({ kind: 'string', strict: true, ...opts });
const int = (opts: { min?: number; max?: number } = {}): Schema => ({ kind: 'int', ...opts });
const num = (): Schema => ({ kind: 'number' });
const bool = (): Schema => ({ kind: 'bool' });
const duration = (): Schema => ({ kind: 'duration' });
const literal = (value: string | number): Schema => ({ kind: 'literal', value });
const any = (): Schema => ({ kind: 'any' });
const listOf = (of: Schema, opts: { nonEmpty?: boolean } = {}): Schema => ({ kind: 'list', of, ...opts });
const mapOf = (of: Schema, opts: { nullValues?: boolean } = {}): Schema => ({ kind: 'map', of, ...opts });
const obj = (go: string, fields: Record<string, Schema>, opts: { required?: readonly string[]; rule?: Rule } = {}): Schema => ({
  kind: 'object',
  go,
  fields,
  ...opts,
});
const oneOf = (go: string, ...options: Schema[]): Schema => ({ kind: 'oneOf', go, options });
const never = (reason: string): Schema => ({ kind: 'never', reason });

// ---------------------------------------------------------------------------------------------------------------
// Value patterns taken from the Go code
// ---------------------------------------------------------------------------------------------------------------

const UINT16 = { min: 0, max: 65535 };
const UINT32 = { min: 0, max: 4294967295 };
/** validate.go volumesPathRegexp (volume `path`, `root_dir`). */
const VOLUME_PATH = /^[a-zA-Z0-9\-._/]+$/;
/** cli/validate.go basicNameRegex + punctuation rules (app, env, svc, pipeline names). */
const BASIC_NAME = /^[a-z][a-z0-9-]+$/;
const GO_DURATION = /^[-+]?(?:(?:\d+(?:\.\d*)?|\.\d+)(?:ns|us|µs|μs|ms|s|m|h))+$|^[-+]?0$/;
/** validate.go envFileExt: filepath.Ext(env_file) must be ".env". */
const ENV_FILE = /\.env$/;

function basicName(kind: string): (s: string) => string | undefined {
  return (s) => {
    if (s.length > 255) return `${kind} name must not exceed 255 characters`;
    if (!BASIC_NAME.test(s) || /[.-]{2,}/.test(s) || /[-.]$/.test(s)) {
      return `${kind} name must be at least 2 characters, start with a letter, contain only lower-case letters, numbers and hyphens, with no consecutive or trailing hyphen, got "${s}"`;
    }
    if (kind === 'service' && (s === 'pipelines' || s === 'environments')) return `service name "${s}" is reserved`;
    return undefined;
  };
}

function cidr(s: string): string | undefined {
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(s);
  if (v4) {
    const ok = v4.slice(1, 5).every((o) => Number(o) <= 255) && Number(v4[5]) <= 32;
    return ok ? undefined : `invalid CIDR "${s}"`;
  }
  if (/^[0-9a-fA-F:]+\/\d{1,3}$/.test(s) && s.includes(':') && Number(s.split('/')[1]) <= 128) return undefined;
  return `invalid CIDR "${s}" (example: 10.0.0.0/16)`;
}

function arn(s: string): string | undefined {
  return /^arn:[^:]+:[^:]+:[^:]*:[^:]*:.+$/.test(s) ? undefined : `must be an ARN, got "${s}"`;
}

/** svc.go ParsePortMapping + validate.go protocol lists: "80" or "80/tcp". */
function portMapping(protocols: readonly string[]) {
  return (s: string): string | undefined => {
    const parts = s.split('/');
    if (parts.length > 2) return `cannot parse port mapping from "${s}"`;
    const port = parts[0] ?? '';
    if (!/^\d+$/.test(port) || Number(port) > 65535) return `port must be an integer from 0 to 65535 (optionally "/protocol"), got "${s}"`;
    const proto = parts[1];
    if (proto !== undefined && !protocols.some((p) => p.toLowerCase() === proto.toLowerCase())) {
      return `invalid protocol ${proto}; valid protocols include ${protocols.join(', ')}`;
    }
    return undefined;
  };
}

function intRangeBand(s: string): string | undefined {
  const m = /^(\d+)-(\d+)$/.exec(s);
  if (!m) return `invalid range value ${s}: valid format is \${min}-\${max}`;
  if (Number(m[1]) > Number(m[2])) return `min value ${m[1]} cannot be greater than max value ${m[2]}`;
  return undefined;
}

// ---------------------------------------------------------------------------------------------------------------
// Shared pieces (workload.go, workload_ecs.go, svc.go, storage.go)
// ---------------------------------------------------------------------------------------------------------------

/** svc.go fromCFN */
const fromCFN = obj('fromCFN', { from_cfn: str({ check: (s) => (s === '' ? 'name cannot be an empty string' : undefined) }) }, { required: ['from_cfn'] });
/** svc.go StringOrFromCFN: tries {from_cfn} first, then a plain string. */
const stringOrFromCFN = oneOf('StringOrFromCFN', str(), fromCFN);
/** workload_ecs.go Variable */
const variable = oneOf('Variable (StringOrFromCFN)', str(), fromCFN);
/** workload_ecs.go Secret: {secretsmanager: name} first, else StringOrFromCFN. */
const secret = oneOf(
  'Secret',
  str(),
  obj('secretsManagerSecret', { secretsmanager: str() }, { required: ['secretsmanager'] }),
  fromCFN,
);
/** workload.go StringSliceOrString (entrypoint, command: EntryPointOverride, CommandOverride) */
const stringOrList = oneOf('StringSliceOrString', listOf(str()), str());
/** workload.go DependsOn map[string]string; validate.go dependsOnValidStatuses */
const dependsOn = mapOf(str({ enum: ['START', 'COMPLETE', 'SUCCESS', 'HEALTHY'], ignoreCase: true }));
/** workload_ecs.go ContainerHealthCheck */
const containerHealthCheck = obj('ContainerHealthCheck', {
  command: listOf(str()),
  interval: duration(),
  retries: int(),
  timeout: duration(),
  start_period: duration(),
});
/** workload.go DockerBuildArgs */
const dockerBuildArgs = obj('DockerBuildArgs', {
  context: str(),
  dockerfile: str(),
  args: mapOf(str()),
  target: str(),
  cache_from: listOf(str()),
});
/** workload.go BuildArgsOrString: DockerBuildArgs first, then a string (the Dockerfile path). */
const buildArgsOrString = oneOf('BuildArgsOrString', dockerBuildArgs, str());

/** workload.go Image.UnmarshalYAML / transform.go imageTransformer: build and location in one node is an error. */
const buildXorLocationInNode: Rule = (v, path) =>
  v['build'] !== undefined && v['location'] !== undefined ? [`${at(path)}: "build" and "location" are mutually exclusive`] : [];

/** lb_web_svc.go ImageConfig = workload_ecs.go ImageWithPortAndHealthcheck{ImageWithPort{Image{ImageLocationOrBuild}, port}, healthcheck} */
const mainImage = obj(
  'ImageWithPortAndHealthcheck',
  {
    build: buildArgsOrString,
    location: str(),
    credentials: str(),
    labels: mapOf(str()),
    depends_on: dependsOn,
    port: int(UINT16),
    healthcheck: containerHealthCheck,
  },
  { rule: buildXorLocationInNode },
);

/** workload_ecs.go SidecarConfig.Image = Union[*string, ImageLocationOrBuild]: a URI string, or {build} / {location}. */
const sidecarImage = oneOf(
  'Union[*string, ImageLocationOrBuild]',
  str(),
  obj('ImageLocationOrBuild', { build: buildArgsOrString, location: str() }, { rule: buildXorLocationInNode }),
);
/** storage.go SidecarMountPoint{source_volume, MountPointOpts{path, read_only}} */
const sidecarMountPoint = obj(
  'SidecarMountPoint',
  {
    source_volume: str(),
    path: str({ pattern: VOLUME_PATH, hint: 'path can only contain the characters a-zA-Z0-9.-_/' }),
    read_only: bool(),
  },
  { required: ['source_volume', 'path'] },
);
/** workload_ecs.go SidecarConfig (+ ImageOverride inline) */
const sidecar = obj('SidecarConfig', {
  port: str({ check: portMapping(['TCP', 'UDP']) }),
  image: sidecarImage,
  essential: bool(),
  credentialsParameter: str(),
  variables: mapOf(variable),
  env_file: str({ pattern: ENV_FILE, hint: 'environment file must have a .env file extension' }),
  secrets: mapOf(secret),
  mount_points: listOf(sidecarMountPoint),
  labels: mapOf(str()),
  depends_on: dependsOn,
  healthcheck: containerHealthCheck,
  entrypoint: stringOrList,
  command: stringOrList,
});

/** storage.go EFSVolumeConfiguration.isValid + validate.go EFSVolumeConfiguration.validate */
const efsRule: Rule = (v, path) => {
  const out: string[] = [];
  const byo = v['id'] !== undefined || v['root_dir'] !== undefined || v['auth'] !== undefined;
  const uidgid = v['uid'] !== undefined || v['gid'] !== undefined;
  if (byo && uidgid) out.push(`${at(path)}: "uid/gid" and "id/root_dir/auth" are mutually exclusive (uid/gid means Copilot-managed EFS)`);
  if (v['uid'] !== undefined && v['gid'] === undefined) out.push(`${join(path, 'gid')}: required when "uid" is set`);
  if (v['gid'] !== undefined && v['uid'] === undefined) out.push(`${join(path, 'uid')}: required when "gid" is set`);
  if (v['uid'] === 0) out.push(`${join(path, 'uid')}: must not be 0`);
  const auth = v['auth'];
  if (isMap(auth) && auth['access_point_id'] !== undefined) {
    const root = v['root_dir'];
    if (!((root === undefined || root === '' || root === '/') && auth['iam'] !== false)) {
      out.push(`${at(path)}: "root_dir" must be either empty or "/" and "auth.iam" must be true when "access_point_id" is used`);
    }
  }
  return out;
};
/** storage.go EFSConfigOrBool: EFSVolumeConfiguration first, else bool. */
const efs = oneOf(
  'EFSConfigOrBool',
  bool(),
  obj(
    'EFSVolumeConfiguration',
    {
      id: stringOrFromCFN,
      root_dir: str({ pattern: VOLUME_PATH, hint: 'path can only contain the characters a-zA-Z0-9.-_/' }),
      auth: obj('AuthorizationConfig', { iam: bool(), access_point_id: str() }),
      uid: int(UINT32),
      gid: int(UINT32),
    },
    { rule: efsRule },
  ),
);
/** storage.go Volume{efs, MountPointOpts{path, read_only}}; read_only defaults to true (stack/transformers.go defaultReadOnly). */
const volume = obj('Volume', {
  efs,
  path: str({ pattern: VOLUME_PATH, hint: 'path can only contain the characters a-zA-Z0-9.-_/' }),
  read_only: bool(),
});
/** storage.go Storage; validate.go ephemeral 20..200 GiB */
const storage = obj('Storage', {
  ephemeral: int({ min: 20, max: 200 }),
  readonly_fs: bool(),
  volumes: mapOf(volume),
});

/** workload_ecs.go Logging (note the camelCase tags) */
const logging = obj('Logging', {
  retention: int(),
  image: str(),
  destination: mapOf(str()),
  enableMetadata: bool(),
  secretOptions: mapOf(secret),
  configFilePath: str(),
  variables: mapOf(variable),
  secrets: mapOf(secret),
  env_file: str({ pattern: ENV_FILE, hint: 'environment file must have a .env file extension' }),
});

/** workload_ecs.go validShortPlatforms (compared lower-cased) */
const SHORT_PLATFORMS = ['linux/amd64', 'linux/x86_64', 'linux/arm', 'linux/arm64', 'windows/amd64', 'windows/x86_64'];
const WINDOWS_OS = ['windows', 'windows_server_2019_core', 'windows_server_2019_full', 'windows_server_2022_core', 'windows_server_2022_full'];
/** workload_ecs.go validAdvancedPlatforms */
const platformArgsRule: Rule = (v, path) => {
  const os = v['osfamily'];
  const arch = v['architecture'];
  if (os === undefined || arch === undefined) return [`${at(path)}: fields "osfamily" and "architecture" must either both be specified or both be empty`];
  const o = String(os).toLowerCase();
  const a = String(arch).toLowerCase();
  const ok = o === 'linux' ? ['x86_64', 'amd64', 'arm', 'arm64'].includes(a) : WINDOWS_OS.includes(o) && ['x86_64', 'amd64'].includes(a);
  return ok ? [] : [`${at(path)}: platform pair ('${o}', '${a}') is invalid`];
};
/** workload.go PlatformArgsOrString: PlatformArgs first, else "os/arch". */
const platform = oneOf(
  'PlatformArgsOrString',
  str({ enum: SHORT_PLATFORMS, ignoreCase: true }),
  obj('PlatformArgs', { osfamily: str(), architecture: str() }, { rule: platformArgsRule }),
);

/** svc.go Cooldown */
const cooldown = obj('Cooldown', { in: duration(), out: duration() });
/** svc.go Range: RangeConfig first, else IntRangeBand "min-max". */
const range = oneOf(
  'Range',
  str({ check: intRangeBand }),
  obj(
    'RangeConfig',
    { min: int({ min: 0 }), max: int({ min: 0 }), spot_from: int({ min: 0 }) },
    {
      required: ['min', 'max'],
      rule: (v, path) =>
        typeof v['min'] === 'number' && typeof v['max'] === 'number' && v['min'] > v['max']
          ? [`${at(path)}: min value ${v['min']} cannot be greater than max value ${v['max']}`]
          : [],
    },
  ),
);
const percentage = int({ min: 0, max: 100 });
/** svc.go ScalingConfigOrT[T]: AdvancedScalingConfig{value, cooldown} first, else T. */
const scaling = (go: string, value: Schema): Schema => oneOf(`ScalingConfigOrT[${go}]`, value, obj('AdvancedScalingConfig', { value, cooldown }));
/** svc.go AdvancedCount */
const advancedCount = obj('AdvancedCount', {
  spot: int({ min: 0 }),
  range,
  cooldown,
  cpu_percentage: scaling('Percentage', percentage),
  memory_percentage: scaling('Percentage', percentage),
  requests: scaling('int', int()),
  response_time: scaling('time.Duration', duration()),
  queue_delay: never('"queue_delay" autoscaling is only valid for a Worker Service (svc.go getInvalidFieldsSet)'),
});
/** svc.go Count: AdvancedCount first, else an integer. */
const count = oneOf('Count', int({ min: 0 }), advancedCount);

/** workload_ecs.go ExecuteCommand: ExecuteCommandConfig{enable} first, else bool. */
const exec = oneOf('ExecuteCommand', bool(), obj('ExecuteCommandConfig', { enable: bool() }));

/** workload.go NetworkConfig */
const network = obj('NetworkConfig', {
  vpc: obj('vpcConfig', {
    placement: oneOf(
      'PlacementArgOrString',
      str({ enum: ['public', 'private'] }),
      obj('PlacementArgs', {
        subnets: oneOf('SubnetListOrArgs', listOf(str()), obj('SubnetArgs', { from_tags: mapOf(stringOrList) })),
      }),
    ),
    security_groups: oneOf(
      'SecurityGroupsIDsOrConfig',
      listOf(stringOrFromCFN),
      obj('SecurityGroupsConfig', { groups: listOf(stringOrFromCFN), deny_default: bool() }),
    ),
  }),
  connect: oneOf('ServiceConnectBoolOrArgs', bool(), obj('ServiceConnectArgs', { alias: str() })),
});

/** workload.go PublishConfig / Topic; validate.go validatePubSubName */
const publish = obj('PublishConfig', {
  topics: listOf(
    obj(
      'Topic',
      {
        name: str({ pattern: /^[a-zA-Z0-9_-]+$/, hint: '"name" can only contain letters, numbers, underscores, and hyphens' }),
        fifo: oneOf('FIFOTopicAdvanceConfigOrBool', bool(), obj('FIFOTopicAdvanceConfig', { content_based_deduplication: bool() })),
      },
      { required: ['name'] },
    ),
  ),
});

/** workload_ecs.go OverrideRule; validate.go invalidTaskDefOverridePathRegexp */
const taskdefOverrides = listOf(
  obj(
    'OverrideRule',
    {
      path: str({
        check: (s) => (/^Family$/.test(s) || /^ContainerDefinitions\[\d+\]\.Name$/.test(s) ? `"${s}" cannot be overridden with a custom value` : undefined),
      }),
      value: any(),
    },
    { required: ['path'] },
  ),
);

/** workload_ecs.go DeploymentConfig{DeploymentControllerConfig{rolling}, rollback_alarms Union[[]string, AlarmArgs]} */
const deployment = obj('DeploymentConfig', {
  rolling: str({ enum: ['default', 'recreate'], ignoreCase: true }),
  rollback_alarms: oneOf(
    'Union[[]string, AlarmArgs]',
    listOf(str()),
    obj('AlarmArgs', { cpu_utilization: num(), memory_utilization: num() }),
  ),
});

/** rd_web_svc.go Observability; validate.go tracingValidVendors */
const observability = obj('Observability', { tracing: str({ enum: ['awsxray'], ignoreCase: true }) });

// ---------------------------------------------------------------------------------------------------------------
// Load Balanced Web Service (lb_web_svc.go, http.go)
// ---------------------------------------------------------------------------------------------------------------

/** svc.go HTTPHealthCheckArgs */
const httpHealthCheckArgs = obj('HTTPHealthCheckArgs', {
  path: str(),
  port: int(UINT16),
  success_codes: str(),
  healthy_threshold: int(),
  unhealthy_threshold: int(),
  timeout: duration(),
  interval: duration(),
  grace_period: duration(),
});
/** http.go Alias: []AdvancedAlias first, else StringSliceOrString. */
const alias = oneOf(
  'Alias',
  listOf(obj('AdvancedAlias', { name: str(), hosted_zone: str() }, { required: ['name'] })),
  str(),
  listOf(str()),
);
/** http.go RoutingRule */
const routingRuleFields: Record<string, Schema> = {
  path: str(),
  version: str({ enum: ['GRPC', 'HTTP1', 'HTTP2'], ignoreCase: true }),
  healthcheck: oneOf('HealthCheckArgsOrString (Union[string, HTTPHealthCheckArgs])', str(), httpHealthCheckArgs),
  stickiness: bool(),
  alias,
  deregistration_delay: duration(),
  target_container: str(),
  target_port: int(UINT16),
  allowed_source_ips: listOf(str({ check: cidr })),
  hosted_zone: str(),
  redirect_to_https: bool(),
};
const hostedZoneNeedsAlias: Rule = (v, path) =>
  v['hosted_zone'] !== undefined && v['alias'] === undefined ? [`${join(path, 'alias')}: must be specified when "hosted_zone" is set`] : [];
const additionalRule = obj('RoutingRule', routingRuleFields, {
  required: ['path'],
  rule: (v, path) => [
    ...hostedZoneNeedsAlias(v, path),
    ...(isMap(v['healthcheck']) && v['healthcheck']['grace_period'] !== undefined
      ? [`${join(path, 'healthcheck.grace_period')}: grace period is only allowed on the main http rule`]
      : []),
  ],
});
/** http.go HTTP{alb, RoutingRule inline, targetContainer (deprecated), additional_rules} */
const http = obj('HTTP', {
  alb: str(),
  ...routingRuleFields,
  targetContainer: never('deprecated camelCase alias of "target_container"; write http.target_container'),
  additional_rules: listOf(additionalRule),
});
/** http.go HTTPOrBool: HTTP first, else bool (`http: false` disables the ALB; then "nlb" is required). */
const httpOrBool = oneOf('HTTPOrBool', bool(), http);

/** svc.go NLBHealthCheckArgs */
const nlbHealthCheck = obj('NLBHealthCheckArgs', {
  port: int(UINT16),
  healthy_threshold: int(),
  unhealthy_threshold: int(),
  timeout: duration(),
  interval: duration(),
  grace_period: duration(),
});
/** lb_web_svc.go NetworkLoadBalancerListener */
const nlbListenerFields: Record<string, Schema> = {
  port: str({ check: portMapping(['TCP', 'UDP', 'TLS']) }),
  healthcheck: nlbHealthCheck,
  target_container: str(),
  target_port: int(UINT16),
  ssl_policy: str(),
  stickiness: bool(),
  deregistration_delay: duration(),
};
/** lb_web_svc.go NetworkLoadBalancerConfiguration{listener inline, alias, additional_listeners} */
const nlb = obj('NetworkLoadBalancerConfiguration', {
  ...nlbListenerFields,
  alias,
  additional_listeners: listOf(obj('NetworkLoadBalancerListener', nlbListenerFields, { required: ['port'] })),
});

/** workload.go ImageOverride and TaskConfig, inline in every workload's config: the image, its overrides, the task. */
const imageAndTaskFields: Record<string, Schema> = {
  image: mainImage,
  // ImageOverride
  entrypoint: stringOrList,
  command: stringOrList,
  // TaskConfig
  cpu: int(),
  memory: int(),
  platform,
  count,
  exec,
  variables: mapOf(variable),
  env_file: str({ pattern: ENV_FILE, hint: 'environment file must have a .env file extension' }),
  secrets: mapOf(secret),
  storage,
};

/** lb_web_svc.go LoadBalancedWebServiceConfig (TaskConfig and ImageOverride inline): the keys allowed per environment too. */
const lbwsConfigFields: Record<string, Schema> = {
  ...imageAndTaskFields,
  http: httpOrBool,
  // rest of LoadBalancedWebServiceConfig
  logging,
  sidecars: mapOf(sidecar),
  network,
  publish,
  taskdef_overrides: taskdefOverrides,
  nlb,
  deployment,
  observability,
};

export const serviceSchema: Schema = obj(
  'LoadBalancedWebService',
  {
    // Workload
    name: str({ check: basicName('service') }),
    type: str({ enum: ['Load Balanced Web Service'] }),
    ...lbwsConfigFields,
    // map[string]*LoadBalancedWebServiceConfig `yaml:",flow"` -> key "environments"
    environments: mapOf(obj('LoadBalancedWebServiceConfig', lbwsConfigFields), { nullValues: true }),
  },
  { required: ['name', 'type'], rule: (v) => serviceRules(v) },
);

// ---------------------------------------------------------------------------------------------------------------
// Environment manifest (env.go, deprecated.go, validate_env.go)
// ---------------------------------------------------------------------------------------------------------------

const subnetConfiguration = obj(
  'subnetConfiguration',
  { id: str(), cidr: str({ check: cidr }), az: str() },
  {
    rule: (v, path) => [
      ...(v['id'] !== undefined && v['cidr'] !== undefined ? [`${at(path)}: "id" and "cidr" are mutually exclusive`] : []),
      ...(v['id'] !== undefined && v['az'] !== undefined ? [`${at(path)}: "id" and "az" are mutually exclusive`] : []),
    ],
  },
);
const securityGroupRule = obj(
  'securityGroupRule',
  {
    cidr: str({ check: cidr }),
    ports: oneOf('portsConfig', int(UINT16), str({ check: intRangeBand })),
    ip_protocol: str(),
  },
  { required: ['cidr', 'ports', 'ip_protocol'] },
);
const environmentVPC = obj(
  'environmentVPCConfig',
  {
    id: str(),
    cidr: str({ check: cidr }),
    subnets: obj('subnetsConfiguration', { public: listOf(subnetConfiguration), private: listOf(subnetConfiguration) }),
    security_group: obj('securityGroupConfig', { ingress: listOf(securityGroupRule), egress: listOf(securityGroupRule) }),
    flow_logs: oneOf('Union[*bool, VPCFlowLogsArgs]', bool(), obj('VPCFlowLogsArgs', { retention: int() })),
  },
  {
    rule: (v, path) => {
      const out: string[] = [];
      const imported = typeof v['id'] === 'string' && v['id'] !== '';
      if (imported && v['cidr'] !== undefined) {
        out.push(`${at(path)}: cannot import VPC resources (with "id" fields) and customize VPC resources (with "cidr" and "az" fields) at the same time`);
      }
      const subnets = isMap(v['subnets']) ? v['subnets'] : {};
      const pub = Array.isArray(subnets['public']) ? subnets['public'] : [];
      const priv = Array.isArray(subnets['private']) ? subnets['private'] : [];
      if (imported) {
        [...pub.map((s, i) => [s, `public[${i}]`] as const), ...priv.map((s, i) => [s, `private[${i}]`] as const)].forEach(([s, p]) => {
          if (!isMap(s) || s['id'] === undefined) out.push(`${join(path, `subnets.${p}.id`)}: required for an imported VPC`);
        });
        if (pub.length + priv.length === 0) out.push(`${join(path, 'subnets')}: VPC must have subnets in order to proceed with environment creation`);
        if (pub.length === 1) out.push(`${join(path, 'subnets.public')}: at least two public subnets must be imported to enable Load Balancing`);
        if (priv.length === 1) out.push(`${join(path, 'subnets.private')}: at least two private subnets must be imported`);
      } else if (v['cidr'] !== undefined) {
        [...pub.map((s, i) => [s, `public[${i}]`] as const), ...priv.map((s, i) => [s, `private[${i}]`] as const)].forEach(([s, p]) => {
          if (!isMap(s) || s['cidr'] === undefined) out.push(`${join(path, `subnets.${p}.cidr`)}: required for a customized VPC`);
        });
      }
      return out;
    },
  },
);
const deprecatedSG = never('deprecated; use "ingress" on the same level (deprecated.go DeprecatedALBSecurityGroupsConfig)');
const certificates = listOf(str({ check: arn }));
const environmentHTTP = obj('EnvironmentHTTPConfig', {
  public: obj('PublicHTTPConfig', {
    security_groups: deprecatedSG,
    certificates,
    access_logs: oneOf('ELBAccessLogsArgsOrBool', bool(), obj('ELBAccessLogsArgs', { bucket_name: str(), prefix: str() })),
    ingress: obj('RestrictiveIngress', { cdn: bool(), source_ips: listOf(str({ check: cidr })) }),
    ssl_policy: str(),
  }),
  private: obj('privateHTTPConfig', {
    subnets: listOf(str()),
    certificates,
    security_groups: deprecatedSG,
    ingress: obj('RelaxedIngress', { vpc: bool() }),
    ssl_policy: str(),
  }),
});
const cdn = oneOf(
  'EnvironmentCDNConfig',
  bool(),
  obj('AdvancedCDNConfig', {
    certificate: str({
      check: (s) => arn(s) ?? (s.split(':')[3] === 'us-east-1' ? undefined : `cdn certificate must be in region us-east-1, got "${s}"`),
    }),
    terminate_tls: bool(),
    static_assets: obj(
      'CDNStaticConfig',
      { location: str(), alias: str(), path: str() },
      {
        rule: (v, path) =>
          Object.keys(v).length === 0 ? [] : ['alias', 'location', 'path'].filter((k) => v[k] === undefined || v[k] === '').map((k) => `${join(path, k)}: required key missing`),
      },
    ),
  }),
);

export const environmentSchema: Schema = obj(
  'Environment',
  {
    name: str({ check: basicName('environment') }),
    type: str({ enum: ['Environment'] }),
    network: obj('environmentNetworkConfig', { vpc: environmentVPC }),
    observability: obj('environmentObservability', { container_insights: bool() }),
    http: environmentHTTP,
    cdn,
  },
  { required: ['name', 'type'], rule: (v) => environmentRules(v) },
);

// ---------------------------------------------------------------------------------------------------------------
// Pipeline manifest (pipeline.go, deploy/pipeline.go)
// ---------------------------------------------------------------------------------------------------------------

/** manifest.PipelineProviders */
const PIPELINE_PROVIDERS = ['GitHub', 'CodeCommit', 'Bitbucket'];

const sourceProperties = obj(
  'Source.Properties (map[string]interface{}, keys read by deploy/pipeline.go and cli/pipeline_deploy.go)',
  {
    repository: strictStr(),
    branch: strictStr(),
    connection_name: strictStr(),
    connection_arn: strictStr(),
    access_token_secret: strictStr(),
    output_artifact_format: strictStr({ enum: ['CODE_ZIP', 'CODEBUILD_CLONE_REF'] }),
  },
  { required: ['repository'] },
);
const prePostDeployment = obj('PrePostDeployment', { buildspec: str(), depends_on: listOf(str()) }, { required: ['buildspec'] });
const pipelineStage = obj(
  'PipelineStage',
  {
    name: str(),
    requires_approval: bool(),
    test_commands: listOf(str()),
    deployments: mapOf(
      obj('Deployment', { stack_name: str(), template_path: str(), template_config: str(), depends_on: listOf(str()) }),
      { nullValues: true },
    ),
    pre_deployments: mapOf(prePostDeployment),
    post_deployments: mapOf(prePostDeployment),
  },
  {
    required: ['name'],
    rule: (v, path) => {
      const out: string[] = [];
      if (Array.isArray(v['test_commands']) && v['test_commands'].length > 0 && v['post_deployments'] !== undefined) {
        out.push(`${at(path)}: "post_deployments" and "test_commands" are mutually exclusive`);
      }
      const deps = v['deployments'];
      if (isMap(deps)) {
        for (const [name, conf] of Object.entries(deps)) {
          if (!isMap(conf) || !Array.isArray(conf['depends_on'])) continue;
          conf['depends_on'].forEach((d, i) => {
            if (typeof d === 'string' && !(d in deps)) {
              out.push(`${join(path, `deployments.${name}.depends_on[${i}]`)}: dependency deployment named '${d}' of '${name}' does not exist`);
            }
          });
        }
      }
      return out;
    },
  },
);

export const pipelineSchema: Schema = obj(
  'Pipeline',
  {
    name: str({ check: (s) => (s.length > 100 ? `pipeline name '${s}' must be shorter than 100 characters` : basicName('pipeline')(s)) }),
    version: literal(1),
    source: obj('Source', { provider: str({ enum: PIPELINE_PROVIDERS }), properties: sourceProperties }, { required: ['provider', 'properties'] }),
    build: obj('Build', {
      image: str(),
      buildspec: str(),
      additional_policy: obj('Build.AdditionalPolicy', { PolicyDocument: any() }),
    }),
    stages: listOf(pipelineStage, { nonEmpty: true }),
  },
  { required: ['name', 'version', 'source', 'stages'], rule: (v) => pipelineRules(v) },
);

// ---------------------------------------------------------------------------------------------------------------
// Scheduled Job manifest (job.go: ScheduledJobConfig with ImageOverride and TaskConfig inline)
// ---------------------------------------------------------------------------------------------------------------

const scheduledJobConfigFields: Record<string, Schema> = {
  ...imageAndTaskFields,
  // rest of ScheduledJobConfig
  logging,
  sidecars: mapOf(sidecar),
  on: obj('JobTriggerConfig', { schedule: str() }),
  // JobFailureHandlerConfig (inline)
  timeout: str(),
  retries: int({ min: 0 }),
  network,
  publish,
  taskdef_overrides: taskdefOverrides,
};

export const scheduledJobSchema: Schema = obj(
  'ScheduledJob',
  {
    name: str({ check: basicName('job') }),
    type: str({ enum: ['Scheduled Job'] }),
    ...scheduledJobConfigFields,
    environments: mapOf(obj('ScheduledJobConfig', scheduledJobConfigFields), { nullValues: true }),
  },
  { required: ['name', 'type', 'on'] },
);

// ---------------------------------------------------------------------------------------------------------------
// Backend Service (backend_svc.go: BackendServiceConfig with ImageOverride and TaskConfig inline; validate.go
// BackendService.validate / BackendServiceConfig.validate). `image` is ImageWithHealthcheckAndOptionalPort: the keys
// of ImageWithPortAndHealthcheck, port optional; `http` is HTTP (an internal load balancer), never a bool.
// ---------------------------------------------------------------------------------------------------------------

const backendServiceConfigFields: Record<string, Schema> = {
  ...imageAndTaskFields,
  http,
  // rest of BackendServiceConfig
  logging,
  sidecars: mapOf(sidecar),
  network,
  publish,
  taskdef_overrides: taskdefOverrides,
  deployment,
  observability,
};

export const backendServiceSchema: Schema = obj(
  'BackendService',
  {
    name: str({ check: basicName('service') }),
    type: str({ enum: ['Backend Service'] }),
    ...backendServiceConfigFields,
    environments: mapOf(obj('BackendServiceConfig', backendServiceConfigFields), { nullValues: true }),
  },
  {
    required: ['name', 'type'],
    rule: (doc) => {
      const { environments, ...base } = doc;
      const views: Array<[string, Obj]> = [['', base], ...Object.entries(asMap(environments)).filter(([, o]) => isMap(o)).map(([env, o]): [string, Obj] => [`environments.${env} (merged with the base manifest): `, asMap(mergeOverride(base, o))])];
      const out: string[] = [];
      for (const [prefix, view] of views) for (const problem of backendViewRules(view)) if (!out.includes(problem) && !out.includes(`${prefix}${problem}`)) out.push(`${prefix}${problem}`);
      return out;
    },
  },
);

/** validate.go BackendServiceConfig.validate on one (merged) view: image, http without requests scaling, count, ARM and Spot. */
function backendViewRules(m: Obj): string[] {
  const out: string[] = [];
  const image = m['image'];
  if (!isMap(image) || (image['build'] === undefined && image['location'] === undefined)) out.push('image: either "image.build" or "image.location" needs to be specified');
  const count = m['count'];
  if (isMap(count)) {
    const hasScaling = SCALING_FIELDS.some((k) => count[k] !== undefined);
    const hasRange = count['range'] !== undefined;
    if (count['spot'] !== undefined && (hasRange || hasScaling)) out.push('count.spot: mutually exclusive with range/cpu_percentage/memory_percentage/requests/response_time');
    if (!hasRange && hasScaling) out.push('count.range: must be specified if cpu_percentage, memory_percentage, requests or response_time are specified');
    if (hasRange && !hasScaling) out.push('count: at least one of cpu_percentage, memory_percentage, requests or response_time must be specified with "range"');
    if (!isMap(m['http']) && (count['requests'] !== undefined || count['response_time'] !== undefined)) out.push('http: must be specified if "count.requests" or "count.response_time" are specified');
  }
  const http = m['http'];
  if (isMap(http) && Object.keys(http).length > 0 && http['path'] === undefined) out.push('http.path: required key missing');
  const plat = m['platform'];
  const arch = (isMap(plat) ? String(plat['architecture'] ?? '') : typeof plat === 'string' ? (plat.split('/')[1] ?? '') : '').toLowerCase();
  const c = asMap(count);
  if ((arch === 'arm' || arch === 'arm64') && (c['spot'] !== undefined || asMap(c['range'])['spot_from'] !== undefined)) out.push(`count.spot: 'Fargate Spot' is not supported when deploying on ARM architecture (platform ${arch})`);
  return out;
}

const SCHEMAS: Record<ManifestKind, Schema> = {
  service: serviceSchema,
  job: scheduledJobSchema,
  environment: environmentSchema,
  pipeline: pipelineSchema,
};

// ---------------------------------------------------------------------------------------------------------------
// The checker
// ---------------------------------------------------------------------------------------------------------------

/** Returns human-readable problems (`path: message`), or an empty list when `doc` is a valid manifest of `kind`. */
export function checkManifest(kind: ManifestKind, doc: unknown): string[] {
  const out: string[] = [];
  // A service is a Load Balanced Web Service or a Backend Service (the Celery worker), told by its `type`.
  const backend = kind === 'service' && isMap(doc) && doc['type'] === 'Backend Service';
  check(backend ? backendServiceSchema : SCHEMAS[kind], doc, '', out);
  return [...new Set(out)];
}

type JsType = 'null' | 'list' | 'map' | 'integer' | 'number' | 'string' | 'boolean' | 'other';

function typeOf(v: unknown): JsType {
  if (v === null || v === undefined) return 'null';
  if (Array.isArray(v)) return 'list';
  if (typeof v === 'object') return v instanceof Date ? 'string' : 'map';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  if (typeof v === 'string') return 'string';
  if (typeof v === 'boolean') return 'boolean';
  return 'other';
}

function isMap(v: unknown): v is Record<string, unknown> {
  return typeOf(v) === 'map';
}

function join(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`;
}

function at(path: string): string {
  return path === '' ? '(root)' : path;
}

/** Which YAML value types a schema node can take. */
function accepts(s: Schema): readonly JsType[] {
  switch (s.kind) {
    case 'string':
      return s.strict ? ['string'] : ['string', 'integer', 'number', 'boolean'];
    case 'int':
      return ['integer'];
    case 'number':
      return ['integer', 'number'];
    case 'bool':
      return ['boolean'];
    case 'duration':
      return ['string'];
    case 'literal':
      return [typeOf(s.value)];
    case 'list':
      return ['list'];
    case 'map':
    case 'object':
      return ['map'];
    case 'oneOf':
      return s.options.flatMap(accepts);
    case 'any':
    case 'never':
      return ['list', 'map', 'integer', 'number', 'string', 'boolean'];
  }
}

/** A short description of what a schema node expects, for messages. */
export function describe(s: Schema): string {
  switch (s.kind) {
    case 'string':
      return s.enum ? `one of ${s.enum.map((e) => JSON.stringify(e)).join(', ')}` : 'string';
    case 'int':
      return 'integer';
    case 'number':
      return 'number';
    case 'bool':
      return 'boolean';
    case 'duration':
      return 'duration string (e.g. "30s")';
    case 'literal':
      return JSON.stringify(s.value);
    case 'any':
      return 'any value';
    case 'list':
      return `list of ${describe(s.of)}`;
    case 'map':
      return 'map';
    case 'object':
      return `map (${s.go})`;
    case 'oneOf':
      return s.options.map(describe).join(' or ');
    case 'never':
      return 'nothing';
  }
}

function scalarText(v: unknown): string {
  return typeof v === 'string' ? v : String(v);
}

function check(s: Schema, v: unknown, path: string, out: string[]): void {
  const t = typeOf(v);
  if (s.kind === 'never') {
    out.push(`${at(path)}: not allowed: ${s.reason}`);
    return;
  }
  if (t === 'null') {
    out.push(`${at(path)}: expected ${describe(s)}, got null`);
    return;
  }
  if (s.kind === 'any') return;
  if (s.kind === 'oneOf') {
    checkOneOf(s, v, path, out);
    return;
  }
  if (!accepts(s).includes(t)) {
    out.push(`${at(path)}: expected ${describe(s)}, got ${t}`);
    return;
  }
  switch (s.kind) {
    case 'string': {
      const text = scalarText(v);
      if (s.enum) {
        const ok = s.enum.some((e) => (s.ignoreCase ? e.toLowerCase() === text.toLowerCase() : e === text));
        if (!ok) out.push(`${at(path)}: must be ${describe(s)}, got ${JSON.stringify(text)}`);
      }
      if (s.pattern && !s.pattern.test(text)) out.push(`${at(path)}: ${s.hint ?? `must match ${s.pattern}`}, got ${JSON.stringify(text)}`);
      const problem = s.check?.(text);
      if (problem) out.push(`${at(path)}: ${problem}`);
      return;
    }
    case 'int': {
      const n = v as number;
      if (s.min !== undefined && n < s.min) out.push(`${at(path)}: must be >= ${s.min}, got ${n}`);
      if (s.max !== undefined && n > s.max) out.push(`${at(path)}: must be <= ${s.max}, got ${n}`);
      return;
    }
    case 'duration':
      if (!GO_DURATION.test(v as string)) out.push(`${at(path)}: expected ${describe(s)}, got ${JSON.stringify(v)}`);
      return;
    case 'literal':
      if (v !== s.value) out.push(`${at(path)}: must be ${JSON.stringify(s.value)}, got ${JSON.stringify(v)}`);
      return;
    case 'list': {
      const list = v as unknown[];
      if (s.nonEmpty && list.length === 0) out.push(`${at(path)}: must not be empty`);
      list.forEach((item, i) => check(s.of, item, `${path}[${i}]`, out));
      return;
    }
    case 'map':
      for (const [k, item] of Object.entries(v as Record<string, unknown>)) {
        if (s.nullValues && typeOf(item) === 'null') continue;
        check(s.of, item, join(path, k), out);
      }
      return;
    case 'object': {
      const o = v as Record<string, unknown>;
      for (const [k, item] of Object.entries(o)) {
        const field = s.fields[k];
        if (field === undefined) out.push(`${join(path, k)}: unknown key`);
        else check(field, item, join(path, k), out);
      }
      for (const k of s.required ?? []) {
        if (o[k] === undefined) out.push(`${join(path, k)}: required key missing`);
      }
      if (s.rule) out.push(...s.rule(o, path));
      return;
    }
    case 'number':
    case 'bool':
      return;
  }
}

function checkOneOf(s: Extract<Schema, { kind: 'oneOf' }>, v: unknown, path: string, out: string[]): void {
  const t = typeOf(v);
  const candidates = s.options.filter((o) => accepts(o).includes(t));
  if (candidates.length === 0) {
    out.push(`${at(path)}: expected ${describe(s)}, got ${t}`);
    return;
  }
  // The Go unmarshalers fall back to the scalar form when the map decodes to an empty struct, and then fail.
  if (t === 'map' && Object.keys(v as object).length === 0 && s.options.some((o) => !accepts(o).includes('map'))) {
    out.push(`${at(path)}: expected ${describe(s)}, got an empty map`);
    return;
  }
  let best: string[] | undefined;
  for (const option of candidates) {
    const problems: string[] = [];
    check(option, v, path, problems);
    if (problems.length === 0) return;
    if (best === undefined || problems.length < best.length) best = problems;
  }
  out.push(...(best ?? []));
}

// ---------------------------------------------------------------------------------------------------------------
// Cross-field rules
// ---------------------------------------------------------------------------------------------------------------

type Obj = Record<string, unknown>;

const asMap = (v: unknown): Obj => (isMap(v) ? v : {});
const AUTOSCALING_KEYS = ['range', 'cooldown', 'cpu_percentage', 'memory_percentage', 'requests', 'response_time', 'queue_delay'];
const SCALING_FIELDS = ['cpu_percentage', 'memory_percentage', 'requests', 'response_time'];

/**
 * Merge an `environments.<env>` override into the base, like mergo.WithOverride plus the transformers of
 * transform.go: maps merge key by key, lists and scalars are replaced, a value of another shape replaces the
 * old one, and the exclusive pairs (image build/location, count spot/autoscaling, efs uid-gid/BYO) drop the
 * base side when the override sets the other.
 */
function mergeOverride(base: unknown, override: unknown, key = ''): unknown {
  if (override === undefined || override === null) return base;
  if (!isMap(base) || !isMap(override)) return override;
  const merged: Obj = { ...base };
  const drop = (keys: string[]) => keys.forEach((k) => delete merged[k]);
  if (key === 'image') {
    if (override['build'] !== undefined) drop(['location']);
    if (override['location'] !== undefined) drop(['build']);
  }
  if (key === 'count') {
    if (override['spot'] !== undefined) drop(AUTOSCALING_KEYS);
    if (AUTOSCALING_KEYS.some((k) => k !== 'cooldown' && override[k] !== undefined)) drop(['spot']);
  }
  if (key === 'efs') {
    if (override['uid'] !== undefined || override['gid'] !== undefined) drop(['id', 'root_dir', 'auth']);
    if (['id', 'root_dir', 'auth'].some((k) => override[k] !== undefined)) drop(['uid', 'gid']);
  }
  for (const [k, ov] of Object.entries(override)) merged[k] = mergeOverride(merged[k], ov, k);
  return merged;
}

function serviceRules(doc: Obj): string[] {
  const out: string[] = [];
  const { environments, ...base } = doc;
  const baseProblems = serviceViewRules(base);
  out.push(...baseProblems);
  for (const [env, override] of Object.entries(asMap(environments))) {
    if (!isMap(override)) continue;
    const view = asMap(mergeOverride(base, override));
    for (const p of serviceViewRules(view)) {
      if (!baseProblems.includes(p)) out.push(`environments.${env} (merged with the base manifest): ${p}`);
    }
  }
  return out;
}

/** validate.go LoadBalancedWebService.validate / LoadBalancedWebServiceConfig.validate on one (merged) view. */
function serviceViewRules(m: Obj): string[] {
  const out: string[] = [];
  const name = typeof m['name'] === 'string' ? m['name'] : '';
  const image = m['image'];
  const sidecars = asMap(m['sidecars']);
  const http = m['http'];
  const nlb = asMap(m['nlb']);
  const nlbSet = Object.keys(nlb).length > 0;

  // image: either build or location (workload.go requiresBuild), and a port (ImageWithPort.validate).
  if (!isMap(image)) {
    out.push('image: required key missing (needs "build" or "location", and "port")');
  } else {
    if (image['build'] === undefined && image['location'] === undefined) out.push('image: either "image.build" or "image.location" needs to be specified');
    if (image['port'] === undefined) out.push('image.port: required key missing');
  }

  // http (validate.go LoadBalancedWebServiceConfig.validate, HTTP.validate, RoutingRule.validate)
  if (http === undefined) out.push('http: required key missing (write `http: false` to serve through "nlb" only)');
  if (http === false && !nlbSet) out.push('http: must not be false unless "nlb" is configured');
  if (isMap(http) && Object.keys(http).length > 0) {
    if (http['path'] === undefined) out.push('http.path: required key missing');
    out.push(...hostedZoneNeedsAlias(http, 'http'));
    if (isMap(http['healthcheck']) && http['healthcheck']['grace_period'] !== undefined && isMap(nlb['healthcheck']) && nlb['healthcheck']['grace_period'] !== undefined) {
      out.push('http.healthcheck.grace_period: mutually exclusive with nlb.healthcheck.grace_period');
    }
    const targets: [unknown, string][] = [[http['target_container'], 'http.target_container']];
    if (Array.isArray(http['additional_rules'])) {
      http['additional_rules'].forEach((r, i) => targets.push([asMap(r)['target_container'], `http.additional_rules[${i}].target_container`]));
    }
    for (const [target, path] of targets) out.push(...targetContainerRule(target, path, name, image, sidecars));
  }
  if (nlbSet) {
    if (nlb['port'] === undefined) out.push('nlb.port: required key missing');
    out.push(...targetContainerRule(nlb['target_container'], 'nlb.target_container', name, image, sidecars));
    const aliases = nlb['alias'];
    if (Array.isArray(aliases) && aliases.some((a) => isMap(a) && a['hosted_zone'] !== undefined)) out.push('nlb.alias: "hosted_zone" is not supported for Network Load Balancer');
  }

  // count (svc.go AdvancedCount.validate for a Load Balanced Web Service)
  const count = m['count'];
  if (isMap(count)) {
    const hasScaling = SCALING_FIELDS.some((k) => count[k] !== undefined);
    const hasRange = count['range'] !== undefined;
    if (count['spot'] !== undefined && (hasRange || hasScaling)) {
      out.push('count.spot: mutually exclusive with range/cpu_percentage/memory_percentage/requests/response_time (use range.spot_from to autoscale on Spot)');
    } else {
      if (!hasRange && hasScaling) out.push('count.range: must be specified if cpu_percentage, memory_percentage, requests or response_time are specified');
      if (hasRange && !hasScaling) out.push('count: at least one of cpu_percentage, memory_percentage, requests or response_time must be specified with "range"');
      if (count['cooldown'] !== undefined && !hasScaling) out.push('count.cooldown: needs at least one of cpu_percentage, memory_percentage, requests or response_time');
    }
    if (http === false && (count['requests'] !== undefined || count['response_time'] !== undefined)) {
      out.push('count: scaling based on "nlb" requests or response time is not supported');
    }
  }

  // platform (validate.go validateARM, validateWindows)
  const plat = m['platform'];
  const os = (isMap(plat) ? String(plat['osfamily'] ?? '') : typeof plat === 'string' ? (plat.split('/')[0] ?? '') : '').toLowerCase();
  const arch = (isMap(plat) ? String(plat['architecture'] ?? '') : typeof plat === 'string' ? (plat.split('/')[1] ?? '') : '').toLowerCase();
  const c = asMap(count);
  if ((arch === 'arm' || arch === 'arm64') && (c['spot'] !== undefined || asMap(c['range'])['spot_from'] !== undefined)) {
    out.push("count.spot: 'Fargate Spot' is not supported when deploying on ARM architecture (platform " + arch + ')');
  }
  const storage = asMap(m['storage']);
  const volumes = asMap(storage['volumes']);
  if (WINDOWS_OS.includes(os)) {
    if (storage['readonly_fs'] === true) out.push(`storage.readonly_fs: can not be set to 'true' when deploying a Windows container`);
    if (Object.values(volumes).some((vol) => isMap(vol) && vol['efs'] !== undefined && vol['efs'] !== false)) out.push(`storage.volumes: 'EFS' is not supported when deploying a Windows container`);
    const connect = asMap(m['network'])['connect'];
    if (connect === true || (isMap(connect) && Object.keys(connect).length > 0)) out.push('network.connect: service connect is not supported for Windows');
  }

  // storage (validate.go Storage.validate, MountPointOpts.validate)
  let managed = 0;
  for (const [vname, vol] of Object.entries(volumes)) {
    if (!isMap(vol)) continue;
    if (vol['path'] === undefined || vol['path'] === '') out.push(`storage.volumes.${vname}.path: required key missing`);
    const e = vol['efs'];
    if (e === true || (isMap(e) && (e['uid'] !== undefined || e['gid'] !== undefined))) managed++;
  }
  if (managed > 1) out.push('storage.volumes: cannot specify more than one managed volume per service');

  // sidecars (validate.go SidecarConfig.validate; mount points must name a task volume, as ECS requires)
  for (const [sname, sc] of Object.entries(sidecars)) {
    if (!isMap(sc)) continue;
    const img = sc['image'];
    if (img === undefined) out.push(`sidecars.${sname}.image: required key missing`);
    if (isMap(img) && Object.keys(img).length > 0 && img['build'] === undefined && img['location'] === undefined) out.push(`sidecars.${sname}.image: must specify one of "image", "image.build", or "image.location"`);
    if (Array.isArray(sc['mount_points'])) {
      sc['mount_points'].forEach((mp, i) => {
        const src = asMap(mp)['source_volume'];
        if (typeof src === 'string' && !(src in volumes)) out.push(`sidecars.${sname}.mount_points[${i}].source_volume: no volume "${src}" under storage.volumes`);
      });
    }
  }

  // exposed ports: one port, one container (validate.go validateExposedPorts, simplified to image.port vs sidecar ports)
  const owners = new Map<number, string>();
  const claim = (port: number, owner: string, path: string) => {
    const prev = owners.get(port);
    if (prev !== undefined && prev !== owner) out.push(`${path}: containers "${owner}" and "${prev}" are exposing the same port ${port}`);
    else owners.set(port, owner);
  };
  for (const [sname, sc] of Object.entries(sidecars)) {
    const p = asMap(sc)['port'];
    if (p !== undefined) claim(Number(String(p).split('/')[0]), sname, `sidecars.${sname}.port`);
  }
  if (isMap(image) && typeof image['port'] === 'number') claim(image['port'], name, 'image.port');

  // container dependencies (validate.go validateContainerDeps)
  const essential = new Map<string, boolean>([[name, true]]);
  if (Object.keys(asMap(m['logging'])).length > 0) essential.set('firelens_log_router', false);
  for (const [sname, sc] of Object.entries(sidecars)) essential.set(sname, asMap(sc)['essential'] !== false);
  const graph = new Map<string, string[]>();
  const deps: [string, string, unknown][] = [[name, 'image.depends_on', isMap(image) ? image['depends_on'] : undefined]];
  for (const [sname, sc] of Object.entries(sidecars)) deps.push([sname, `sidecars.${sname}.depends_on`, asMap(sc)['depends_on']]);
  for (const [container, path, d] of deps) {
    const edges: string[] = [];
    for (const [dep, status] of Object.entries(asMap(d))) {
      if (!essential.has(dep)) out.push(`${path}.${dep}: container ${dep} does not exist`);
      else if (essential.get(dep) && !['START', 'HEALTHY'].includes(String(status).toUpperCase())) out.push(`${path}.${dep}: essential container ${dep} can only have status START or HEALTHY`);
      edges.push(dep);
    }
    graph.set(container, edges);
  }
  const cycle = findCycle(graph);
  if (cycle) out.push(`depends_on: circular container dependency chain includes the following containers: ${cycle.join(', ')}`);
  return out;
}

/** validate.go validateTargetContainer */
function targetContainerRule(target: unknown, path: string, mainName: string, image: unknown, sidecars: Obj): string[] {
  if (target === undefined || target === null) return [];
  const t = String(target);
  if (t === mainName) return isMap(image) && image['port'] !== undefined ? [] : [`${path}: target container "${t}" doesn't expose a port`];
  const sc = sidecars[t];
  if (!isMap(sc)) return [`${path}: target container "${t}" doesn't exist`];
  return sc['port'] === undefined ? [`${path}: target container "${t}" doesn't expose a port (set sidecars.${t}.port)`] : [];
}

function findCycle(graph: Map<string, string[]>): string[] | undefined {
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];
  const visit = (n: string): string[] | undefined => {
    if (state.get(n) === 'done') return undefined;
    if (state.get(n) === 'visiting') return stack.slice(stack.indexOf(n));
    state.set(n, 'visiting');
    stack.push(n);
    for (const next of graph.get(n) ?? []) {
      const c = visit(next);
      if (c) return c;
    }
    stack.pop();
    state.set(n, 'done');
    return undefined;
  };
  for (const n of graph.keys()) {
    const c = visit(n);
    if (c) return c;
  }
  return undefined;
}

/** validate_env.go EnvironmentConfig.validate */
function environmentRules(doc: Obj): string[] {
  const out: string[] = [];
  const http = asMap(doc['http']);
  const pub = asMap(http['public']);
  const priv = asMap(http['private']);
  const cdnValue = doc['cdn'];
  const cdnCfg = asMap(cdnValue);
  const cdnEnabled = cdnValue === true || Object.keys(cdnCfg).length > 0;
  if (asMap(pub['ingress'])['cdn'] === true && !cdnEnabled) out.push('http.public.ingress.cdn: CDN must be enabled to limit security group ingress to CloudFront');
  if (cdnEnabled) {
    if (pub['certificates'] === undefined) {
      if (cdnCfg['certificate'] !== undefined && cdnCfg['terminate_tls'] !== true) out.push('cdn.terminate_tls: must be true if "cdn.certificate" is set without "http.public.certificates"');
    } else if (cdnCfg['certificate'] === undefined) {
      out.push('cdn.certificate: must be specified if "http.public.certificates" and "cdn" are specified');
    }
  }
  if (priv['subnets'] !== undefined) {
    const vpc = asMap(asMap(doc['network'])['vpc']);
    if (typeof vpc['id'] !== 'string' || vpc['id'] === '') out.push('http.private.subnets: in order to specify internal ALB subnet placement, subnets must be imported');
  }
  return out;
}

/** pipeline.go Pipeline.Validate + deploy/pipeline.go PipelineSourceFromManifest */
function pipelineRules(doc: Obj): string[] {
  const out: string[] = [];
  const source = asMap(doc['source']);
  const props = asMap(source['properties']);
  const provider = source['provider'];
  if (props['access_token_secret'] !== undefined && provider !== 'GitHub') {
    out.push(`source.properties.access_token_secret: only read for provider GitHub (legacy GitHub v1 token), not ${String(provider)}`);
  }
  if (provider === 'CodeCommit') {
    for (const k of ['connection_name', 'connection_arn']) if (props[k] !== undefined) out.push(`source.properties.${k}: ignored for provider CodeCommit (no CodeStar connection)`);
  }
  const names = new Set<string>();
  if (Array.isArray(doc['stages'])) {
    doc['stages'].forEach((st, i) => {
      const n = asMap(st)['name'];
      if (typeof n === 'string') {
        // Not a Copilot check: each stage becomes a CodePipeline stage named after its environment.
        if (names.has(n)) out.push(`stages[${i}].name: environment "${n}" appears in more than one stage`);
        names.add(n);
      }
    });
  }
  return out;
}
