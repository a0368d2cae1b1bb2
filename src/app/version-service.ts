import { fail, isServingError, ServingError } from '../core/index.js';
import { inspectOnnx } from '../optimizer/index.js';
import type { VersionInfo } from '../protocol/index.js';
import type { ModelRecord, VersionRecord } from '../registry/index.js';
import { probeModel } from '../runtime/index.js';
import type { AppContext } from './app-context.js';
import type { ModelService } from './model-service.js';
import type { PolicyLoader } from './policy-loader.js';
import { artifactLocator, runtimeKey } from './version-loader.js';
import { versionView } from './views.js';

/**
 * Uploading and removing versions. An upload is durable on disk before its row exists; it becomes READY only after
 * the ONNX pre-check and a smoke run in an isolated, capped process. Refused files keep a FAILED row (with the
 * reason) but not their bytes.
 */
export class VersionService {
  constructor(private readonly context: AppContext, private readonly models: ModelService, private readonly policy?: PolicyLoader) {}

  async push(modelName: string, body: AsyncIterable<Uint8Array>): Promise<VersionInfo> {
    const model = this.models.require(modelName);
    const { store, artifacts, options } = this.context;
    const stored = await artifacts.write(body, { maxBytes: options.maxModelBytes, owner: { tenant: model.tenant, modelId: model.id } });
    let created: VersionRecord;
    try {
      created = store.createVersion(modelName, {
        sha256: stored.sha256, sizeBytes: stored.sizeBytes, artifactId: stored.artifactId,
        state: 'VALIDATING', error: null, inputs: [], outputs: [], envelope: stored.envelope,
      });
    } catch (error) {
      await artifacts.delete(stored.artifactId);
      throw error;
    }
    try {
      const finished = await this.validate(model, created, stored.artifactId);
      if (finished.state === 'READY') this.policy?.schedule(modelName);
      return this.#view(finished);
    } catch (error) {
      await this.abandon(created, stored.artifactId, error);
      throw error;
    }
  }

  /** A validation that stopped on an unexpected error must not leave a VALIDATING row behind. */
  private async abandon(version: VersionRecord, artifactId: string, error: unknown): Promise<void> {
    const current = this.context.store.getModel(version.model) && this.context.store.getVersion(version.model, version.version);
    if (current && current.state === 'VALIDATING') {
      const reason = isServingError(error) ? error.message : 'an internal error stopped validation';
      this.context.store.finishVersion(version.model, version.version, { state: 'FAILED', error: `Validation stopped: ${reason}`, artifactId: null });
    }
    await this.context.artifacts.delete(artifactId).catch(() => undefined);
  }

  private async validate(model: ModelRecord, version: VersionRecord, artifactId: string): Promise<VersionRecord> {
    const { store, artifacts, options, logger } = this.context;
    const bytes = await artifacts.read(artifactLocator(model, version));
    let inspection;
    try {
      inspection = inspectOnnx(bytes);
    } catch (error) {
      if (!isServingError(error)) throw error;
      store.finishVersion(version.model, version.version, { state: 'FAILED', error: error.message, artifactId: null });
      await artifacts.delete(artifactId);
      throw new ServingError(error.code, error.message, { ...error.details, version: version.version, state: 'FAILED' });
    }
    const probe = await probeModel(bytes, {
      timeoutMs: options.probeTimeoutMs, memoryBytes: options.probeMemoryBytes, intraOpThreads: 1,
    });
    if (!probe.ok) {
      logger.warn({ model: version.model, version: version.version, reason: probe.reason }, 'version-validation-failed');
      await artifacts.delete(artifactId);
      return store.finishVersion(version.model, version.version, { state: 'FAILED', error: `Validation failed: ${probe.reason}`, artifactId: null });
    }
    if (probe.warning) logger.info({ model: version.model, version: version.version, warning: probe.warning }, 'version-smoke-run-warning');
    return store.finishVersion(version.model, version.version, {
      state: 'READY', error: null, inputs: inspection.inputs, outputs: inspection.outputs,
    });
  }

  list(modelName: string): VersionInfo[] {
    this.models.require(modelName);
    return this.context.store.listVersions(modelName).map((version) => this.#view(version));
  }

  get(modelName: string, version: number): VersionInfo {
    return this.#view(this.require(modelName, version));
  }

  /** The API view with the version's workers in this process (`loaded`, null when not loaded). */
  #view(version: VersionRecord): VersionInfo {
    return versionView(version, this.context.runtime.status(runtimeKey(version)));
  }

  /** Refused (409 VERSION_IN_USE) while an alias points at it; otherwise unloads it and removes its file. */
  async delete(modelName: string, version: number): Promise<void> {
    const record = this.require(modelName, version);
    const removed = this.context.store.deleteVersion(modelName, record.version);
    await this.context.runtime.unload(runtimeKey(removed));
    this.policy?.schedule(modelName);
    if (removed.artifactId !== null) await this.context.artifacts.delete(removed.artifactId);
  }

  require(modelName: string, version: number): VersionRecord {
    this.models.require(modelName);
    return this.context.store.getVersion(modelName, version)
      ?? fail('VERSION_NOT_FOUND', `Model "${modelName}" has no version ${version}: list its versions to pick an existing one.`);
  }
}
