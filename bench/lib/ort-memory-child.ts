/**
 * Far end of memory-per-model: a bare Node process that measures its own resident memory (VmRSS and RssAnon from
 * /proc/self/status) three times: bare (nothing imported but node: modules), after `import('onnxruntime-node')`, and
 * after creating an InferenceSession from the model's bytes (same thread settings as tessera's worker) and running it
 * once — and a fourth after `runs` runs in all. Forked with an IPC channel:
 * `ort-memory-child.js <model.onnx> <intra-op threads> <input name> <dims,…> <runs>`; posts the readings and exits. Imports nothing else statically, so "bare" is a bare node.
 */
import { readFileSync } from 'node:fs';

interface Reading { rss: number; anon: number }

function resident(): Reading {
  const text = readFileSync('/proc/self/status', 'utf8');
  const kib = (field: string): number => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? NaN);
  return { rss: kib('VmRSS') / 1024, anon: kib('RssAnon') / 1024 };
}

/** Waits until RSS moves less than 0.25 MiB over 500 ms (at most `maxMs`), then reads it. */
async function settled(maxMs = 5000): Promise<Reading> {
  const started = Date.now();
  let last = resident();
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, 500));
    const now = resident();
    if (Math.abs(now.rss - last.rss) < 0.25 || Date.now() - started > maxMs) return now;
    last = now;
  }
}

const [modelPath, threadsArg, inputName, dimsArg, runsArg] = process.argv.slice(2);
const bare = await settled();
const ort = await import('onnxruntime-node');
const imported = await settled();
const session = await ort.InferenceSession.create(new Uint8Array(readFileSync(modelPath)), {
  executionProviders: ['cpu'], interOpNumThreads: 1, intraOpNumThreads: Number(threadsArg),
});
const dims = dimsArg.split(',').map(Number);
const count = dims.reduce((a, b) => a * b, 1);
/** A fresh input per run, as a server gets a fresh request body each time; nothing of it is kept between runs. */
const runOnce = async (): Promise<unknown> => {
  const data = new Float32Array(count);
  for (let i = 0; i < count; i++) data[i] = ((i * 7919) % 1000) / 1000;
  return session.run({ [inputName]: new ort.Tensor('float32', data, dims) });
};
await runOnce();
const loaded = await settled();
for (let i = 1; i < Number(runsArg ?? 1); i++) await runOnce();
const afterRuns = await settled();
process.send?.({ bare, imported, loaded, afterRuns }, () => {
  void session.release().finally(() => process.exit(0));
});
