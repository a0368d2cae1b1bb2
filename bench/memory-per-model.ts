/**
 * Resident memory per loaded model: tessera's worker process vs onnxruntime's own for the same session.
 *  - tessera: `ModelRuntime` (the server's runtime, in this process) loads the model with 1 instance and runs it
 *    once; the worker's VmRSS (from /proc/<pid>/status) minus the VmRSS of an idle worker (the same worker script,
 *    started alongside and never given a model; onnxruntime-node is already imported in its session thread).
 *  - onnxruntime: a bare child (bench/lib/ort-memory-child.ts) imports onnxruntime-node, creates an InferenceSession
 *    from the same bytes with the same thread settings and runs it once; its VmRSS after that minus its VmRSS right
 *    after the import (like for like: the library is in both baselines). The VmRSS of the bare node before the
 *    import is read too, so the library's own share and a whole tessera worker can be put beside it.
 * A second reading after `--runs` runs in all (default 10, fresh input each) shows the steady state beside the goal's
 * one-run figure. Every process waits until its RSS is stable (< 0.25 MiB over 500 ms) before a reading; nothing forces a GC.
 * Rounds are independent (fresh processes each); figures are medians (range). Goal: tessera / onnxruntime ≤ 1.3×.
 *
 *   node dist/bench/memory-per-model.js [--rounds 3] [--models det,rec] [--threads <cores>] [--det-size 640] [--rec-width 320]
 *                                       [--runs 10] [--worker-gc true]
 * --worker-gc is a what-if: both tessera workers (idle and loaded) run a full GC on their main (IPC relay) thread every
 * 500 ms (`--expose-gc` + a preloaded interval, through WorkerProcess's execArgv); the loaded worker is then driven
 * through WorkerProcess directly (load with warm-up, then runs), since ModelRuntime does not pass V8 flags.
 */
import { fork } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { BUNDLED_MODELS } from '../src/bundled/index.js';
import { silentLogger } from '../src/core/index.js';
import { ModelRuntime } from '../src/runtime/index.js';
import { WorkerProcess } from '../src/runtime/worker/worker-process.js';
import { describeMachine, finish, flagNumber, formatSpread, parseBenchFlags, pseudoRandomFloats, spread, table, type GoalResult } from './lib/common.js';
import { residentMiB } from './lib/server-process.js';

interface Reading { rss: number; anon: number }
interface ModelCase { name: string; path: string; shape: number[] }
interface Round {
  idleWorker: Reading;
  loadedWorker: Reading;
  /** The tessera worker after `runs` runs in all. */
  workerAfterRuns: Reading;
  ortBare: Reading;
  ortImported: Reading;
  ortLoaded: Reading;
  ortAfterRuns: Reading;
}
type TesseraReadings = Pick<Round, 'idleWorker' | 'loadedWorker' | 'workerAfterRuns'>;
type OrtReadings = Pick<Round, 'ortBare' | 'ortImported' | 'ortLoaded' | 'ortAfterRuns'>;

