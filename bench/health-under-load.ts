/**
 * Liveness under load: `GET /v2/health/live` latency (sequential probes, one every ~5 ms) while a closed loop of
 * inference requests keeps both cores busy, against the same probes on an idle server. Load generator and prober
 * each run in their own worker thread, so neither delays the other; the server runs on this process's main thread.
 * Phases (idle, cls load, det load) are interleaved and rotated each round. Goal: probe p99 ≤ 10 ms under load.
 *
 *   node dist/bench/health-under-load.js [--rounds 3] [--scale 1] [--seconds 6] [--interval-ms 5]
 *                                        [--cls-concurrency 4] [--det-concurrency 2] [--det-size 640]
 *                                        [--nice-workers N]   (what-if: renice the model worker processes by N)
 */
import { readdir, readFile } from 'node:fs/promises';
import { setPriority } from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { BUNDLED_MODELS } from '../src/bundled/index.js';
import { encodeInferRequest } from '../src/client/index.js';
import {
  cpuBusyShare, cpuSample, describeMachine, finish, flagNumber, formatSpread, ms, parseBenchFlags, pseudoRandomFloats,
  quantile, roundOrder, spread, table, type GoalResult,
} from './lib/common.js';
import { runHttpTask, type HttpTarget, type LoadResult } from './lib/http-load.js';
import { startBenchServer } from './lib/server.js';

interface PhaseResult {
  probes: LoadResult;
  load?: LoadResult;
  loopP99Ms: number;
  loopMaxMs: number;
  cpuBusy: number;
}

async function main(): Promise<void> {
  const flags = parseBenchFlags();
  const phaseMs = flagNumber(flags, 'seconds', 6) * 1000 * flags.scale;
  const warmupMs = 1500;
  const intervalMs = flagNumber(flags, 'interval-ms', 5);
  const clsConcurrency = Math.round(flagNumber(flags, 'cls-concurrency', 4));
  const detConcurrency = Math.round(flagNumber(flags, 'det-concurrency', 2));
  const detSize = Math.round(flagNumber(flags, 'det-size', 640));

  console.log('# health-under-load: /v2/health/live latency while inference keeps the cores busy');
  console.log(describeMachine());
  console.log(`probes every ${intervalMs} ms (sequential, own worker thread); ${flags.rounds} rounds of ${(phaseMs / 1000).toFixed(1)} s per phase; server: default instances and intra-op threads (2 × 1 on 2 cores)`);

  const server = await startBenchServer();
  try {
    await server.addModel({ name: 'cls', description: 'PP-OCR text orientation (bench)' }, new Uint8Array(await readFile(BUNDLED_MODELS.textOrientation)));
    await server.addModel({ name: 'det', description: 'PP-OCRv4 text detection (bench)' }, BUNDLED_MODELS.detection);
    const auth = { authorization: `Bearer ${server.key}` };
    const target = (model: string, shape: number[]): HttpTarget => {
      const count = shape.reduce((a, b) => a * b, 1);
      const { body, headers } = encodeInferRequest([{ name: 'x', datatype: 'FP32', shape, data: pseudoRandomFloats(count) }], { binary: true });
      return { url: server.url, path: `/v2/models/${model}/infer`, method: 'POST', headers: { ...headers, ...auth }, body: body as Uint8Array };
    };
    const loads: Record<string, { target: HttpTarget; concurrency: number } | undefined> = {
      idle: undefined,
      [`cls c=${clsConcurrency}`]: { target: target('cls', [1, 3, 48, 192]), concurrency: clsConcurrency },
      [`det ${detSize}² c=${detConcurrency}`]: { target: target('det', [1, 3, detSize, detSize]), concurrency: detConcurrency },
    };
    // Load both models (on demand) before timing.
    for (const load of Object.values(loads)) {
      if (load) await runHttpTask({ kind: 'closed-loop', target: load.target, options: { concurrency: 1, warmupMs: 0, durationMs: 500 } });
    }
    const nice = flags.raw.get('nice-workers');
    if (nice !== undefined) {
      const pids = await childPids();
      for (const pid of pids) setPriority(pid, Number(nice));
      console.log(`what-if: reniced ${pids.length} worker process(es) to nice ${nice}`);
    }
    const probeTarget: HttpTarget = { url: server.url, path: '/v2/health/live', method: 'GET' };

    const names = Object.keys(loads);
    const results = new Map<string, PhaseResult[]>(names.map((name) => [name, []]));
    for (let round = 0; round < flags.rounds; round++) {
      const parts: string[] = [];
      for (const name of roundOrder(names, round)) {
        const result = await phase(probeTarget, loads[name], intervalMs, warmupMs, phaseMs);
        results.get(name)!.push(result);
        parts.push(`${name}: p99 ${ms(quantile(result.probes.latenciesMs, 0.99))} ms${result.load ? ` (${result.load.rate.toFixed(0)} inf/s)` : ''}`);
      }
      console.log(`round ${round + 1}: ${parts.join(', ')}`);
    }

    const idleP99 = results.get('idle')!.map((r) => quantile(r.probes.latenciesMs, 0.99));
    const rows = names.map((name) => {
      const list = results.get(name)!;
      const all = list.flatMap((r) => r.probes.latenciesMs);
      const p99s = list.map((r) => quantile(r.probes.latenciesMs, 0.99));
      return [
        name,
        all.length,
        ms(quantile(all, 0.5), 2),
        formatSpread(spread(p99s), 2),
        ms(Math.max(...all), 1),
        formatSpread(spread(p99s.map((v, i) => v / idleP99[i])), 1, '×'),
        ms(quantile(list.map((r) => r.loopP99Ms), 0.5), 1),
        ms(Math.max(...list.map((r) => r.loopMaxMs)), 1),
        list[0].load ? formatSpread(spread(list.map((r) => r.load!.rate)), 0) : '—',
        `${(quantile(list.map((r) => r.cpuBusy), 0.5) * 100).toFixed(0)} %`,
        list.reduce((n, r) => n + r.probes.errors + (r.load?.errors ?? 0), 0),
      ];
    });
    console.log('');
    console.log(table(['phase', 'probes', 'p50 ms (all)', 'p99 ms per round', 'max ms (all)', 'p99 vs idle (same round)', 'server event-loop delay p99 ms', 'loop delay max ms', 'load inferences/s', 'machine CPU busy', 'errors'], rows));
    for (const list of results.values()) {
      const error = list.flatMap((r) => [r.probes.firstError, r.load?.firstError]).find((e) => e !== undefined);
      if (error) console.log(`first error: ${error}`);
    }

    const goals: GoalResult[] = names.filter((name) => name !== 'idle').map((name) => {
      const s = spread(results.get(name)!.map((r) => quantile(r.probes.latenciesMs, 0.99)));
      return { goal: `/v2/health/live p99 under ${name} load`, target: '≤ 10 ms', measured: `${formatSpread(s, 2)} ms`, met: s.median <= 10 };
    });
    goals.push({
      goal: '/v2/health/live p99, idle server (reference)', target: '—',
      measured: `${formatSpread(spread(idleP99), 2)} ms`, met: null,
    });
    finish(flags, { bench: 'health-under-load', goals });
  } finally {
    await server.close();
  }
}

