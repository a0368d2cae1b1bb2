import { writeFileSync } from 'node:fs';
import { PreparedInfer } from '../../client/index.js';
import type { CliContext } from '../cli-context.js';
import type { CommandGroup } from '../command-group.js';
import { expectPositionals } from '../parse-args.js';
import { benchInputs, parseShapeFlag, resolveShapes } from './bench-inputs.js';
import { BENCH_FLAGS, benchOptions, type BenchOptions } from './bench-options.js';
import { benchCsv, benchTable, type BenchReport } from './bench-report.js';
import { runLevel, statsReader, type BenchTarget, type LevelSpec } from './level-runner.js';
import { runSweep } from './sweep.js';

const USAGE_LINE = 'tessera bench <model> [--version v] [--concurrency 1,2,4 | --rate 100,200] [--duration 10s] [--sweep]';
const USAGE = `Usage:
  ${USAGE_LINE}

Measures a model the way perf_analyzer does: throughput, p50/p90/p99/max latency, errors by code, and the
server's own split (mean queue and compute time per request, mean executed batch size) from its statistics.
Inputs come from the model's metadata; the request is built and encoded once, before measuring.

Inputs:
  --version v            version number or alias (default: the model's default version)
  --shape <shapes>       dimensions for the -1 dimensions (else 1): input=1,3,224,224 (several inputs in one flag,
                         separated by ; or spaces: "a=1,128;b=1,128"); a bare 8,4 for a one-input model
  --data random|zeros    seeded random data (floats in [0,1), integers 0-9; default) or zeros; --seed n (default 1)
  --protocol binary|json binary tensor extension (default) or plain v2 JSON
  --transport http|fetch node:http keep-alive (default, lean) or the SDK's fetch (what an app using the SDK pays)

Closed loop (default): N requests in flight at all times.
  --concurrency 1,2,4,8  one level per value (default 1)
  --warmup 2s            per level, not measured (default 2s); --duration 10s measured per level (default 10s)

Open loop: requests on a fixed schedule, answered or not.
  --rate 100,200         requests per second, one level per value
  --arrivals constant|poisson  evenly spaced (default) or Poisson (seeded by --seed)
  --max-inflight 1000    requests out at most; a request due beyond it is not sent and counts as dropped
  Latency is measured from each request's scheduled send time, so a late sender or a backed-up server shows
  in the figures (no coordinated omission); late requests are still sent, and counted (LATE: > 2 ms behind).

Output: a table (default), --json, or --csv <file> (the table or JSON still goes to stdout; --csv - for CSV on
stdout).

Sweep: --sweep tries runtime configurations of the model and recommends one. For each candidate it writes the
model's runtime settings (PATCH /api/models/<model> {"runtime": …}), unloads and loads the model, and runs one
closed-loop level at --concurrency (default 16; --warmup default 1s, --duration 4s). It recommends the
highest-throughput candidate without errors whose p99 is within --p99-budget-ms (if given), and then restores
the original settings — also after an error or Ctrl-C.
  --sweep-instances 1,2        worker processes (default 1,2)
  --sweep-batch off,8,32       max batch sizes; off = no dynamic batching (default off,8,32)
  --sweep-delay-us 200,1000    max queue delays of the batching candidates, µs (default 200,1000)
  --sweep-rounds 1             run the grid this many times, interleaved (A B C A B C …), and judge each candidate
                               by its median round: use 3 on a shared or noisy machine
  --p99-budget-ms 5            only recommend candidates with a p99 at most this
--sweep needs a key with the models:write scope (it changes and reloads the model); the other modes need infer
(and models:read for the server's split).

Ctrl-C stops a run and prints what was measured (exit 130). Here --data is the input data; name the data
folder holding admin.key with --data-dir.

Examples:
  tessera bench resnet --shape input=1,3,224,224 --concurrency 1,2,4,8
  tessera bench iris --rate 500,1000 --arrivals poisson --duration 30s --csv iris.csv
  tessera bench mlp --sweep --sweep-batch off,16 --p99-budget-ms 10`;

