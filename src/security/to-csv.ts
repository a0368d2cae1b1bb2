import type { UsageRow } from '../protocol/index.js';
import { USAGE_GROUP_FIELD, USAGE_METRICS, parseUsageGroups, type UsageGroup } from './usage-query.js';

/** First characters that make a spreadsheet read a cell as a formula (OWASP "CSV injection"). */
const FORMULA_START = /^[=+\-@\t\r]/;

/**
 * Usage rows as CSV (RFC 4180: CRLF line ends, fields with `"`, `,`, CR or LF quoted, quotes doubled), with a header
 * line naming the grouping fields (as `UsageRow` properties) then the metrics. A cell starting with `=`, `+`, `-`,
 * `@`, TAB or CR gets a leading `'` so a spreadsheet shows it as text instead of running it.
 *
 * @example toCsv(meter.query({ groupBy: ['day', 'model'] }), ['day', 'model'])
 * // → 'day,model,requests,errors,bytesIn,bytesOut,queueMs,computeMs\r\n2025-01-02,acme/mlp,3,0,120,48,0.5,7.25\r\n'
 */
export function toCsv(rows: readonly UsageRow[], groupBy: readonly UsageGroup[]): string {
  const columns = [...parseUsageGroups(groupBy).map((group) => USAGE_GROUP_FIELD[group]), ...USAGE_METRICS];
  const lines = [columns.map(csvCell), ...rows.map((row) => columns.map((column) => csvCell(row[column])))];
  return lines.map((cells) => `${cells.join(',')}\r\n`).join('');
}

/** One CSV field: formula-guarded, then quoted when needed. `undefined` and `null` become empty fields. */
export function csvCell(value: unknown): string {
  let text = value === undefined || value === null ? '' : String(value);
  if (FORMULA_START.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}
