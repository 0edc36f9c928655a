/**
 * CloudFormation templates checked offline against CloudFormation's own resource schemas, as the AWS CDK ships them
 * (@aws-cdk/aws-service-spec: every resource type, its properties with their types, and its attributes).
 * Checks: every resource type exists; every property is one of its type's, with the right shape (strings,
 * numbers, booleans, lists, maps, nested property types, tags), the required ones present; resource attributes
 * (DeletionPolicy, …) are known; and every Ref, Fn::GetAtt, Fn::Sub variable, Fn::FindInMap and condition names
 * something the template declares. Short-form tags (!Ref, !Sub, …) are read as their long forms.
 */
import { loadAwsServiceSpecSync } from '@aws-cdk/aws-service-spec';
import { isMap, isScalar, isSeq, parseDocument, type Node } from 'yaml';

type SpecDatabase = ReturnType<typeof loadAwsServiceSpecSync>;
// The schema's property types, as @aws-cdk/service-spec-types declares them (kept structural: no import of its own).
type PropertyType =
  | { type: 'string' | 'number' | 'integer' | 'boolean' | 'json' | 'date-time' | 'null' | 'tag' }
  | { type: 'ref'; reference: { $ref: string } }
  | { type: 'array' | 'map'; element: PropertyType }
  | { type: 'union'; types: PropertyType[] };
interface Property {
  type: PropertyType;
  required?: boolean;
}

let database: SpecDatabase | undefined;
/** The schemas (a 2.6 MB gzipped JSON database): loaded once per test file. */
export function resourceSpecs(): SpecDatabase {
  database ??= loadAwsServiceSpecSync();
  return database;
}

const SHORT_FORMS: Record<string, string> = {
  '!Ref': 'Ref',
  '!Condition': 'Condition',
  ...Object.fromEntries(
    ['Sub', 'Join', 'Split', 'Select', 'FindInMap', 'If', 'Equals', 'Not', 'And', 'Or', 'GetAZs', 'Base64', 'ImportValue', 'Cidr', 'GetAtt', 'Length', 'ToJsonString'].map(
      (name) => [`!${name}`, `Fn::${name}`],
    ),
  ),
};

function toValue(node: Node | null | undefined): unknown {
  if (node === null || node === undefined) return null;
  let value: unknown;
  if (isMap(node)) value = Object.fromEntries(node.items.map((pair) => [String(isScalar(pair.key) ? pair.key.value : pair.key), toValue(pair.value as Node)]));
  else if (isSeq(node)) value = node.items.map((item) => toValue(item as Node));
  else value = isScalar(node) ? node.value : node.toJSON();
  const tag = node.tag;
  if (tag === undefined || !tag.startsWith('!')) return value;
  const name = SHORT_FORMS[tag];
  if (name === undefined) throw new Error(`unknown CloudFormation tag ${tag}`);
  if (name === 'Fn::GetAtt' && typeof value === 'string') return { [name]: value.split(/\.(.*)/s).slice(0, 2) };
  return { [name]: value };
}

/** A template's resource as the tests read it. */
export interface Resource {
  Type: string;
  Properties: Record<string, any>;
  DeletionPolicy?: string;
  UpdateReplacePolicy?: string;
}

/** `template`'s resources of `type` (`AWS::ECS::TaskDefinition`), as [logical ID, resource] pairs in template order. */
export function resourcesOfType(template: Record<string, any>, type: string): Array<[string, Resource]> {
  return Object.entries((template.Resources ?? {}) as Record<string, Resource>).filter(([, resource]) => resource.Type === type);
}

/** A template's YAML, short forms read as long forms (`!Ref X` → `{ Ref: X }`). */
export function parseTemplate(text: string): Record<string, any> {
  const document = parseDocument(text);
  if (document.errors.length > 0) throw new Error(document.errors[0].message);
  return toValue(document.contents as Node) as Record<string, any>;
}

const TOP_LEVEL = new Set(['AWSTemplateFormatVersion', 'Description', 'Metadata', 'Parameters', 'Rules', 'Mappings', 'Conditions', 'Transform', 'Resources', 'Outputs']);
const RESOURCE_KEYS = new Set(['Type', 'Properties', 'DependsOn', 'Condition', 'DeletionPolicy', 'UpdateReplacePolicy', 'Metadata', 'CreationPolicy', 'UpdatePolicy']);
const CDK_METADATA = 'AWS::CDK::Metadata';
const POLICIES = new Set(['Delete', 'Retain', 'Snapshot', 'RetainExceptOnCreate']);
const PSEUDO_PARAMETERS = new Set(['AWS::AccountId', 'AWS::NotificationARNs', 'AWS::NoValue', 'AWS::Partition', 'AWS::Region', 'AWS::StackId', 'AWS::StackName', 'AWS::URLSuffix']);

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
/** `{ Ref: … }` or `{ 'Fn::…': … }`: its value is known only at deploy time. */
const intrinsic = (value: unknown): value is Record<string, unknown> =>
  isObject(value) && Object.keys(value).length === 1 && (Object.keys(value)[0] === 'Ref' || Object.keys(value)[0].startsWith('Fn::'));

