import type { ModelRecord, VersionRecord } from '../registry/index.js';

/**
 * The READY versions of a model that stay loaded (Triton's version policy), in ascending order:
 * - `{"latest": n}`: the n newest READY versions; `"all"`: every READY version; `{"specific": [...]}`: those of the
 *   listed versions that are READY (a listed version that does not exist, or is not READY, is skipped);
 * - plus every alias target and every `extraTargets` version (the traffic routes' targets), when READY.
 *
 * Without a policy the answer is empty, alias targets included: versions then load on demand only and the memory
 * budget may evict them, as before version policies existed. Pure: the caller reads the registry.
 *
 * @example
 * // versions 1, 2, 3 READY, `production` → 1:
 * policyVersions({ ...model, runtime: { versionPolicy: { latest: 2 } } }, versions, [{ version: 1 }]) // → [1, 2, 3]
 */
export function policyVersions(
  model: Pick<ModelRecord, 'runtime'>,
  versions: readonly Pick<VersionRecord, 'version' | 'state'>[],
  aliases: readonly { version: number }[],
  extraTargets: readonly number[] = [],
): number[] {
  const policy = model.runtime.versionPolicy;
  if (policy === undefined) return [];
  const ready = versions.filter((version) => version.state === 'READY').map((version) => version.version).sort((a, b) => a - b);
  const named = policy === 'all' ? ready
    : 'latest' in policy ? ready.slice(-policy.latest)
      : ready.filter((version) => policy.specific.includes(version));
  const targets = new Set([...aliases.map((alias) => alias.version), ...extraTargets]);
  return ready.filter((version) => named.includes(version) || targets.has(version));
}
