/**
 * `tessera bench`: the measurement engine with a fake clock and fake senders (open-loop schedule and latency from
 * the schedule, closed loop, percentiles, the server-statistics split, flags), then the command against a real
 * server (closed loop, open loop, CSV, the runtime-settings sweep and its restore, Ctrl-C). Durations are short and
 * nothing asserts on absolute speed.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  CSV_COLUMNS, arrivalGaps, benchInputs, candidateRuntime, medianLevel, parseDuration, parseShapeFlag, percentile, recommend,
  resolveShapes, runClosedLoop, runOpenLoop, statsDelta, summarizeLatencies, sweepCandidates,
  type BenchClock, type BenchReport, type LevelReport, type SweepResult,
} from '../src/cli/bench/index.js';
import { runCli } from '../src/cli/index.js';
import type { ModelStatistics } from '../src/client/index.js';
import { buildMlp, startTestServer, type TestServer } from '../src/testing/index.js';

const CLI = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
const SHORT = ['--warmup', '0.2s', '--duration', '0.8s'];

/**
 * A discrete-event clock: `sleep` registers a timer; `run` lets every promise chain settle, then jumps to the
 * earliest timer, until the awaited promise settles. `stall` moves time on synchronously, like a blocked event loop.
 */
class FakeClock implements BenchClock {
  time = 0;
  private timers: Array<{ at: number; seq: number; resolve: () => void }> = [];
  private seq = 0;

  now(): number {
    return this.time;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      if (ms <= 0 || signal?.aborted) {
        resolve();
        return;
      }
      const timer = { at: this.time + ms, seq: this.seq++, resolve };
      this.timers.push(timer);
      signal?.addEventListener('abort', () => {
        this.timers = this.timers.filter((other) => other !== timer);
        resolve();
      }, { once: true });
    });
  }

  stall(ms: number): void {
    this.time += ms;
  }

  /** Advances time by `ms`, firing the timers due on the way, and calls `action` there. */
  at(ms: number, action: () => void): void {
    void this.sleep(ms - this.time).then(action);
  }

  async run<T>(promise: Promise<T>): Promise<T> {
    let settled = false;
    promise.then(() => { settled = true; }, () => { settled = true; });
    for (let idle = 0; !settled;) {
      await new Promise((resolve) => setImmediate(resolve));
      if (settled) break;
      if (this.timers.length === 0) {
        if (++idle > 100) throw new Error('fake clock: nothing scheduled and the run does not end');
        continue;
      }
      this.timers.sort((a, b) => a.at - b.at || a.seq - b.seq);
      const next = this.timers.shift()!;
      this.time = Math.max(this.time, next.at);
      next.resolve();
    }
    return promise;
  }
}

/** A sender that answers after `serviceMs` of fake time; `onSend(n)` runs synchronously as request n leaves. */
function fakeSender(clock: FakeClock, serviceMs: number, onSend: (n: number) => void = () => undefined) {
  let sent = 0;
  return async (signal: AbortSignal) => {
    onSend(sent++);
    await clock.sleep(serviceMs, signal);
    if (signal.aborted) throw Object.assign(new Error('aborted'), { name: 'AbortError' });
    return { ok: true };
  };
}

function stats(success: number, queueNs: number, computeNs: number, batches: Array<[size: number, count: number]>): ModelStatistics {
  const zero = { count: 0, ns: 0 };
  return {
    name: 'm', version: '1', last_inference: 0, inference_count: success, execution_count: batches.reduce((sum, [, count]) => sum + count, 0),
    inference_stats: {
      success: { count: success, ns: 0 }, fail: zero, queue: { count: success, ns: queueNs }, compute_input: zero,
      compute_infer: { count: success, ns: computeNs }, compute_output: zero, cache_hit: zero, cache_miss: zero,
    },
    batch_stats: batches.map(([size, count]) => ({ batch_size: size, compute_input: zero, compute_infer: { count, ns: 0 }, compute_output: zero })),
  };
}

