import { fail } from '../core/index.js';
import type { AuditRecord } from '../protocol/index.js';
import { isAdmin, type Caller } from './access.js';
import type { AppContext } from './app-context.js';

/** One change to record: who, what, on which object, how it ended. */
export interface AuditEntry {
  actor: string;
  tenant: string;
  action: string;
  target: string;
  outcome: 'ok' | 'refused';
  requestId: string;
  details?: Record<string, unknown>;
}

/** The hash-chained audit trail. Server admins read all of it; tenant admins their tenant's records. */
export class AuditService {
  constructor(private readonly context: AppContext) {}

  record(entry: AuditEntry): AuditRecord {
    return this.context.audit.append(entry);
  }

  list(caller: Caller, query: { afterSeq?: string; limit?: string; tenant?: string }): AuditRecord[] {
    const afterSeq = query.afterSeq === undefined ? undefined : integer(query.afterSeq, 'afterSeq', 0, Number.MAX_SAFE_INTEGER);
    const limit = query.limit === undefined ? undefined : integer(query.limit, 'limit', 1, 1000);
    const tenant = isAdmin(caller) ? query.tenant : caller.tenant;
    return this.context.audit.list({ tenant, afterSeq, limit });
  }
}

function integer(text: string, name: string, min: number, max: number): number {
  const value = Number(text);
  if (!/^[0-9]{1,16}$/.test(text) || value < min || value > max) fail('INVALID_PARAMETER', `${name} must be an integer from ${min} to ${max}.`);
  return value;
}
