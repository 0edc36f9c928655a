/** Copilot manifests as plain data (parsed YAML), read the way Copilot reads them. */

export type Manifest = Record<string, unknown>;

export const isObject = (value: unknown): value is Manifest => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * A workload manifest as Copilot applies it to one environment: `environments.<name>` merged over the top level,
 * maps key by key, any other value replacing the top level's, an empty (null) value leaving it as it is.
 */
export function manifestForEnvironment(manifest: Manifest, environment: string): Manifest {
  const overrides = isObject(manifest.environments) ? manifest.environments[environment] : undefined;
  return isObject(overrides) ? (mergeOver(manifest, overrides) as Manifest) : manifest;
}

function mergeOver(base: unknown, override: unknown): unknown {
  if (override === undefined || override === null) return base;
  if (!isObject(base) || !isObject(override)) return override;
  const merged: Manifest = { ...base };
  for (const [key, value] of Object.entries(override)) merged[key] = mergeOver(base[key], value);
  return merged;
}