async function phase(probeTarget: HttpTarget, load: { target: HttpTarget; concurrency: number } | undefined, intervalMs: number, warmupMs: number, phaseMs: number): Promise<PhaseResult> {
  // The load runs a little longer on both sides so the probe window lies inside it.
  const loading = load === undefined ? undefined
    : runHttpTask({ kind: 'closed-loop', target: load.target, options: { concurrency: load.concurrency, warmupMs, durationMs: phaseMs + 500 } });
  const probing = runHttpTask({ kind: 'probe', target: probeTarget, options: { intervalMs, warmupMs: warmupMs + 250, durationMs: phaseMs } });
  const loop = monitorEventLoopDelay({ resolution: 1 });
  let cpuFrom = cpuSample();
  let cpuTo = cpuFrom;
  const started = setTimeout(() => { loop.enable(); cpuFrom = cpuSample(); }, warmupMs + 250);
  const stopped = setTimeout(() => { loop.disable(); cpuTo = cpuSample(); }, warmupMs + 250 + phaseMs);
  const [probes, loadResult] = await Promise.all([probing, loading]);
  clearTimeout(started);
  clearTimeout(stopped);
  loop.disable();
  if (cpuTo === cpuFrom) cpuTo = cpuSample();
  return {
    probes, ...(loadResult ? { load: loadResult } : {}),
    loopP99Ms: loop.percentile(99) / 1e6, loopMaxMs: loop.max / 1e6, cpuBusy: cpuBusyShare(cpuFrom, cpuTo),
  };
}

/** Child processes of this process (the model workers), from /proc (Linux only). */
async function childPids(): Promise<number[]> {
  const pids: number[] = [];
  for (const task of await readdir(`/proc/${process.pid}/task`)) {
    const text = await readFile(`/proc/${process.pid}/task/${task}/children`, 'utf8').catch(() => '');
    pids.push(...text.trim().split(/\s+/).filter(Boolean).map(Number));
  }
  return pids;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
