import type { CreatedKey, KeyInfo, Scope } from '../client/index.js';
import type { CommandGroup, SubcommandTable } from './command-group.js';
import { formatFields, formatTable, formatTime } from './format-table.js';
import { formatLimits, LIMIT_FLAGS, LIMIT_FLAGS_HELP, LIMIT_FLAGS_USAGE, limitsFromFlags } from './limit-flags.js';
import { expectPositionals, stringFlag, UsageError, type ParsedArgs } from './parse-args.js';
import { runSubcommand } from './run-subcommand.js';

const CREATE_LINE = `tessera keys create --name <n> --scopes s1,s2 [--tenant t] [--models a,b] [--expires <ISO date-time>] ${LIMIT_FLAGS_USAGE}`;
const USAGE = `Usage:
  ${CREATE_LINE}
  tessera keys list [--tenant t]
  tessera keys show <id>
  tessera keys revoke <id>
  tessera keys rotate <id> [--overlap <seconds>]
  tessera keys rotate-master

Scopes: admin, tenant:admin, models:write, models:read, infer, metrics:read. A tenant:admin key manages the keys
of its own tenant (the default --tenant) and cannot grant admin or metrics:read.
--models limits the infer scope to those models (name, or tenant/model); --expires is e.g. 2027-01-01T00:00:00Z.
${LIMIT_FLAGS_HELP}
create and rotate print the secret once: the server keeps only a digest. rotate keeps the key's id; with
--overlap the previous secret keeps working that many seconds (up to 604800), else it stops at once.
rotate-master re-wraps every model's data key under a new master key (admin key; needs TESSERA_MASTER_KEY_FILE).`;

const subcommands: SubcommandTable = {
  async create(context, rest, args) {
    expectPositionals(rest, [], CREATE_LINE);
    const name = requiredFlag(args, 'name');
    const limits = limitsFromFlags(args);
    const created = await context.client().keys.create({
      name,
      scopes: (listFlag(args, 'scopes') ?? missingFlag('scopes')) as Scope[],
      tenant: stringFlag(args, 'tenant'),
      models: listFlag(args, 'models'),
      expiresAt: stringFlag(args, 'expires'),
      ...(limits === undefined ? {} : { limits }),
    });
    context.result(created, () => `created key ${created.id} (${created.name}) in tenant ${created.tenant}\n${describeKey(created)}\n\n${secretLines(created)}`);
    return 0;
  },

  async list(context, rest, args) {
    expectPositionals(rest, [], 'tessera keys list [--tenant t]');
    const keys = await context.client().keys.list({ tenant: stringFlag(args, 'tenant') });
    const now = Date.now();
    context.result(keys, () => (keys.length === 0 ? 'no keys' : formatTable(
      ['ID', 'NAME', 'TENANT', 'SCOPES', 'MODELS', 'STATE', 'EXPIRES', 'LAST USED'],
      keys.map((key) => [key.id, key.name, key.tenant, key.scopes.join(','), key.models?.join(',') ?? '*', keyState(key, now),
        formatTime(key.expiresAt) || '-', formatTime(key.lastUsedAt) || '-']),
    )));
    return 0;
  },

  async show(context, rest) {
    const [id] = expectPositionals(rest, ['id'], 'tessera keys show <id>');
    const key = await context.client().keys.get(id);
    context.result(key, () => describeKey(key));
    return 0;
  },

  async revoke(context, rest) {
    const [id] = expectPositionals(rest, ['id'], 'tessera keys revoke <id>');
    const key = await context.client().keys.revoke(id);
    context.result(key, () => `revoked key ${key.id} (${key.name}): it no longer works`);
    return 0;
  },

  async rotate(context, rest, args) {
    const [id] = expectPositionals(rest, ['id'], 'tessera keys rotate <id> [--overlap <seconds>]');
    const overlap = stringFlag(args, 'overlap');
    if (overlap !== undefined && !/^[0-9]{1,9}$/.test(overlap)) throw new UsageError(`--overlap takes a number of seconds, got ${JSON.stringify(overlap)}`);
    const rotated = await context.client().keys.rotate(id, overlap === undefined ? {} : { overlapSeconds: Number(overlap) });
    const previous = rotated.previousSecretExpiresAt === null
      ? 'the previous secret no longer works'
      : `the previous secret keeps working until ${formatTime(rotated.previousSecretExpiresAt)} UTC`;
    context.result(rotated, () => `rotated key ${rotated.id} (${rotated.name}): ${previous}\n\n${secretLines(rotated)}`);
    return 0;
  },

  'rotate-master': async (context, rest) => {
    expectPositionals(rest, [], 'tessera keys rotate-master');
    const rotation = await context.client().encryption.rotate();
    const skipped = rotation.skipped > 0 ? `, ${rotation.skipped} skipped (already corrupt)` : '';
    context.result(rotation, () => `master key rotated: ${rotation.from} -> ${rotation.to}; ${rotation.rewrapped} data keys re-wrapped${skipped}`);
    return 0;
  },
};

