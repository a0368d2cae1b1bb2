import type { TenantInfo } from '../client/index.js';
import type { CommandGroup, SubcommandTable } from './command-group.js';
import { formatFields, formatTable, formatTime } from './format-table.js';
import { formatLimits, LIMIT_FLAGS, LIMIT_FLAGS_HELP, LIMIT_FLAGS_USAGE, limitsFromFlags } from './limit-flags.js';
import { expectPositionals } from './parse-args.js';
import { runSubcommand } from './run-subcommand.js';

const USAGE = `Usage:
  tessera tenants list
  tessera tenants create <name> ${LIMIT_FLAGS_USAGE}
  tessera tenants show <name>
  tessera tenants limits <name> [--clear] ${LIMIT_FLAGS_USAGE}
  tessera tenants delete <name>

${LIMIT_FLAGS_HELP}
"limits" changes the limits given and keeps the others (--clear drops them first); without flags it shows them.
Creating, limiting and deleting tenants needs an admin key; a tenant:admin key can list and show its own tenant.
Deleting a tenant disables its keys at once; its models stay.`;

const subcommands: SubcommandTable = {
  async list(context, rest) {
    expectPositionals(rest, [], 'tessera tenants list');
    const tenants = await context.client().tenants.list();
    context.result(tenants, () => formatTable(
      ['NAME', 'LIMITS', 'CREATED'],
      tenants.map((tenant) => [tenant.name, formatLimits(tenant.limits), formatTime(tenant.createdAt)]),
    ));
    return 0;
  },

  async create(context, rest, args) {
    const [name] = expectPositionals(rest, ['name'], 'tessera tenants create <name> [limit flags]');
    const limits = limitsFromFlags(args);
    const tenant = await context.client().tenants.create(limits === undefined ? { name } : { name, limits });
    context.result(tenant, () => `created tenant ${tenant.name}\n${describeTenant(tenant)}`);
    return 0;
  },

  async show(context, rest) {
    const [name] = expectPositionals(rest, ['name'], 'tessera tenants show <name>');
    const tenant = await context.client().tenants.get(name);
    context.result(tenant, () => describeTenant(tenant));
    return 0;
  },

  async limits(context, rest, args) {
    const [name] = expectPositionals(rest, ['name'], 'tessera tenants limits <name> [--clear] [limit flags]');
    const given = limitsFromFlags(args);
    const client = context.client();
    if (given === undefined && args.flags.clear !== true) {
      const tenant = await client.tenants.get(name);
      context.result(tenant, () => describeTenant(tenant));
      return 0;
    }
    const base = args.flags.clear === true ? {} : (await client.tenants.get(name)).limits;
    const tenant = await client.tenants.setLimits(name, { ...base, ...given });
    context.result(tenant, () => `limits of tenant ${tenant.name}: ${formatLimits(tenant.limits)}`);
    return 0;
  },

  async delete(context, rest) {
    const [name] = expectPositionals(rest, ['name'], 'tessera tenants delete <name>');
    await context.client().tenants.delete(name);
    context.result({ deleted: name }, () => `deleted tenant ${name}: its keys no longer work`);
    return 0;
  },
};

/** `tessera tenants …`: create, list, show, limit and delete tenants. */
export const tenantsCommand: CommandGroup = {
  name: 'tenants',
  summary: 'create, list, show, limit and delete tenants',
  usage: USAGE,
  flags: { ...LIMIT_FLAGS, clear: 'boolean' },
  run: (context, positionals, args) => runSubcommand('tenants', subcommands, context, positionals, args),
};

function describeTenant(tenant: TenantInfo): string {
  return formatFields([
    ['name', tenant.name],
    ['limits', formatLimits(tenant.limits)],
    ['created', formatTime(tenant.createdAt)],
  ]);
}
