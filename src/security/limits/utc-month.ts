/** Calendar-month helpers (UTC) shared by the monthly quotas and the usage meter. */

/** The UTC calendar month of `ms` as `YYYY-MM`. @example utcMonth(Date.UTC(2025, 0, 31)) // → '2025-01' */
export function utcMonth(ms: number): string {
  return new Date(ms).toISOString().slice(0, 7);
}

/** The start (ms) of the UTC month after the one containing `ms`. */
export function nextUtcMonthStart(ms: number): number {
  const date = new Date(ms);
  return Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 1);
}

/** True for a real month written `YYYY-MM` (years 1970–9999). */
export function isUtcMonth(text: string): boolean {
  const match = /^(\d{4})-(\d{2})$/.exec(text);
  if (!match) return false;
  const month = Number(match[2]);
  return Number(match[1]) >= 1970 && month >= 1 && month <= 12;
}