/** `tessera keys …`: create, list, show, revoke and rotate API keys; rotate the master key. */
export const keysCommand: CommandGroup = {
  name: 'keys',
  summary: 'create, list, show, revoke and rotate API keys; rotate the master key',
  usage: USAGE,
  flags: { name: 'string', scopes: 'string', tenant: 'string', models: 'string', expires: 'string', overlap: 'string', ...LIMIT_FLAGS },
  run: (context, positionals, args) => runSubcommand('keys', subcommands, context, positionals, args),
};

/** The secret and the warning that it is not shown again. */
function secretLines(key: CreatedKey): string {
  return `key: ${key.key}\nThis secret is shown only once: store it now (the server keeps only a digest and cannot show it again).`;
}

function describeKey(key: KeyInfo): string {
  return formatFields([
    ['id', key.id],
    ['name', key.name],
    ['tenant', key.tenant],
    ['scopes', key.scopes.join(', ')],
    ['models', key.models?.join(', ') ?? 'every model the tenant may use'],
    ['limits', formatLimits(key.limits)],
    ['state', keyState(key, Date.now())],
    ['expires', formatTime(key.expiresAt) || 'never'],
    ['created', `${formatTime(key.createdAt)} by ${key.createdBy}`],
    ['last used', formatTime(key.lastUsedAt) || 'never'],
    ...(key.revokedAt === null ? [] : [['revoked', formatTime(key.revokedAt)] as const]),
    ...(key.previousSecretExpiresAt === null ? [] : [['old secret until', formatTime(key.previousSecretExpiresAt)] as const]),
  ]);
}

/** `revoked`, `expired`, `rotating` (the previous secret still works) or `active`. */
function keyState(key: KeyInfo, now: number): string {
  if (key.revokedAt !== null) return 'revoked';
  if (key.expiresAt !== null && Date.parse(key.expiresAt) <= now) return 'expired';
  if (key.previousSecretExpiresAt !== null && Date.parse(key.previousSecretExpiresAt) > now) return 'rotating';
  return 'active';
}

function requiredFlag(args: ParsedArgs, name: string): string {
  return stringFlag(args, name) ?? missingFlag(name);
}

function missingFlag(name: string): never {
  throw new UsageError(`--${name} is required: usage: ${CREATE_LINE}`);
}

/** A comma-separated flag as a list (blank items dropped), or undefined when not given. */
function listFlag(args: ParsedArgs, name: string): string[] | undefined {
  const text = stringFlag(args, name);
  if (text === undefined) return undefined;
  const items = text.split(',').map((item) => item.trim()).filter((item) => item.length > 0);
  if (items.length === 0) throw new UsageError(`--${name} needs at least one value (comma-separated)`);
  return items;
}
