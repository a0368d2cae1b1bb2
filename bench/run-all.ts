/**
 * Runs every benchmark in sequence, each in a fresh Node process, then prints one summary table of the goals and
 * the measured figures, and how much CPU other processes on the machine used while each benchmark ran. Nothing fails on timing; the exit code is non-zero only when a benchmark crashed.
 *
 *   node dist/bench/run-all.js [--rounds 3] [--scale 1] [--only heavy-throughput,ipc-cost]
 *   BENCH_ROUNDS=5 BENCH_SCALE=2 npm run bench
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { availableParallelism } from 'node:os';
import { describeMachine, metText, parseBenchFlags, table, type BenchSummary } from './lib/common.js';
import { watchNeighbours } from './lib/neighbours.js';

const BENCHES = ['heavy-throughput', 'health-under-load', 'binary-vs-json', 'ipc-cost', 'image-throughput', 'tiny-batching', 'memory-per-model'];

async function main(): Promise<void> {
  const flags = parseBenchFlags();
  const only = flags.raw.get('only')?.split(',');
  const selected = only === undefined ? BENCHES : BENCHES.filter((name) => only.includes(name));
  const unknown = only?.filter((name) => !BENCHES.includes(name)) ?? [];
  if (unknown.length > 0) throw new Error(`Unknown benchmark(s): ${unknown.join(', ')}; known: ${BENCHES.join(', ')}.`);
  const dir = mkdtempSync(join(tmpdir(), 'tessera-bench-summary-'));
  const summaries: BenchSummary[] = [];
  const failed: string[] = [];
  const neighbours: string[] = [];
  const started = Date.now();
  console.log(`tessera benchmarks — ${describeMachine()}`);
  try {
    for (const name of selected) {
      console.log(`\n======== ${name} ========`);
      const summaryFile = join(dir, `${name}.json`);
      const script = fileURLToPath(new URL(`./${name}.js`, import.meta.url));
      const args = [script, '--rounds', String(flags.rounds), '--scale', String(flags.scale), '--summary-file', summaryFile];
      const t0 = Date.now();
      const watch = watchNeighbours(availableParallelism());
      const code = await new Promise<number | null>((resolve) => {
        const child = spawn(process.execPath, args, { stdio: 'inherit' });
        child.on('exit', (exitCode) => resolve(exitCode));
      });
      const other = watch.stop();
      const otherText = `${other.cpuSeconds.toFixed(1)} CPU s by other processes (${(other.share * 100).toFixed(0)} % of the machine)${other.top.length > 0 ? `: ${other.top.join('; ')}` : ''}`;
      neighbours.push(`${name}: ${otherText}`);
      console.log(`(${name}: ${((Date.now() - t0) / 1000).toFixed(0)} s; ${otherText})`);
      if (code !== 0) { failed.push(name); continue; }
      summaries.push(JSON.parse(readFileSync(summaryFile, 'utf8')) as BenchSummary);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  console.log(`\n======== summary (${flags.rounds} interleaved rounds, scale ${flags.scale}, ${((Date.now() - started) / 1000).toFixed(0)} s) ========`);
  console.log(table(['benchmark', 'goal', 'target', 'measured: median (range)', 'met'],
    summaries.flatMap((s) => s.goals.map((g) => [s.bench, g.goal, g.target, g.measured, metText(g.met)]))));
  console.log('Ratios are same-run, interleaved figures; absolute numbers depend on the machine and its neighbours.');
  console.log('Neighbours (processes outside this run) while each benchmark ran — more than a few % makes its figures suspect:');
  for (const line of neighbours) console.log(`  ${line}`);
  if (failed.length > 0) {
    console.log(`crashed: ${failed.join(', ')}`);
    process.exitCode = 1;
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
