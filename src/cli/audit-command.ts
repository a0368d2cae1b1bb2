import type { CommandGroup, SubcommandTable } from './command-group.js';
import { formatTable, formatTime } from './format-table.js';
import { expectPositionals, stringFlag, UsageError, type ParsedArgs } from './parse-args.js';
import { runSubcommand } from './run-subcommand.js';

const USAGE = `Usage:
  tessera audit [list] [--after N] [--limit N] [--tenant t]
  tessera audit verify

The audit log records every change (who, what, on which object, ok or refused), oldest first. list shows records
after seq N (--after), at most --limit (1 to 1000, default 100). An admin key reads every tenant (or one with
--tenant); a tenant:admin key reads its own tenant.
verify reads the whole log (admin key) and checks its hash chain: it prints "audit chain OK: <count> records,
head <hash>", or names the first edited, missing or reordered record on stderr and exits 1. Keep the head: a
removed last record shows only as a different head.`;

const subcommands: SubcommandTable = {
  async list(context, rest, args) {
    expectPositionals(rest, [], 'tessera audit list [--after N] [--limit N] [--tenant t]');
    const records = await context.client().audit.list({
      afterSeq: integerFlag(args, 'after'), limit: integerFlag(args, 'limit'), tenant: stringFlag(args, 'tenant'),
    });
    context.result(records, () => (records.length === 0 ? 'no audit records' : formatTable(
      ['SEQ', 'AT', 'TENANT', 'ACTOR', 'ACTION', 'TARGET', 'OUTCOME'],
      records.map((record) => [String(record.seq), formatTime(record.at), record.tenant, record.actor, record.action, record.target, record.outcome]),
    )));
    return 0;
  },

  async verify(context, rest) {
    expectPositionals(rest, [], 'tessera audit verify');
    const result = await context.client().audit.verify();
    context.result(result, () => (result.ok ? `audit chain OK: ${result.count} records, head ${result.head}` : ''));
    if (result.ok) return 0;
    context.note(`audit chain BROKEN at seq ${result.seq}: ${result.reason}`);
    if (/missing or out of order/.test(result.reason)) {
      context.note('hint: a tenant:admin key reads only its own tenant\'s records, which leaves gaps: verify with an admin key');
    }
    return 1;
  },
};

/** `tessera audit …`: list the audit log and verify its hash chain. */
export const auditCommand: CommandGroup = {
  name: 'audit',
  summary: 'list the audit log and verify its hash chain',
  usage: USAGE,
  flags: { after: 'string', limit: 'string', tenant: 'string' },
  run: (context, positionals, args) => runSubcommand('audit', subcommands, context, positionals.length === 0 ? ['list'] : positionals, args),
};

function integerFlag(args: ParsedArgs, name: string): number | undefined {
  const text = stringFlag(args, name);
  if (text === undefined) return undefined;
  if (!/^[0-9]{1,15}$/.test(text)) throw new UsageError(`--${name} takes a non-negative integer, got ${JSON.stringify(text)}`);
  return Number(text);
}
