import { TENANT_NAME_PATTERN, fail } from '../core/index.js';
import type { UsageRow } from '../protocol/index.js';

/** Fields usage can be grouped by; `key` is the key id, `month` the `YYYY-MM` of the day. */
export const USAGE_GROUPS = ['day', 'month', 'tenant', 'key', 'model', 'version'] as const;
export type UsageGroup = (typeof USAGE_GROUPS)[number];

/** A usage question: days `from`..`to` (inclusive, UTC, `YYYY-MM-DD`), optionally one tenant, grouped by `groupBy`. */
export interface UsageQuery {
  from?: string;
  to?: string;
  tenant?: string;
  /** Grouping fields, in the order the answer is sorted by; empty: one total row. */
  groupBy: UsageGroup[];
}

/** The `UsageRow` property each grouping fills. */
export const USAGE_GROUP_FIELD: Readonly<Record<UsageGroup, 'day' | 'month' | 'tenant' | 'keyId' | 'model' | 'version'>> = Object.freeze({
  day: 'day', month: 'month', tenant: 'tenant', key: 'keyId', model: 'model', version: 'version',
});

/** The measured columns of a usage row, in CSV order. */
export const USAGE_METRICS = ['requests', 'errors', 'bytesIn', 'bytesOut', 'queueMs', 'computeMs'] as const;
export type UsageMetrics = Pick<UsageRow, (typeof USAGE_METRICS)[number]>;

/**
 * Checks a usage query strictly and returns a copy: real dates, `from` ≤ `to`, a valid tenant name, known and
 * distinct grouping fields. Throws `INVALID_PARAMETER` naming the bad value.
 *
 * @example parseUsageQuery({ from: '2025-01-01', groupBy: ['day', 'model'] })
 */
export function parseUsageQuery(query: UsageQuery): UsageQuery {
  if (typeof query !== 'object' || query === null) fail('INVALID_PARAMETER', 'A usage query must be an object with a groupBy array.');
  const from = query.from === undefined ? undefined : assertUtcDay('from', query.from);
  const to = query.to === undefined ? undefined : assertUtcDay('to', query.to);
  if (from !== undefined && to !== undefined && from > to) fail('INVALID_PARAMETER', `Usage range starts (${from}) after it ends (${to}): swap from and to.`);
  if (query.tenant !== undefined && (typeof query.tenant !== 'string' || !TENANT_NAME_PATTERN.test(query.tenant))) {
    fail('INVALID_PARAMETER', `Invalid tenant ${JSON.stringify(String(query.tenant).slice(0, 80))}: use ${TENANT_NAME_PATTERN.source}.`);
  }
  return { from, to, tenant: query.tenant, groupBy: parseUsageGroups(query.groupBy) };
}

/** Checks grouping fields: an array of distinct names from `USAGE_GROUPS`. */
export function parseUsageGroups(groupBy: readonly UsageGroup[]): UsageGroup[] {
  if (!Array.isArray(groupBy)) fail('INVALID_PARAMETER', `groupBy must be an array of ${USAGE_GROUPS.join(', ')}.`);
  const seen = new Set<string>();
  for (const group of groupBy) {
    if (!(USAGE_GROUPS as readonly unknown[]).includes(group)) {
      fail('INVALID_PARAMETER', `Unknown usage grouping ${JSON.stringify(String(group).slice(0, 40))}: use ${USAGE_GROUPS.join(', ')}.`);
    }
    if (seen.has(group)) fail('INVALID_PARAMETER', `Usage grouping "${group}" is listed twice: list each field once.`);
    seen.add(group);
  }
  return [...groupBy];
}

/** True for a real UTC day written `YYYY-MM-DD` (years 1970–9999). */
export function isUtcDay(text: unknown): text is string {
  if (typeof text !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(text) || text < '1970') return false;
  const date = new Date(`${text}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === text;
}

function assertUtcDay(name: string, value: unknown): string {
  if (!isUtcDay(value)) fail('INVALID_PARAMETER', `Invalid ${name} date ${JSON.stringify(String(value).slice(0, 40))}: use a real day written YYYY-MM-DD.`);
  return value;
}