describe('bench engine (fake clock, fake sender)', () => {
  it('open loop: a sender stalled 200 ms makes the queued requests\' latency include the stall (no coordinated omission)', async () => {
    const clock = new FakeClock();
    // 100 requests/s on a fixed schedule (every 10 ms), 5 ms service; request #20 (due at 200 ms) stalls the
    // sender for 200 ms as it leaves, so the requests due at 210…390 ms go out late, at 400 ms.
    const send = fakeSender(clock, 5, (n) => { if (n === 20) clock.stall(200); });
    const run = await clock.run(runOpenLoop(send, { rate: 100, warmupMs: 0, durationMs: 1000, maxInflight: 1000, clock }));
    assert.equal(run.scheduled, 100);
    assert.equal(run.latenciesMs.length, 100);
    assert.equal(run.dropped, 0);
    assert.deepEqual(run.errors, {});
    assert.equal(run.late, 19, 'the requests due at 210…390 ms were sent late');
    assert.equal(run.maxSendLagMs, 190);
    const sorted = [...run.latenciesMs].sort((a, b) => a - b);
    assert.equal(sorted.at(-1), 205, 'the stalled request: 200 ms stall + 5 ms service');
    assert.equal(sorted.at(-2), 195, 'due at 210 ms, sent at 400, answered at 405');
    assert.equal(sorted.filter((ms) => ms >= 100).length, 11, 'every request queued behind the stall carries it (due 200…300 ms)');
    assert.equal(sorted[0], 5);
    const summary = summarizeLatencies(run.latenciesMs);
    assert.equal(summary.p99, 195);
    assert.equal(summary.max, 205);
    assert.equal(run.achievedRate, 100, 'every request went out inside the window');
    assert.equal(run.windowMs, 1000);
  });

  it('closed loop under the same stall records it once (why the open loop exists)', async () => {
    const clock = new FakeClock();
    const send = fakeSender(clock, 5, (n) => { if (n === 20) clock.stall(200); });
    const run = await clock.run(runClosedLoop(send, { concurrency: 1, warmupMs: 0, durationMs: 1000, clock }));
    assert.equal(run.latenciesMs.filter((ms) => ms >= 100).length, 1);
    assert.ok(run.completedInWindow > 100 && run.completedInWindow < 200, String(run.completedInWindow));
  });

  it('open loop: Poisson arrivals keep the mean rate; a late schedule is never skipped; the in-flight bound drops', async () => {
    const gaps = arrivalGaps(200, 'poisson', 7);
    let sum = 0;
    for (let i = 0; i < 20_000; i++) sum += gaps();
    assert.ok(Math.abs(sum / 20_000 - 5) < 0.15, `mean gap ${sum / 20_000} ms`);
    const again = arrivalGaps(200, 'poisson', 7);
    assert.equal(again(), arrivalGaps(200, 'poisson', 7)(), 'seeded');

    const clock = new FakeClock();
    const send = fakeSender(clock, 1000);
    const run = await clock.run(runOpenLoop(send, { rate: 100, warmupMs: 0, durationMs: 100, maxInflight: 3, clock }));
    assert.equal(run.scheduled, 10);
    assert.equal(run.dropped, 7);
    assert.deepEqual(run.latenciesMs, [1000, 1000, 1000], 'answered after the window, still measured from their schedule');
  });

  it('open loop: warm-up is not measured; answers beyond the drain limit count as NO_ANSWER', async () => {
    const clock = new FakeClock();
    const run = await clock.run(runOpenLoop(fakeSender(clock, 50), { rate: 100, warmupMs: 500, durationMs: 500, maxInflight: 100, clock }));
    assert.equal(run.scheduled, 50);
    assert.equal(run.latenciesMs.length, 50);
    assert.ok(run.latenciesMs.every((ms) => ms === 50));

    const slow = new FakeClock();
    const stuck = await slow.run(runOpenLoop(fakeSender(slow, 60_000), { rate: 10, warmupMs: 0, durationMs: 500, maxInflight: 100, drainMs: 1000, clock: slow }));
    assert.deepEqual(stuck.errors, { NO_ANSWER: 5 });
    assert.equal(stuck.latenciesMs.length, 0);
  });

  it('stops early on abort with what was measured', async () => {
    const clock = new FakeClock();
    const controller = new AbortController();
    clock.at(600, () => controller.abort());
    const run = await clock.run(runClosedLoop(fakeSender(clock, 10), { concurrency: 2, warmupMs: 100, durationMs: 10_000, signal: controller.signal, clock }));
    assert.equal(run.interrupted, true);
    assert.equal(run.windowMs, 500);
    assert.equal(run.completedInWindow, 100);

    const open = new FakeClock();
    const stop = new AbortController();
    open.at(300, () => stop.abort());
    const openRun = await open.run(runOpenLoop(fakeSender(open, 5), { rate: 100, warmupMs: 0, durationMs: 10_000, maxInflight: 10, signal: stop.signal, clock: open }));
    assert.equal(openRun.interrupted, true);
    assert.equal(openRun.windowMs, 300);
    assert.equal(openRun.latenciesMs.length, 30);
  });

  it('closed loop: N lanes, latency from the actual send, errors by code', async () => {
    const clock = new FakeClock();
    let n = 0;
    const send = async (signal: AbortSignal) => {
      const mine = n++;
      await clock.sleep(10, signal);
      if (mine % 10 === 9) return { ok: false, code: 'QUEUE_FULL' };
      if (mine % 10 === 8) throw Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
      return { ok: true };
    };
    const run = await clock.run(runClosedLoop(send, { concurrency: 4, warmupMs: 100, durationMs: 1000, clock }));
    assert.ok(run.latenciesMs.every((ms) => ms === 10));
    const total = run.latenciesMs.length + run.errors.QUEUE_FULL + run.errors.ECONNRESET;
    assert.ok(total >= 396 && total <= 404, String(total));
    assert.ok(run.errors.QUEUE_FULL >= 39 && run.errors.ECONNRESET >= 39, JSON.stringify(run.errors));
  });
});