/** `tessera bench`: load-test a model (closed loop, open loop, or a sweep of runtime settings). */
export const benchCommand: CommandGroup = {
  name: 'bench',
  summary: 'measure a model: throughput and latency, closed or open loop; --sweep recommends runtime settings',
  usage: USAGE,
  flags: BENCH_FLAGS,
  async run(context, positionals, args) {
    const [model] = expectPositionals(positionals, ['model'], USAGE_LINE);
    const options = benchOptions(args, context.json);
    if (options.csv !== undefined && options.csv !== '-') writeCsvFile(options.csv, '', 'a'); // fail before measuring, clobber nothing yet
    const interrupt = listenForInterrupt(context, options.sweep !== undefined);
    try {
      let report: BenchReport;
      try {
        report = await bench(context, model, options, interrupt.signal);
      } catch (error) {
        if (!interrupt.signal.aborted) throw error;
        context.note('interrupted before anything was measured');
        return 130;
      }
      writeReport(context, report, options);
      if (report.sweep !== null && !report.sweep.restored) return 1;
      return report.interrupted ? 130 : 0;
    } finally {
      interrupt.dispose();
    }
  },
};

async function bench(context: CliContext, model: string, options: BenchOptions, signal: AbortSignal): Promise<BenchReport> {
  const client = context.client();
  const metadata = await client.modelMetadata(model, options.version);
  const shapes = resolveShapes(metadata.inputs, parseShapeFlag(options.shape));
  const inputs = benchInputs(metadata.inputs, shapes, options.data, options.seed);
  const prepared = new PreparedInfer({ url: context.url, key: context.resolveKey() }, model, inputs, {
    version: options.version, binary: options.protocol === 'binary',
  });
  const check = await prepared.result(signal);
  const servedVersion = check.modelVersion ?? options.version;
  const note = (text: string): void => context.note(text);
  const target: BenchTarget = { prepared, transport: options.transport, readStats: statsReader(client, model, servedVersion, note) };
  const timing = { warmupMs: options.warmupMs, durationMs: options.durationMs };
  const report: BenchReport = {
    model, version: options.version ?? null, servedVersion: servedVersion ?? null, protocol: options.protocol, transport: options.transport,
    mode: options.mode, arrivals: options.mode === 'open' ? options.arrivals : null,
    inputs: inputs.map((input) => ({ name: input.name, datatype: input.datatype, shape: input.shape })),
    requestBytes: prepared.bodyBytes, warmupMs: options.warmupMs, durationMs: options.durationMs, levels: [], sweep: null, interrupted: false,
  };
  if (options.sweep) {
    report.sweep = await runSweep({ client, model, target, note }, options.sweep, options.concurrency[0], timing, signal);
  } else {
    for (const spec of levelSpecs(options)) {
      if (signal.aborted) break;
      note(`${spec.mode === 'closed' ? `concurrency ${spec.concurrency}` : `rate ${spec.rate}/s`}: warm-up ${options.warmupMs} ms, measuring ${options.durationMs} ms`);
      report.levels.push(await runLevel(target, spec, timing, signal));
    }
  }
  report.interrupted = signal.aborted;
  return report;
}

function levelSpecs(options: BenchOptions): LevelSpec[] {
  if (options.mode === 'closed') return options.concurrency.map((concurrency) => ({ mode: 'closed', concurrency }));
  return options.rates.map((rate) => ({ mode: 'open', rate, arrivals: options.arrivals, maxInflight: options.maxInflight, seed: options.seed }));
}

function writeReport(context: CliContext, report: BenchReport, options: BenchOptions): void {
  if (options.csv === '-') {
    context.io.stdout.write(benchCsv(report));
    return;
  }
  if (options.csv !== undefined) writeCsvFile(options.csv, benchCsv(report));
  context.result(report, () => benchTable(report));
  if (options.csv !== undefined) context.note(`wrote ${options.csv}`);
}

/** Writes (or, before the run, creates) the --csv file; a failure is an error with the file system's code. */
function writeCsvFile(path: string, text: string, flag: 'w' | 'a' = 'w'): void {
  try {
    writeFileSync(path, text, { flag });
  } catch (error) {
    throw Object.assign(new Error(`cannot write the --csv file ${path}: ${(error as Error).message}`), { code: (error as { code?: unknown }).code });
  }
}

/** The first Ctrl-C aborts the run (the sweep then restores the model); a second one quits at once. */
function listenForInterrupt(context: CliContext, sweep: boolean): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  const onSigint = (): void => {
    if (!controller.signal.aborted) {
      context.note(`stopping${sweep ? ' and restoring the model\'s runtime settings' : ''}… (Ctrl-C again quits at once${sweep ? ', without restoring' : ''})`);
      controller.abort();
      return;
    }
    process.exit(130);
  };
  process.on('SIGINT', onSigint);
  return { signal: controller.signal, dispose: () => process.off('SIGINT', onSigint) };
}