interface Checker {
  template: Record<string, any>;
  specs: SpecDatabase;
  errors: string[];
}

function resourceSpec(specs: SpecDatabase, type: string) {
  const found = specs.lookup('resource', 'cloudFormationType', 'equals', type);
  return found.length === 1 ? found[0] : undefined;
}

/** Every reference inside `value` names something the template (or CloudFormation) declares. */
function checkReferences(checker: Checker, value: unknown, at: string): void {
  const { template, errors } = checker;
  const parameters = template.Parameters ?? {};
  const resources = template.Resources ?? {};
  if (Array.isArray(value)) return value.forEach((item, index) => checkReferences(checker, item, `${at}[${index}]`));
  if (!isObject(value)) return;
  for (const [key, inner] of Object.entries(value)) {
    if (key === 'Ref') {
      if (typeof inner !== 'string' || !(inner in parameters || inner in resources || PSEUDO_PARAMETERS.has(inner))) errors.push(`${at}: Ref to ${JSON.stringify(inner)}, which is neither a parameter nor a resource`);
    } else if (key === 'Fn::GetAtt') {
      const [name, attribute] = inner as [string, string];
      const resource = resources[name];
      const spec = resource && resourceSpec(checker.specs, resource.Type);
      if (!resource) errors.push(`${at}: Fn::GetAtt of ${JSON.stringify(name)}, which is no resource`);
      else if (spec && !(attribute in spec.attributes)) errors.push(`${at}: Fn::GetAtt ${name}.${attribute}: ${resource.Type} has no attribute ${attribute}`);
    } else if (key === 'Fn::Sub') {
      const [text, variables] = (Array.isArray(inner) ? inner : [inner, {}]) as [string, Record<string, unknown>];
      for (const [, name] of String(text).matchAll(/\$\{(?!!)([^}]+)\}/g)) {
        const [head, attribute] = name.split(/\.(.*)/s);
        if (name in variables || head in parameters || PSEUDO_PARAMETERS.has(name)) continue;
        if (head in resources) {
          if (attribute !== undefined) checkReferences(checker, { 'Fn::GetAtt': [head, attribute] }, at);
          continue;
        }
        errors.push(`${at}: Fn::Sub variable \${${name}} is neither a parameter, a resource nor a variable of its own`);
      }
      if (Array.isArray(inner)) checkReferences(checker, inner[1], at);
    } else if (key === 'Fn::FindInMap') {
      const [map, first, second] = inner as unknown[];
      const mapping = typeof map === 'string' ? template.Mappings?.[map] : undefined;
      if (typeof map === 'string' && !mapping) errors.push(`${at}: Fn::FindInMap of ${JSON.stringify(map)}, which is no mapping`);
      if (mapping && typeof first === 'string' && !(first in mapping)) errors.push(`${at}: mapping ${map} has no key ${first}`);
      // With a key known only at deploy time, every entry must hold the second key.
      const entries = mapping ? (typeof first === 'string' ? [[first, mapping[first]]] : Object.entries(mapping)) : [];
      for (const [name, entry] of entries as Array<[string, Record<string, unknown> | undefined]>) {
        if (entry && typeof second === 'string' && !(second in entry)) errors.push(`${at}: mapping ${map}.${name} has no key ${second}`);
      }
      checkReferences(checker, inner, at);
    } else if (key === 'Fn::If' || (key === 'Condition' && typeof inner === 'string')) {
      // A map under Condition is an IAM policy statement's condition, not a reference to one of the template's.
      const condition = key === 'Fn::If' ? (inner as unknown[])[0] : inner;
      if (typeof condition !== 'string' || !(condition in (template.Conditions ?? {}))) errors.push(`${at}: condition ${JSON.stringify(condition)} is not declared`);
      if (key === 'Fn::If') checkReferences(checker, (inner as unknown[]).slice(1), at);
    } else checkReferences(checker, inner, `${at}.${key}`);
  }
}

function describe(type: PropertyType): string {
  if (type.type === 'array' || type.type === 'map') return `${type.type} of ${describe(type.element)}`;
  if (type.type === 'union') return type.types.map(describe).join(' or ');
  return type.type;
}

