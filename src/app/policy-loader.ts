import { isServingError } from '../core/index.js';
import type { ModelRecord } from '../registry/index.js';
import type { AppContext } from './app-context.js';
import { ensureLoaded, runtimeKey } from './version-loader.js';
import { policyVersions } from './version-policy.js';

/** Versions a model keeps loaded besides its policy and its aliases (the traffic routes' targets). Default: none. */
export type ExtraPolicyTargets = (model: ModelRecord) => readonly number[];

/**
 * Keeps each model's version policy (`runtime.versionPolicy`, see `policyVersions`) in force: the policy's versions
 * are loaded and pinned (the memory budget never evicts them); versions that left the policy are unpinned, not
 * unloaded, so they serve on until the budget needs their memory. Runs at start-up for every model with a policy and
 * after every change that can move the set: a READY upload, a deleted version, an alias move or delete, a runtime
 * PATCH (`schedule`, which never fails the request that triggered it).
 *
 * The pins of one `apply` are all set synchronously from one reading of the registry, before any load is awaited, so
 * of two applies that overlap the later one decides; a load still running for a version the later one dropped
 * finishes unpinned.
 */
export class PolicyLoader {
  #closed = false;
  readonly #running = new Set<Promise<unknown>>();

  constructor(private readonly context: AppContext, private readonly extraTargets: ExtraPolicyTargets = () => []) {}

  /**
   * Applies the model's policy in the background; failures are logged, never thrown.
   *
   * @example policy.schedule('acme/iris') // after a push, an alias move, a runtime PATCH
   */
  schedule(modelName: string): void {
    if (this.#closed) return;
    const run = this.apply(modelName)
      .catch((error: unknown) => this.context.logger.error({ model: modelName, err: error }, 'version-policy-failed'))
      .finally(() => this.#running.delete(run));
    this.#running.add(run);
  }

  /**
   * Loads and pins the model's policy versions, unpins its other loaded versions (unless `runtime.pinned` pins the
   * whole model), and resolves once the loads ended. A version that fails to load is logged and skipped.
   * Answers the policy's versions (empty for a model without a policy or one deleted meanwhile).
   */
  async apply(modelName: string): Promise<number[]> {
    const { store, runtime, logger } = this.context;
    const model = store.getModel(modelName);
    if (model === undefined || this.#closed) return [];
    const versions = store.listVersions(modelName);
    const keep = policyVersions(model, versions, store.listAliases(modelName), this.extraTargets(model));
    const loads: Array<Promise<unknown>> = [];
    for (const version of versions) {
      const key = runtimeKey(version);
      const wanted = keep.includes(version.version);
      runtime.setPinned(key, wanted || model.runtime.pinned === true);
      if (wanted && runtime.status(key) === undefined) {
        loads.push(ensureLoaded(this.context, model, version, true).catch((error: unknown) => {
          logger.warn({ model: modelName, version: version.version, reason: isServingError(error) ? error.message : String(error) }, 'version-policy-load-failed');
        }));
      }
    }
    await Promise.all(loads);
    if (model.runtime.versionPolicy !== undefined) logger.info({ model: modelName, versions: keep }, 'version-policy-applied');
    return keep;
  }

  /** Applies every model's policy, one model after the other (start-up, before traffic). */
  async applyAll(): Promise<void> {
    for (const model of this.context.store.listModels()) {
      if (model.runtime.versionPolicy !== undefined) await this.apply(model.name);
    }
  }

  /** Stops scheduling and waits for the applies in progress, so no load starts after the runtime closes. */
  async close(): Promise<void> {
    this.#closed = true;
    await Promise.allSettled([...this.#running]);
  }
}