async function main(): Promise<void> {
  const flags = parseBenchFlags();
  const threads = Math.round(flagNumber(flags, 'threads', availableParallelism()));
  const detSize = Math.round(flagNumber(flags, 'det-size', 640));
  const recWidth = Math.round(flagNumber(flags, 'rec-width', 320));
  const runs = Math.round(flagNumber(flags, 'runs', 10));
  const workerGc = flags.raw.get('worker-gc') === 'true';
  const cases: Record<string, ModelCase> = {
    det: { name: 'det (PP-OCRv4 detection, 4.7 MB)', path: BUNDLED_MODELS.detection, shape: [1, 3, detSize, detSize] },
    rec: { name: 'rec (PP-OCRv4 recognition, 10.8 MB)', path: BUNDLED_MODELS.recognition, shape: [1, 3, 48, recWidth] },
  };
  const selected = (flags.raw.get('models') ?? 'det,rec').split(',').map((key) => {
    const found = cases[key];
    if (found === undefined) throw new Error(`unknown model ${key}; known: ${Object.keys(cases).join(', ')}`);
    return found;
  });

  console.log('# memory-per-model: resident memory of a loaded model, tessera worker vs onnxruntime in a bare process');
  console.log(describeMachine());
  if (workerGc) console.log('what-if --worker-gc: the tessera workers\' main threads run gc() every 500 ms');
  console.log(`1 instance × ${threads} intra-op thread(s) (interOp 1) on both sides; one run on ${selected.map((c) => `${c.name.split(' ')[0]} ${c.shape.join('×')}`).join(', ')}; ${flags.rounds} round(s), fresh processes each`);

  const goals: GoalResult[] = [];
  const rows: (string | number)[][] = [];
  for (const model of selected) {
    const bytes = new Uint8Array(await readFile(model.path));
    const rounds: Round[] = [];
    for (let round = 0; round < flags.rounds; round++) {
      // Alternate which side goes first, so neither always meets a warmer page cache.
      const ortFirst = round % 2 === 1;
      const ortSide = (): Promise<OrtReadings> => ortChild(model, threads, runs);
      const a = ortFirst ? await ortSide() : undefined;
      const tessera = await tesseraSide(bytes, model, threads, runs, workerGc);
      const b = ortFirst ? a! : await ortSide();
      const result: Round = { ...tessera, ...b };
      rounds.push(result);
      console.log(`${model.name.split(' ')[0]} round ${round + 1}: tessera worker idle ${result.idleWorker.rss.toFixed(1)} → loaded ${result.loadedWorker.rss.toFixed(1)} MiB; `
        + `bare node ${result.ortBare.rss.toFixed(1)} → +onnxruntime ${result.ortImported.rss.toFixed(1)} → +session ${result.ortLoaded.rss.toFixed(1)} MiB; `
        + `after ${runs} runs: tessera ${result.workerAfterRuns.rss.toFixed(1)}, onnxruntime ${result.ortAfterRuns.rss.toFixed(1)} MiB`);
    }
    const tesseraDelta = rounds.map((r) => r.loadedWorker.rss - r.idleWorker.rss);
    const ortDelta = rounds.map((r) => r.ortLoaded.rss - r.ortImported.rss);
    const ortWithLibrary = rounds.map((r) => r.ortLoaded.rss - r.ortBare.rss);
    const ratio = spread(tesseraDelta.map((v, i) => v / ortDelta[i]));
    const anonRatio = spread(rounds.map((r) => (r.loadedWorker.anon - r.idleWorker.anon) / (r.ortLoaded.anon - r.ortImported.anon)));
    const wholeWorker = rounds.map((r) => r.loadedWorker.rss - r.ortBare.rss);
    const steady = spread(rounds.map((r) => (r.workerAfterRuns.rss - r.idleWorker.rss) / (r.ortAfterRuns.rss - r.ortImported.rss)));
    rows.push([
      model.name.split(' ')[0],
      formatSpread(spread(tesseraDelta), 1),
      formatSpread(spread(ortDelta), 1),
      formatSpread(ratio, 2, '×'),
      formatSpread(anonRatio, 2, '×'),
      formatSpread(spread(ortWithLibrary), 1),
      formatSpread(spread(rounds.map((r) => r.idleWorker.rss)), 1),
      formatSpread(spread(rounds.map((r) => r.loadedWorker.rss)), 1),
      formatSpread(spread(wholeWorker.map((v, i) => v / ortWithLibrary[i])), 2, '×'),
      `${formatSpread(spread(rounds.map((r) => r.workerAfterRuns.rss - r.idleWorker.rss)), 1)} / ${formatSpread(spread(rounds.map((r) => r.ortAfterRuns.rss - r.ortImported.rss)), 1)} = ${formatSpread(steady, 2, '×')}`,
    ]);
    goals.push({ goal: `memory per loaded model, ${model.name.split(' ')[0]}: tessera worker Δ / onnxruntime session Δ (VmRSS)`, target: '≤ 1.3×', measured: formatSpread(ratio, 2, '×'), met: ratio.median <= 1.3 });
  }
  console.log('');
  console.log(table(['model', 'tessera: loaded − idle worker MiB', 'onnxruntime: session + run MiB (after import)', 'ratio', 'ratio, anonymous RSS only', 'onnxruntime incl. library (− bare node) MiB', 'idle worker MiB', 'loaded worker MiB', 'whole worker − bare node vs onnxruntime incl. library', `after ${runs} runs: tessera Δ / onnxruntime Δ MiB`], rows));
  console.log('(RSS counts the shared onnxruntime library pages in every process that maps them; "anonymous" leaves file-backed pages out. '
    + 'A loaded version costs its whole worker process(es): with the default 2 instances, twice the "loaded worker" figure.)');
  finish(flags, { bench: 'memory-per-model', goals });
}