describe('percentiles and the server split', () => {
  it('nearest-rank percentiles on an exact sort', () => {
    const hundred = Array.from({ length: 100 }, (_, i) => i + 1);
    assert.equal(percentile(hundred, 50), 50);
    assert.equal(percentile(hundred, 90), 90);
    assert.equal(percentile(hundred, 99), 99);
    assert.equal(percentile(hundred, 100), 100);
    assert.equal(percentile([7], 1), 7);
    assert.equal(percentile([7], 99), 7);
    assert.equal(percentile(Array.from({ length: 10 }, (_, i) => i), 90), 8, '90 % of 10 is exactly 9 samples: no float rounding up');
    assert.equal(percentile([1, 2, 3, 4], 50), 2);
    assert.ok(Number.isNaN(percentile([], 50)));
    assert.throws(() => percentile([1], 0), RangeError);
    const summary = summarizeLatencies([3, 1, 2, 10, 4]);
    assert.deepEqual(summary, { count: 5, mean: 4, p50: 3, p90: 10, p99: 10, max: 10 });
    assert.ok(Number.isNaN(summarizeLatencies([]).p99));
  });

  it('agrees with the definition on random samples (at least p % at or below, fewer below)', () => {
    let seed = 3;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (const n of [1, 2, 3, 17, 100, 1001]) {
      const samples = Array.from({ length: n }, () => Math.round(random() * 1000) / 10);
      const summary = summarizeLatencies(samples);
      for (const [p, value] of [[50, summary.p50], [90, summary.p90], [99, summary.p99]] as const) {
        const atOrBelow = samples.filter((x) => x <= value).length;
        const below = samples.filter((x) => x < value).length;
        assert.ok(atOrBelow >= (p / 100) * n - 1e-9, `n=${n} p${p}`);
        assert.ok(below < (p / 100) * n, `n=${n} p${p}`);
      }
      assert.equal(summary.max, Math.max(...samples));
      assert.ok(summary.p50 <= summary.p90 && summary.p90 <= summary.p99 && summary.p99 <= summary.max);
    }
  });

  it('turns two statistics snapshots into mean queue, compute and batch size', () => {
    const before = stats(100, 5e6, 20e6, [[1, 100]]);
    const after = stats(300, 45e6, 120e6, [[1, 120], [4, 45]]);
    const split = statsDelta(before, after);
    assert.ok(split);
    assert.equal(split.requests, 200);
    assert.equal(split.queueMs, 0.2);
    assert.equal(split.computeMs, 0.5);
    assert.equal(split.executions, 65);
    assert.equal(split.batchSize, (20 * 1 + 45 * 4) / 65);
    assert.equal(statsDelta(after, after), null, 'no request: no split');
  });
});

