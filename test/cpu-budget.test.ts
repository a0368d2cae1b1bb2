/** Instance groups share the machine's cores: busy workers of all models never hold more threads than there are. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Logger } from '../src/core/index.js';
import { CpuBudget } from '../src/runtime/cpu-budget.js';
import { ModelRuntime } from '../src/runtime/index.js';
import { buildInputControlledSlowModel } from '../src/testing/index.js';

const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {}, child() { return quiet; } } as unknown as Logger;

function slowInputs(n: number) {
  return [
    { name: 'x', datatype: 'FP32' as const, shape: [1, 64], data: new Float32Array(64).fill(0.1) },
    { name: 'n', datatype: 'INT64' as const, shape: [], data: new BigInt64Array([BigInt(n)]) },
  ];
}

describe('CpuBudget', () => {
  it('hands out units up to the core count, caps a wide worker at the core count, and tells listeners when freed', () => {
    const budget = new CpuBudget(2);
    let freed = 0;
    budget.onFree(() => { freed += 1; });
    assert.equal(budget.tryTake(1), 1);
    assert.equal(budget.tryTake(4), undefined, 'a 4-thread worker needs every core: not while one is used');
    assert.equal(budget.tryTake(1), 1);
    assert.equal(budget.tryTake(1), undefined);
    budget.give(1);
    budget.give(1);
    assert.equal(freed, 2);
    assert.equal(budget.tryTake(4), 2, 'capped at the core count, so it can still run alone');
  });
});

describe('two busy models on a shared budget', () => {
  it('never compute on more threads than cores, and both are served (no starvation, no deadlock)', async () => {
    const runtime = new ModelRuntime(quiet, { cores: 1 });
    const settings = { instances: 2, intraOpThreads: 1, timeoutMs: 60_000, maxQueue: 100, pipelineDepth: 2 };
    const model = buildInputControlledSlowModel();
    await runtime.load('a', async () => model, settings);
    await runtime.load('b', async () => model, settings);
    let peak = 0;
    const sampler = setInterval(() => { peak = Math.max(peak, runtime.cpuUsage().inUse); }, 1);
    try {
      const runs = [...Array(4)].flatMap(() => ['a', 'b'].map((key) => runtime.infer(key, { inputs: slowInputs(3000), outputs: [] })));
      const results = await Promise.all(runs);
      assert.equal(results.length, 8);
      assert.ok(results.every((result) => result.outputs[0].shape.join() === '1,64'));
    } finally {
      clearInterval(sampler);
      await runtime.close();
    }
    assert.equal(peak, 1, 'at most one thread computing on a one-core budget');
    assert.equal(runtime.cpuUsage().inUse, 0, 'every unit given back');
  });
});
