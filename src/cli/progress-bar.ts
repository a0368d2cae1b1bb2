import { formatBytes } from './format-table.js';

/** Where progress goes: a writable text stream, redrawn in place when it is a TTY. */
export interface ProgressSink {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

/**
 * An upload progress bar: on a TTY it redraws one line (bar, percentage, bytes, MB/s) at most ten times a
 * second; elsewhere it prints a single summary line when done.
 *
 * @example
 * const bar = new ProgressBar(process.stderr, 'model.onnx', size);
 * bar.update(sent); … bar.finish();
 */
export class ProgressBar {
  private readonly started: number;
  private lastDraw = 0;
  private sent = 0;
  private doneAt: number | undefined;
  private drawn = false;

  constructor(
    private readonly sink: ProgressSink,
    private readonly label: string,
    private readonly total: number,
    private readonly clock: () => number = Date.now,
  ) {
    this.started = clock();
  }

  /** Records the bytes sent so far and redraws when due. */
  update(sent: number): void {
    this.sent = sent;
    const now = this.clock();
    if (sent >= this.total) this.doneAt ??= now;
    if (!this.sink.isTTY) return;
    if (now - this.lastDraw < 100 && sent < this.total) return;
    this.lastDraw = now;
    this.drawn = true;
    const waiting = this.doneAt !== undefined ? '  (server validating…)' : '';
    this.sink.write(`\r${this.line(true)}${waiting}\x1b[K`);
  }

  /** Ends the bar: the final state on its own line. */
  finish(): void {
    if (this.sink.isTTY) this.sink.write(`\r${this.line(true)}\x1b[K\n`);
    else this.sink.write(`${this.line(false)}\n`);
    this.drawn = false;
  }

  /** Clears a bar that was drawn (before printing an error). */
  abort(): void {
    if (this.sink.isTTY && this.drawn) this.sink.write('\r\x1b[K');
    this.drawn = false;
  }

  private line(withBar: boolean): string {
    const seconds = Math.max(((this.doneAt ?? this.clock()) - this.started) / 1000, 0.001);
    const fraction = this.total > 0 ? Math.min(this.sent / this.total, 1) : 1;
    const percent = `${Math.floor(fraction * 100)}%`.padStart(4);
    const rate = `${formatBytes(Math.round(this.sent / seconds))}/s`;
    const bytes = `${formatBytes(this.sent)} / ${formatBytes(this.total)}`;
    if (!withBar) return `uploaded ${this.label}: ${bytes} in ${seconds.toFixed(1)} s (${rate})`;
    const width = 24;
    const filled = Math.round(fraction * width);
    return `${this.label} [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${percent}  ${bytes}  ${rate}`;
  }
}