describe('bench inputs, flags and sweep planning', () => {
  it('fills -1 dimensions from --shape or 1 and checks fixed ones', () => {
    const inputs = [{ name: 'input', datatype: 'FP32' as const, shape: [-1, 4] }];
    assert.deepEqual(resolveShapes(inputs, new Map()), [[1, 4]]);
    assert.deepEqual(resolveShapes(inputs, parseShapeFlag('input=8,4')), [[8, 4]]);
    assert.deepEqual(resolveShapes(inputs, parseShapeFlag('3,4')), [[3, 4]]);
    assert.throws(() => resolveShapes(inputs, parseShapeFlag('input=1,5')), /fixed at 4/);
    assert.throws(() => resolveShapes(inputs, parseShapeFlag('other=1,4')), /no input "other"/);
    assert.deepEqual([...parseShapeFlag('a=1,128;b=2,3 c=4').entries()], [['a', [1, 128]], ['b', [2, 3]], ['c', [4]]]);
    const [random] = benchInputs(inputs, [[2, 4]], 'random', 1);
    const [again] = benchInputs(inputs, [[2, 4]], 'random', 1);
    assert.deepEqual(random.data, again.data, 'seeded');
    assert.ok((random.data as Float32Array).some((x) => x !== 0));
    assert.ok((benchInputs(inputs, [[2, 4]], 'zeros', 1)[0].data as Float32Array).every((x) => x === 0));
    const ints = benchInputs([{ name: 'ids', datatype: 'INT64', shape: [-1, 3] }], [[1, 3]], 'random', 2)[0].data as BigInt64Array;
    assert.ok([...ints].every((x) => x >= 0n && x < 10n));
  });

  it('parses durations', () => {
    assert.equal(parseDuration('2s', 'warmup', 0, true), 2000);
    assert.equal(parseDuration('0.2s', 'warmup', 0, true), 200);
    assert.equal(parseDuration('500ms', 'warmup', 0, true), 500);
    assert.equal(parseDuration('1m', 'warmup', 0, true), 60_000);
    assert.equal(parseDuration('3', 'warmup', 0, true), 3000);
    assert.equal(parseDuration(undefined, 'warmup', 1234, true), 1234);
    assert.throws(() => parseDuration('0s', 'duration', 0, false), /longer than zero/);
    assert.throws(() => parseDuration('soon', 'duration', 0, false), /duration like/);
  });

  it('plans the sweep grid, keeps the other runtime settings, and recommends within the p99 budget', () => {
    const candidates = sweepCandidates({ instances: [1, 2], batchSizes: [0, 8], delaysUs: [200, 1000] });
    assert.equal(candidates.length, 6);
    assert.deepEqual(candidates[0], { instances: 1 });
    assert.deepEqual(candidates[1], { instances: 1, batching: { maxBatchSize: 8, maxQueueDelayUs: 200 } });
    assert.deepEqual(candidateRuntime({ timeoutMs: 5000, batching: { maxBatchSize: 2, preferredBatchSizes: [2] } }, { instances: 2 }), { timeoutMs: 5000, instances: 2 });
    const level = (throughput: number, p99: number, errorCount = 0) => ({
      throughput, errorCount, interrupted: false, latencyMs: { count: 10, mean: 1, p50: 1, p90: 1, p99, max: p99 },
    }) as LevelReport;
    const results: SweepResult[] = [
      { candidate: { instances: 1 }, runtime: {}, level: level(100, 2), roundThroughputs: [100], error: null },
      { candidate: { instances: 2 }, runtime: {}, level: level(300, 9), roundThroughputs: [300], error: null },
      { candidate: { instances: 1 }, runtime: {}, level: level(500, 1, 3), roundThroughputs: [500], error: null },
      { candidate: { instances: 2 }, runtime: {}, level: null, roundThroughputs: [], error: 'refused' },
      { candidate: { instances: 1 }, runtime: {}, level: level(200, 4), roundThroughputs: [200], error: null },
    ];
    assert.equal(recommend(results, undefined), 1);
    assert.equal(recommend(results, 5), 4);
    assert.equal(recommend(results, 0.5), null);
    assert.equal(medianLevel([level(5, 1), level(9, 1), level(1, 1)])?.throughput, 5);
    assert.equal(medianLevel([level(5, 1), level(9, 1)])?.throughput, 5);
    assert.equal(medianLevel([]), null);
  });
});

