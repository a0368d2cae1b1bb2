import { fail } from '../core/index.js';
import type { UsageRow } from '../protocol/index.js';
import { toCsv, type UsageEntry } from '../security/index.js';
import { isAdmin, type Caller } from './access.js';
import type { AppContext } from './app-context.js';

const GROUPS = ['day', 'month', 'tenant', 'key', 'model', 'version'] as const;
type Group = (typeof GROUPS)[number];

export interface UsageQuery {
  from?: string;
  to?: string;
  tenant?: string;
  groupBy?: string;
}

/** One finished inference request, as metered: the usage entry, with the caller in place of its tenant and key. */
export type MeteredRequest = Omit<UsageEntry, 'tenant' | 'keyId'> & { caller: Caller };

/** Usage per tenant, key, model, version and day. Tenant keys see only their own tenant. */
export class UsageService {
  constructor(private readonly context: AppContext) {}

  record(request: MeteredRequest): void {
    const { caller, ...rest } = request;
    this.context.usage.record({ tenant: caller.tenant, keyId: caller.keyId, ...rest });
  }

  query(caller: Caller, query: UsageQuery): { groupBy: Group[]; rows: UsageRow[] } {
    const groupBy = groupsOf(query.groupBy);
    const tenant = isAdmin(caller) ? query.tenant : caller.tenant;
    return { groupBy, rows: this.context.usage.query({ from: query.from, to: query.to, tenant, groupBy }) };
  }

  csv(caller: Caller, query: UsageQuery): string {
    const { groupBy, rows } = this.query(caller, query);
    return toCsv(rows, groupBy);
  }
}

function groupsOf(text: string | undefined): Group[] {
  if (text === undefined || text === '') return ['day', 'model'];
  const groups = text.split(',');
  for (const group of groups) {
    if (!GROUPS.includes(group as Group)) fail('INVALID_PARAMETER', `groupBy takes a comma-separated list of ${GROUPS.join(', ')}.`);
  }
  return [...new Set(groups)] as Group[];
}
