/**
 * CPU used by processes outside this process's tree while a benchmark runs (Linux /proc): on a shared 2-core box a
 * neighbour's build or test run can halve a phase, and a ratio measured then means little. Sampled once a second;
 * reported, never acted on.
 */
import { readdirSync, readFileSync } from 'node:fs';

interface ProcSample { ppid: number; ticks: number }

export interface NeighbourReport {
  /** CPU seconds used by other processes during the watch. */
  cpuSeconds: number;
  /** Share of the machine's capacity (cores × wall time) they used, 0..1. */
  share: number;
  /** The heaviest ones, "command: seconds". */
  top: string[];
}

function readProcs(): Map<number, ProcSample> {
  const out = new Map<number, ProcSample>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out.set(Number(name), { ppid: Number(fields[1]), ticks: Number(fields[11]) + Number(fields[12]) });
    } catch { /* gone */ }
  }
  return out;
}

function commandOf(pid: number): string {
  try {
    const command = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ').trim().slice(0, 80);
    return command === '' ? `pid ${pid}` : command;
  } catch {
    return `pid ${pid}`;
  }
}

/** Starts watching; `stop()` returns what other processes used meanwhile. */
export function watchNeighbours(cores: number): { stop(): NeighbourReport } {
  const started = Date.now();
  let previous = readProcs();
  const used = new Map<number, number>();
  const sample = (): void => {
    const now = readProcs();
    const mine = new Set([process.pid]);
    for (let grew = true; grew;) {
      grew = false;
      for (const [pid, proc] of now) if (!mine.has(pid) && mine.has(proc.ppid)) { mine.add(pid); grew = true; }
    }
    for (const [pid, proc] of now) {
      if (mine.has(pid)) continue;
      const before = previous.get(pid)?.ticks;
      // A process born between samples counts from zero (its whole life lies inside the watch).
      const delta = proc.ticks - (before ?? 0);
      if (delta > 0) used.set(pid, (used.get(pid) ?? 0) + delta);
    }
    previous = now;
  };
  const names = new Map<number, string>();
  const timer = setInterval(() => {
    sample();
    for (const pid of used.keys()) if (!names.has(pid)) names.set(pid, commandOf(pid));
  }, 1000);
  timer.unref();
  return {
    stop() {
      clearInterval(timer);
      sample();
      const ticks = [...used.values()].reduce((a, b) => a + b, 0);
      const byCommand = new Map<string, number>();
      for (const [pid, t] of used) {
        const name = names.get(pid) ?? commandOf(pid);
        byCommand.set(name, (byCommand.get(name) ?? 0) + t);
      }
      const wallSeconds = (Date.now() - started) / 1000;
      return {
        cpuSeconds: ticks / 100,
        share: wallSeconds > 0 ? ticks / 100 / (wallSeconds * cores) : 0,
        top: [...byCommand].sort((a, b) => b[1] - a[1]).filter(([, t]) => t >= 50).slice(0, 3).map(([name, t]) => `${name}: ${(t / 100).toFixed(1)} s`),
      };
    },
  };
}
