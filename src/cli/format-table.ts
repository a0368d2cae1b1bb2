/**
 * Aligned text tables for human output: columns padded to their widest cell, two spaces apart, no trailing blanks.
 *
 * @example
 * formatTable(['NAME', 'TASK'], [['iris', 'classification'], ['digits', '']]);
 * // NAME    TASK
 * // iris    classification
 * // digits
 */
export function formatTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((header, column) => Math.max(header.length, ...rows.map((row) => (row[column] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells.map((cell, column) => (column === cells.length - 1 ? cell : cell.padEnd(widths[column]))).join('  ').trimEnd();
  return [line(headers), ...rows.map(line)].join('\n');
}

/**
 * Label/value lines with the values aligned; a multi-line value continues under its first line.
 *
 * @example
 * formatFields([['version', '3'], ['state', 'READY']]);
 * // version  3
 * // state    READY
 */
export function formatFields(fields: ReadonlyArray<readonly [string, string]>): string {
  const width = Math.max(0, ...fields.map(([label]) => label.length));
  const indent = ' '.repeat(width + 2);
  return fields
    .map(([label, value]) => `${label.padEnd(width)}  ${value.split('\n').join(`\n${indent}`)}`.trimEnd())
    .join('\n');
}

/** Byte counts with decimal units: `512 B`, `12.3 kB`, `4.56 MB`, `1.20 GB`. */
export function formatBytes(bytes: number): string {
  if (bytes < 1000) return `${bytes} B`;
  const units = ['kB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = -1;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${value < 10 ? value.toFixed(2) : value < 100 ? value.toFixed(1) : value.toFixed(0)} ${units[unit]}`;
}

/** A short local-independent timestamp (`2025-01-31 12:34:56`) from an ISO string; other text is kept. */
export function formatTime(iso: string | null | undefined): string {
  if (!iso) return '';
  const match = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})/.exec(iso);
  return match ? `${match[1]} ${match[2]}` : iso;
}
