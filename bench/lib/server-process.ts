/**
 * A throwaway tessera server in a child process (`node dist/src/cli/main.js serve`), so it has a process of its own
 * like any other server the bench compares it with, plus helpers to read the CPU time of a process tree from /proc.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TesseraClient } from '../../src/client/index.js';
import { freePort } from '../../src/testing/index.js';
import { BENCH_KEY } from './server.js';

const CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

export interface ServerProcess {
  url: string;
  key: string;
  pid: number;
  client: TesseraClient;
  close(): Promise<void>;
}

/** Starts `tessera serve` on a free port with a fresh data folder and an environment without TESSERA_* variables. */
export async function startServerProcess(flags: string[] = []): Promise<ServerProcess> {
  const dataDir = await mkdtemp(join(tmpdir(), 'tessera-bench-'));
  const port = await freePort();
  const child: ChildProcess = spawn(process.execPath, [
    CLI, 'serve', '--port', String(port), '--data', dataDir, '--admin-key', BENCH_KEY,
    '--seed-default-model', 'false', '--log-level', 'warn', ...flags,
  ], { env: { PATH: process.env.PATH ?? '/usr/bin:/bin' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => { output = (output + chunk.toString()).slice(-4000); });
  child.stderr?.on('data', (chunk: Buffer) => { output = (output + chunk.toString()).slice(-4000); });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`tessera exited early: ${output}`);
    try {
      if ((await fetch(`${url}/v2/health/ready`)).status === 200) break;
    } catch { /* not listening yet */ }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`tessera did not become ready: ${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    url, key: BENCH_KEY, pid: child.pid!, client: new TesseraClient({ url, key: BENCH_KEY }),
    async close() {
      if (child.exitCode === null) {
        const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
        await exited;
        clearTimeout(timer);
      }
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** Direct children of a process (all its threads), from /proc (Linux only). */
export async function childPidsOf(pid: number): Promise<number[]> {
  const pids: number[] = [];
  const tasks = await readdir(`/proc/${pid}/task`).catch(() => [] as string[]);
  for (const task of tasks) {
    const text = await readFile(`/proc/${pid}/task/${task}/children`, 'utf8').catch(() => '');
    pids.push(...text.trim().split(/\s+/).filter(Boolean).map(Number));
  }
  return [...new Set(pids)];
}

/**
 * user + system CPU time in ms from /proc/<pid>/stat: of the whole process (all its threads), or with `tid` of that
 * one thread (`tid === pid` is the main thread, where Node's event loop runs); 0 when it is gone.
 */
export async function cpuMsOf(pid: number, tid?: number): Promise<number> {
  const text = await readFile(tid === undefined ? `/proc/${pid}/stat` : `/proc/${pid}/task/${tid}/stat`, 'utf8').catch(() => '');
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  // After "pid (comm) ", field 3 (state) is index 0: utime is field 14 → index 11, stime field 15 → index 12.
  const ticks = Number(fields[11] ?? 0) + Number(fields[12] ?? 0);
  return Number.isFinite(ticks) ? ticks * 10 : 0; // USER_HZ is 100 on Linux
}

/** Resident memory of a process from /proc/<pid>/status, in MiB: VmRSS and its anonymous part (RssAnon). */
export async function residentMiB(pid: number): Promise<{ rss: number; anon: number }> {
  const text = await readFile(`/proc/${pid}/status`, 'utf8');
  const kib = (field: string): number => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? NaN);
  return { rss: kib('VmRSS') / 1024, anon: kib('RssAnon') / 1024 };
}