/** An idle worker and a ModelRuntime-loaded one (1 instance) side by side; their RSS once both are stable. */
async function tesseraSide(bytes: Uint8Array, model: ModelCase, threads: number, runs: number, workerGc: boolean): Promise<TesseraReadings> {
  const execArgv = workerGc ? ['--expose-gc', '--import', 'data:text/javascript,setInterval(() => globalThis.gc(), 500).unref();'] : undefined;
  const idle = new WorkerProcess({ settings: { intraOpThreads: threads }, runTimeoutMs: 60_000, execArgv });
  const runtime = new ModelRuntime(silentLogger);
  const direct = workerGc ? new WorkerProcess({ settings: { intraOpThreads: threads }, runTimeoutMs: 60_000, execArgv }) : undefined;
  try {
    const data = pseudoRandomFloats(model.shape.reduce((a, b) => a * b, 1));
    const inputs = [{ name: 'x', datatype: 'FP32' as const, shape: model.shape, data }];
    let runOnce: () => Promise<unknown>;
    if (direct === undefined) {
      await runtime.load('m', async () => bytes, { instances: 1, intraOpThreads: threads, timeoutMs: 60_000, maxQueue: 16, pipelineDepth: 2 });
      runOnce = () => runtime.infer('m', { inputs, outputs: [] });
    } else {
      await direct.load(bytes, true);
      runOnce = () => direct.run(inputs, []);
    }
    await runOnce();
    const pid = direct?.pid ?? runtime.status('m')?.workerPids[0];
    if (pid === undefined || idle.pid === undefined) throw new Error('no worker pid');
    const [idleWorker, loadedWorker] = await Promise.all([settledRss(idle.pid), settledRss(pid)]);
    for (let i = 1; i < runs; i++) await runOnce();
    const workerAfterRuns = await settledRss(pid);
    return { idleWorker, loadedWorker, workerAfterRuns };
  } finally {
    await runtime.close();
    await direct?.stop();
    await idle.stop();
  }
}

function ortChild(model: ModelCase, threads: number, runs: number): Promise<OrtReadings> {
  const child = fork(new URL('./lib/ort-memory-child.js', import.meta.url), [model.path, String(threads), 'x', model.shape.join(','), String(runs)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return new Promise((resolve, reject) => {
    child.once('message', (m: { bare: Reading; imported: Reading; loaded: Reading; afterRuns: Reading }) => resolve({ ortBare: m.bare, ortImported: m.imported, ortLoaded: m.loaded, ortAfterRuns: m.afterRuns }));
    child.once('exit', (code) => reject(new Error(`onnxruntime child exited with ${code} before reporting`)));
    child.once('error', reject);
  });
}

/** RSS of another process once it moves less than 0.25 MiB over 500 ms (at most 8 s). */
async function settledRss(pid: number, maxMs = 8000): Promise<Reading> {
  const started = Date.now();
  let last = await residentMiB(pid);
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, 500));
    const now = await residentMiB(pid);
    if (Math.abs(now.rss - last.rss) < 0.25 || Date.now() - started > maxMs) return now;
    last = now;
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
