import { fail } from '../core/index.js';
import type { BatchingSettings, ModelRuntimeSettings, VersionPolicy } from '../protocol/index.js';

/** Checks a model's `runtime` settings field by field; unknown fields are refused. */

const INTEGER_FIELDS = {
  instances: [1, 16], intraOpThreads: [0, 64], timeoutMs: [10, 3_600_000], maxQueue: [1, 100_000],
} as const satisfies Partial<Record<keyof ModelRuntimeSettings, readonly [number, number]>>;

const BATCHING_FIELDS = {
  maxBatchSize: [1, 4096], maxQueueDelayUs: [0, 1_000_000], priorityLevels: [1, 10],
} as const satisfies Partial<Record<keyof BatchingSettings, readonly [number, number]>>;

const MAX_CACHE_BYTES = 8 * 1024 ** 3;
const MAX_POLICY_VERSIONS = 100;
const ACCEPTED = [...Object.keys(INTEGER_FIELDS), 'batching', 'cache', 'pinned', 'versionPolicy'];

export function parseRuntimeSettings(value: unknown): ModelRuntimeSettings {
  const fields = plainObject(value, 'runtime');
  const out: ModelRuntimeSettings = {};
  for (const [key, raw] of Object.entries(fields)) {
    if (key === 'batching') out.batching = parseBatching(raw);
    else if (key === 'cache') out.cache = parseCache(raw);
    else if (key === 'versionPolicy') out.versionPolicy = parseVersionPolicy(raw);
    else if (key === 'pinned') {
      if (typeof raw !== 'boolean') fail('INVALID_REQUEST', 'runtime.pinned must be true or false.');
      out.pinned = raw;
    }
    else if (Object.hasOwn(INTEGER_FIELDS, key)) {
      out[key as keyof typeof INTEGER_FIELDS] = integer(raw, `runtime.${key}`, INTEGER_FIELDS[key as keyof typeof INTEGER_FIELDS]);
    } else {
      fail('INVALID_REQUEST', `Unknown runtime setting "${key.slice(0, 40)}"; accepted: ${ACCEPTED.join(', ')}.`);
    }
  }
  return out;
}

function parseBatching(value: unknown): BatchingSettings {
  const fields = plainObject(value, 'runtime.batching');
  const out: Partial<BatchingSettings> = {};
  for (const [key, raw] of Object.entries(fields)) {
    if (key === 'preferredBatchSizes') continue;
    if (!Object.hasOwn(BATCHING_FIELDS, key)) {
      fail('INVALID_REQUEST', `Unknown batching setting "${key.slice(0, 40)}"; accepted: ${[...Object.keys(BATCHING_FIELDS), 'preferredBatchSizes'].join(', ')}.`);
    }
    out[key as keyof typeof BATCHING_FIELDS] = integer(raw, `runtime.batching.${key}`, BATCHING_FIELDS[key as keyof typeof BATCHING_FIELDS]);
  }
  if (out.maxBatchSize === undefined) fail('INVALID_REQUEST', 'runtime.batching.maxBatchSize is required.');
  if (fields.preferredBatchSizes !== undefined) out.preferredBatchSizes = preferredSizes(fields.preferredBatchSizes, out.maxBatchSize);
  return out as BatchingSettings;
}

function preferredSizes(value: unknown, max: number): number[] {
  if (!Array.isArray(value) || value.length > 16) fail('INVALID_REQUEST', 'runtime.batching.preferredBatchSizes must be an array of at most 16 sizes.');
  const sizes = value.map((size) => integer(size, 'runtime.batching.preferredBatchSizes[]', [1, max]));
  return [...new Set(sizes)].sort((a, b) => a - b);
}

/** `{"latest": 1–100}`, `"all"` or `{"specific": [1–100 positive version numbers]}` (duplicates dropped, sorted). */
function parseVersionPolicy(value: unknown): VersionPolicy {
  const accepted = 'runtime.versionPolicy must be {"latest": <n>}, "all" or {"specific": [<version>, …]}.';
  if (value === 'all') return 'all';
  if (typeof value !== 'object' || value === null || Array.isArray(value) || Object.keys(value).length !== 1) fail('INVALID_REQUEST', accepted);
  const fields = value as Record<string, unknown>;
  if (Object.hasOwn(fields, 'latest')) return { latest: integer(fields.latest, 'runtime.versionPolicy.latest', [1, MAX_POLICY_VERSIONS]) };
  if (!Object.hasOwn(fields, 'specific')) fail('INVALID_REQUEST', accepted);
  const list = fields.specific;
  if (!Array.isArray(list) || list.length === 0 || list.length > MAX_POLICY_VERSIONS) {
    fail('INVALID_REQUEST', `runtime.versionPolicy.specific must be an array of 1 to ${MAX_POLICY_VERSIONS} version numbers.`);
  }
  const versions = list.map((version) => integer(version, 'runtime.versionPolicy.specific[]', [1, Number.MAX_SAFE_INTEGER]));
  return { specific: [...new Set(versions)].sort((a, b) => a - b) };
}

function parseCache(value: unknown): { maxBytes: number } {
  const fields = plainObject(value, 'runtime.cache');
  if (Object.keys(fields).some((key) => key !== 'maxBytes')) fail('INVALID_REQUEST', 'runtime.cache takes only {"maxBytes": <bytes>}.');
  return { maxBytes: integer(fields.maxBytes, 'runtime.cache.maxBytes', [1024, MAX_CACHE_BYTES]) };
}

function integer(raw: unknown, name: string, [min, max]: readonly [number, number]): number {
  if (!Number.isInteger(raw) || (raw as number) < min || (raw as number) > max) fail('INVALID_REQUEST', `${name} must be an integer from ${min} to ${max}.`);
  return raw as number;
}

function plainObject(value: unknown, field: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail('INVALID_REQUEST', `Field "${field}" must be an object.`);
  return value as Record<string, unknown>;
}