describe('tessera bench against a real server', () => {
  let server: TestServer;
  let tmp: string;

  async function cli(args: string[], key?: string): Promise<{ code: number; stdout: string; stderr: string }> {
    let stdout = '';
    let stderr = '';
    const code = await runCli(['--url', server.url, '--key', key ?? server.key, ...args], {}, {
      stdout: { write: (text: string) => { stdout += text; return true; } },
      stderr: { write: (text: string) => { stderr += text; return true; } },
    });
    return { code, stdout, stderr };
  }

  function checkLevel(level: LevelReport): void {
    assert.ok(level.throughput > 0, 'throughput');
    assert.equal(level.errorCount, 0, JSON.stringify(level.errors));
    assert.ok(level.latencyMs.count > 0);
    const { p50, p90, p99, max } = level.latencyMs;
    assert.ok(p50 > 0 && p50 <= p90 && p90 <= p99 && p99 <= max, JSON.stringify(level.latencyMs));
    assert.equal(level.interrupted, false);
    assert.ok(level.server, 'server split present');
    assert.ok(level.server.requests > 0);
    assert.ok(level.server.queueMs >= 0 && Number.isFinite(level.server.queueMs));
    assert.ok(level.server.computeMs > 0 && Number.isFinite(level.server.computeMs));
    assert.ok(level.server.batchSize === null || level.server.batchSize >= 1);
  }

  before(async () => {
    tmp = await mkdtemp(join(tmpdir(), 'tessera-bench-test-'));
    server = await startTestServer();
    await server.client.createModel({ name: 'mlp', runtime: { instances: 1, timeoutMs: 30_000 } });
    const version = await server.client.pushVersion('mlp', buildMlp({ seed: 1 }));
    assert.equal(version.state, 'READY', version.error ?? '');
  });

  after(async () => {
    await server?.close();
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  it('closed loop at concurrency 1,4 → JSON with sane figures and the server\'s split', async () => {
    const { code, stdout, stderr } = await cli(['bench', 'mlp', '--concurrency', '1,4', ...SHORT, '--json']);
    assert.equal(code, 0, stderr);
    const report = JSON.parse(stdout) as BenchReport;
    assert.equal(report.model, 'mlp');
    assert.equal(report.servedVersion, '1');
    assert.equal(report.mode, 'closed');
    assert.equal(report.protocol, 'binary');
    assert.deepEqual(report.inputs, [{ name: 'input', datatype: 'FP32', shape: [1, 4] }]);
    assert.deepEqual(report.levels.map((level) => level.concurrency), [1, 4]);
    for (const level of report.levels) {
      checkLevel(level);
      assert.ok(Math.abs(level.windowMs - 800) < 1);
    }
    assert.equal(report.interrupted, false);
  });

  it('open loop at a modest rate → achieved rate near the requested one, every scheduled request measured', async () => {
    const { code, stdout, stderr } = await cli(['bench', 'mlp', '--rate', '50', '--arrivals', 'poisson', '--warmup', '0.2s', '--duration', '1s', '--protocol', 'json', '--json']);
    assert.equal(code, 0, stderr);
    const report = JSON.parse(stdout) as BenchReport;
    assert.equal(report.mode, 'open');
    assert.equal(report.protocol, 'json');
    const [level] = report.levels;
    checkLevel(level);
    assert.equal(level.rate, 50);
    assert.ok(level.scheduled !== null && level.scheduled >= 25 && level.scheduled <= 80, `scheduled ${level.scheduled}`);
    assert.ok(level.achievedRate !== null && level.achievedRate >= 25 && level.achievedRate <= 80, `achieved ${level.achievedRate}`);
    assert.equal(level.dropped, 0);
    assert.equal(level.latencyMs.count, level.scheduled, 'every request due in the window was answered and measured');
    assert.ok(typeof level.late === 'number' && typeof level.maxSendLagMs === 'number');
  });

  it('writes CSV to stdout (--csv -) and to a file beside the table', async () => {
    const piped = await cli(['bench', 'mlp', '--concurrency', '1,2', '--warmup', '0.1s', '--duration', '0.4s', '--csv', '-']);
    assert.equal(piped.code, 0, piped.stderr);
    const lines = piped.stdout.trimEnd().split('\n');
    assert.equal(lines[0], CSV_COLUMNS.join(','));
    assert.equal(lines.length, 3);
    const rows = lines.slice(1).map((line) => Object.fromEntries(line.split(',').map((cell, i) => [CSV_COLUMNS[i], cell])));
    for (const line of lines.slice(1)) assert.equal(line.split(',').length, CSV_COLUMNS.length, line);
    assert.deepEqual(rows.map((row) => row.mode), ['closed', 'closed']);
    assert.deepEqual(rows.map((row) => row.concurrency), ['1', '2']);
    for (const row of rows) {
      assert.ok(Number(row.throughput) > 0);
      assert.ok(Number(row.p50_ms) <= Number(row.p99_ms) && Number(row.p99_ms) <= Number(row.max_ms));
      assert.equal(row.errors, '0');
      assert.equal(row.rate, '');
      assert.ok(Number(row.server_compute_ms) > 0);
    }

    const file = join(tmp, 'bench.csv');
    const written = await cli(['bench', 'mlp', '--warmup', '0.1s', '--duration', '0.3s', '--csv', file]);
    assert.equal(written.code, 0, written.stderr);
    assert.match(written.stdout, /^CONCURRENCY +ANSWERS\/S +P50 MS +P90 MS +P99 MS +MAX MS +ERRORS/m);
    assert.match(written.stdout, /^1 +\d+\.\d/m);
    const text = await readFile(file, 'utf8');
    assert.equal(text.split('\n')[0], CSV_COLUMNS.join(','));
    assert.equal(text.trimEnd().split('\n').length, 2);
  });

  it('--sweep prints candidates and a recommendation, then restores the original runtime settings', async () => {
    const original = (await server.client.getModel('mlp')).runtime;
    assert.deepEqual(original, { instances: 1, timeoutMs: 30_000 });
    const sweep = ['bench', 'mlp', '--sweep', '--sweep-instances', '1', '--sweep-batch', 'off,4', '--sweep-delay-us', '500', '--concurrency', '4', '--warmup', '0.2s', '--duration', '0.6s'];
    const text = await cli(sweep);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /sweep at concurrency 4/);
    assert.match(text.stdout, /^1\*? +1 +off +- +\d/m);
    assert.match(text.stdout, /^2\*? +1 +4 +500 +\d/m);
    assert.match(text.stdout, /^recommended: #[12] instances 1, /m);
    assert.match(text.stdout, /restored the original runtime settings/);
    assert.deepEqual((await server.client.getModel('mlp')).runtime, original);

    const json = await cli([...sweep, '--sweep-rounds', '2', '--json']);
    assert.equal(json.code, 0, json.stderr);
    const report = JSON.parse(json.stdout) as BenchReport;
    assert.ok(report.sweep);
    assert.equal(report.sweep.results.length, 2);
    assert.equal(report.sweep.rounds, 2);
    assert.deepEqual(report.sweep.results.map((result) => result.runtime), [
      { instances: 1, timeoutMs: 30_000 },
      { instances: 1, timeoutMs: 30_000, batching: { maxBatchSize: 4, maxQueueDelayUs: 500 } },
    ]);
    for (const result of report.sweep.results) {
      assert.equal(result.error, null);
      assert.ok(result.level);
      checkLevel(result.level);
      assert.equal(result.roundThroughputs.length, 2, 'two interleaved rounds');
      assert.ok(result.roundThroughputs.includes(result.level.throughput), 'the median round is one of them');
    }
    assert.equal(report.sweep.results[0].level?.server?.batchSize, 1, 'batching off: one request per execution');
    assert.ok(report.sweep.recommended === 0 || report.sweep.recommended === 1);
    assert.equal(report.sweep.restored, true);
    assert.deepEqual(report.sweep.original, original);
    assert.deepEqual((await server.client.getModel('mlp')).runtime, original);
    assert.equal((await server.client.infer('mlp', [{ name: 'input', datatype: 'FP32', shape: [1, 4], data: new Float32Array(4) }])).outputs.length, 1);
  });

  it('--sweep with a key lacking models:write fails with the scope hint and changes nothing', async () => {
    const { key } = await server.client.keys.create({ name: 'bench-reader', scopes: ['infer', 'models:read'] });
    const before = (await server.client.getModel('mlp')).runtime;
    const { code, stderr } = await cli(['bench', 'mlp', '--sweep', '--sweep-instances', '1', '--sweep-batch', 'off', '--warmup', '0.1s', '--duration', '0.2s'], key);
    assert.equal(code, 1);
    assert.match(stderr, /^error: .*models:write.* \(FORBIDDEN\)$/m);
    assert.deepEqual((await server.client.getModel('mlp')).runtime, before);
    // The same key can still measure (infer + models:read).
    const plain = await cli(['bench', 'mlp', '--warmup', '0.1s', '--duration', '0.2s', '--json'], key);
    assert.equal(plain.code, 0, plain.stderr);
  });

  it('usage mistakes exit 2; server refusals print error: … (CODE) and exit 1; help mentions the scope', async () => {
    for (const args of [
      ['bench'],
      ['bench', 'mlp', '--rate', '10', '--concurrency', '2'],
      ['bench', 'mlp', '--duration', '0s'],
      ['bench', 'mlp', '--concurrency', '0'],
      ['bench', 'mlp', '--protocol', 'grpc'],
      ['bench', 'mlp', '--sweep', '--rate', '10'],
      ['bench', 'mlp', '--sweep-batch', '8'],
      ['bench', 'mlp', '--sweep', '--sweep-rounds', '1,2'],
      ['bench', 'mlp', '--json', '--csv', '-'],
      ['bench', 'mlp', '--shape', 'input=1,5', '--duration', '0.1s'],
    ]) {
      const result = await cli(args);
      assert.equal(result.code, 2, `${args.join(' ')}: ${result.stderr}`);
      assert.match(result.stderr, /^error: /);
    }
    const missing = await cli(['bench', 'nope', '--duration', '0.1s']);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /^error: .*\(MODEL_NOT_FOUND\)$/m);
    const help = await cli(['bench', '--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /models:write/);
    assert.match((await cli(['--help'])).stdout, /^ {2}bench +measure a model/m);
  });

  /** Runs the CLI as a child process, sends SIGINT once stderr shows `marker` and `afterMs` more passed. */
  async function interrupted(args: string[], marker: string, afterMs: number, whileRunning: () => Promise<void> = async () => undefined) {
    const child = spawn(process.execPath, [CLI, '--url', server.url, '--key', server.key, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => { stdout += chunk.toString(); });
    const started = new Promise<void>((resolve) => {
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
        if (stderr.includes(marker)) resolve();
      });
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const early = await Promise.race([started.then(() => false), exited.then(() => true)]);
    assert.equal(early, false, `the command ended before printing ${JSON.stringify(marker)}: ${stderr}`);
    await new Promise((resolve) => setTimeout(resolve, afterMs));
    await whileRunning();
    child.kill('SIGINT');
    return { code: await exited, stdout, stderr: () => stderr };
  }

  it('Ctrl-C during --sweep restores the original runtime settings', async () => {
    const original = (await server.client.getModel('mlp')).runtime;
    let during: unknown;
    const { code, stdout, stderr } = await interrupted(
      ['bench', 'mlp', '--sweep', '--sweep-instances', '2', '--sweep-batch', 'off,4', '--concurrency', '2', '--warmup', '0.1s', '--duration', '60s'],
      'candidate 1/3', 1500, async () => { during = (await server.client.getModel('mlp')).runtime; },
    );
    assert.equal(code, 130, stderr());
    assert.deepEqual(during, { ...original, instances: 2 }, 'the candidate was applied while it ran');
    assert.deepEqual((await server.client.getModel('mlp')).runtime, original);
    assert.match(stdout, /restored the original runtime settings/);
    assert.match(stdout, /interrupted/);
  });

  it('Ctrl-C stops a run cleanly and prints what was measured (exit 130)', async () => {
    const { code, stdout, stderr: output } = await interrupted(['bench', 'mlp', '--concurrency', '2', '--warmup', '0.1s', '--duration', '60s', '--json'], 'measuring', 1000);
    const stderr = output();
    assert.equal(code, 130, stderr);
    const report = JSON.parse(stdout) as BenchReport;
    assert.equal(report.interrupted, true);
    const [level] = report.levels;
    assert.equal(level.interrupted, true);
    assert.ok(level.windowMs > 300 && level.windowMs < 30_000, String(level.windowMs));
    assert.ok(level.latencyMs.count > 0);
    assert.equal(level.errorCount, 0, JSON.stringify(level.errors));
    assert.match(stderr, /stopping/);
  });
});
