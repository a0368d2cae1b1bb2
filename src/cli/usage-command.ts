import type { UsageGroup, UsageRow } from '../client/index.js';
import type { CommandGroup } from './command-group.js';
import { formatBytes, formatTable } from './format-table.js';
import { expectPositionals, stringFlag, UsageError } from './parse-args.js';

const USAGE_LINE = 'tessera usage [--from YYYY-MM-DD] [--to YYYY-MM-DD] [--tenant t] [--group-by day,model] [--csv]';
const USAGE = `Usage:
  ${USAGE_LINE}

Metered inference requests, errors, bytes and milliseconds, per group (default: day,model). Groups: day, month,
tenant, key, model, version. Days are UTC and inclusive. A tenant key sees only its tenant; an admin key sees all
tenants, or one with --tenant. --csv prints CSV (for spreadsheets) instead of a table.`;

/** Column header and UsageRow field of each grouping. */
const GROUP_COLUMNS: Record<UsageGroup, readonly [header: string, field: keyof UsageRow]> = {
  day: ['DAY', 'day'], month: ['MONTH', 'month'], tenant: ['TENANT', 'tenant'], key: ['KEY', 'keyId'],
  model: ['MODEL', 'model'], version: ['VERSION', 'version'],
};

/** `tessera usage`: usage per day, model, key… as a table, CSV or JSON. */
export const usageCommand: CommandGroup = {
  name: 'usage',
  summary: 'show metered inference usage per day, model, key… (table, CSV or JSON)',
  usage: USAGE,
  flags: { from: 'string', to: 'string', tenant: 'string', 'group-by': 'string', csv: 'boolean' },
  async run(context, positionals, args) {
    expectPositionals(positionals, [], USAGE_LINE);
    const query = { from: stringFlag(args, 'from'), to: stringFlag(args, 'to'), tenant: stringFlag(args, 'tenant'), groupBy: stringFlag(args, 'group-by') };
    if (args.flags.csv === true) {
      if (context.json) throw new UsageError('give --csv or --json, not both');
      context.io.stdout.write(await context.client().usageCsv(query));
      return 0;
    }
    const report = await context.client().usage(query);
    context.result(report, () => (report.items.length === 0 ? 'no usage in this range' : formatUsageTable(report.groupBy, report.items)));
    return 0;
  },
};

function formatUsageTable(groupBy: readonly UsageGroup[], rows: readonly UsageRow[]): string {
  const groups = groupBy.map((group) => GROUP_COLUMNS[group] ?? [group.toUpperCase(), group as keyof UsageRow]);
  return formatTable(
    [...groups.map(([header]) => header), 'REQUESTS', 'ERRORS', 'IN', 'OUT', 'QUEUE MS', 'COMPUTE MS'],
    rows.map((row) => [
      ...groups.map(([, field]) => String(row[field] ?? '')),
      String(row.requests), String(row.errors), formatBytes(row.bytesIn), formatBytes(row.bytesOut),
      formatMs(row.queueMs), formatMs(row.computeMs),
    ]),
  );
}

function formatMs(ms: number): string {
  return ms >= 100 ? ms.toFixed(0) : ms.toFixed(2);
}
