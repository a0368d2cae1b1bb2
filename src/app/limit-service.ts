import { LimitEnforcer, type Admission } from '../security/index.js';
import type { Caller } from './access.js';
import type { AppContext } from './app-context.js';

export type { Admission };

/**
 * Rate limits, concurrency limits and monthly quotas of the calling key and of its tenant, both checked on every
 * request. Monthly counters start from the metered usage, so a restart does not hand out a fresh quota.
 */
export class LimitService {
  private readonly enforcer = new LimitEnforcer();

  constructor(private readonly context: AppContext, now = new Date()) {
    const month = now.toISOString().slice(0, 7);
    for (const total of context.usage.monthTotals(month)) {
      this.enforcer.seedMonthlyUsage(total.subjectId, month, total.requests, total.computeMs);
    }
  }

  /** `inference` requests also take a concurrency slot and count against the monthly quotas. */
  admit(caller: Caller, kind: 'request' | 'inference'): Admission {
    const tenantLimits = this.context.tenants.get(caller.tenant)?.limits ?? {};
    return this.enforcer.admit([
      { id: `key:${caller.keyId}`, limits: caller.limits },
      { id: `tenant:${caller.tenant}`, limits: tenantLimits },
    ], kind);
  }
}