/** The shape errors of `value` as a property of type `type` (empty when it fits). */
function shapeErrors(checker: Checker, value: unknown, type: PropertyType, at: string): string[] {
  if (intrinsic(value)) {
    // A Fn::If picks one of two values: each must fit (AWS::NoValue drops the property).
    if ('Fn::If' in value) {
      const [, yes, no] = value['Fn::If'] as unknown[];
      return [yes, no].flatMap((branch, index) => (isObject(branch) && branch.Ref === 'AWS::NoValue' ? [] : shapeErrors(checker, branch, type, `${at}(Fn::If ${index === 0 ? 'true' : 'false'})`)));
    }
    return [];
  }
  const wrong = [`${at}: ${JSON.stringify(value)} is not ${describe(type)}`];
  switch (type.type) {
    case 'string':
    case 'date-time':
      return typeof value === 'string' || typeof value === 'number' ? [] : wrong;
    case 'number':
    case 'integer':
      return (typeof value === 'number' && (type.type === 'number' || Number.isInteger(value))) || (typeof value === 'string' && /^-?\d+(\.\d+)?$/.test(value)) ? [] : wrong;
    case 'boolean':
      return typeof value === 'boolean' || value === 'true' || value === 'false' ? [] : wrong;
    case 'json':
      return [];
    case 'null':
      return value === null ? [] : wrong;
    case 'tag':
      return isObject(value) && 'Key' in value && 'Value' in value && Object.keys(value).length === 2 ? [] : [`${at}: a tag is { Key, Value }`];
    case 'array':
      return Array.isArray(value) ? value.flatMap((item, index) => shapeErrors(checker, item, type.element, `${at}[${index}]`)) : wrong;
    case 'map':
      return isObject(value) ? Object.entries(value).flatMap(([key, item]) => shapeErrors(checker, item, type.element, `${at}.${key}`)) : wrong;
    case 'union': {
      const each = type.types.map((member) => shapeErrors(checker, value, member, at));
      return each.some((errors) => errors.length === 0) ? [] : each.flat();
    }
    case 'ref': {
      const definition = checker.specs.get('typeDefinition', type.reference.$ref) as { name: string; properties: Record<string, Property> };
      return isObject(value) ? propertyErrors(checker, value, definition.properties, `${at}`, definition.name) : [`${at}: ${JSON.stringify(value)} is not a ${definition.name}`];
    }
  }
}

function propertyErrors(checker: Checker, values: Record<string, unknown>, properties: Record<string, Property>, at: string, owner: string): string[] {
  const errors: string[] = [];
  for (const [name, value] of Object.entries(values)) {
    const property = properties[name];
    if (!property) errors.push(`${at}.${name}: ${owner} has no property ${name}`);
    else errors.push(...shapeErrors(checker, value, property.type, `${at}.${name}`));
  }
  for (const [name, property] of Object.entries(properties)) {
    if (property.required && !(name in values)) errors.push(`${at}: ${owner} requires ${name}`);
  }
  return errors;
}

/** Every problem the schemas and the template's own declarations reveal; empty when there is none. */
export function templateErrors(template: Record<string, any>, specs: SpecDatabase = resourceSpecs()): string[] {
  const checker: Checker = { template, specs, errors: [] };
  const { errors } = checker;
  for (const key of Object.keys(template)) if (!TOP_LEVEL.has(key)) errors.push(`${key}: not a section of a CloudFormation template`);
  for (const [name, resource] of Object.entries((template.Resources ?? {}) as Record<string, Record<string, any>>)) {
    const at = `Resources.${name}`;
    for (const key of Object.keys(resource)) if (!RESOURCE_KEYS.has(key)) errors.push(`${at}.${key}: not a resource attribute`);
    for (const policy of ['DeletionPolicy', 'UpdateReplacePolicy']) {
      if (policy in resource && !POLICIES.has(resource[policy])) errors.push(`${at}.${policy}: ${JSON.stringify(resource[policy])} is not a policy`);
    }
    // CDK's version report: CloudFormation accepts this type without a registry schema (aws-cdk-lib core, Stack's
    // MetadataResource; turned off by the app's `analyticsReporting: false`).
    if (resource.Type === CDK_METADATA) continue;
    const spec = resourceSpec(specs, resource.Type);
    if (!spec) {
      errors.push(`${at}.Type: ${JSON.stringify(resource.Type)} is not a CloudFormation resource type`);
      continue;
    }
    errors.push(...propertyErrors(checker, resource.Properties ?? {}, spec.properties as Record<string, Property>, `${at}.Properties`, resource.Type));
    checkReferences(checker, { ...resource, Type: undefined }, at);
  }
  checkReferences(checker, template.Conditions ?? {}, 'Conditions');
  checkReferences(checker, template.Outputs ?? {}, 'Outputs');
  return errors;
}
