import { assertModelName, fail } from '../core/index.js';
import type { ModelInfo } from '../protocol/index.js';
import type { ModelRecord } from '../registry/index.js';
import type { AppContext } from './app-context.js';
import { parseCreateModel, parseUpdateModel } from './model-input.js';
import { runtimeKey } from './version-loader.js';
import { modelView } from './views.js';

/** Creating, reading, changing and deleting models. */
export class ModelService {
  constructor(private readonly context: AppContext) {}

  create(body: unknown): ModelInfo {
    const input = parseCreateModel(body);
    assertModelName(input.name);
    return modelView(this.context.store, this.context.store.createModel(input));
  }

  list(): ModelInfo[] {
    return this.context.store.listModels().map((model) => modelView(this.context.store, model));
  }

  get(name: string): ModelInfo {
    return modelView(this.context.store, this.require(name));
  }

  update(name: string, body: unknown): ModelInfo {
    this.require(name);
    const patch = parseUpdateModel(body);
    return modelView(this.context.store, this.context.store.updateModel(name, patch));
  }

  /** Unloads every version, deletes the records, then the files. */
  async delete(name: string): Promise<void> {
    this.require(name);
    const versions = this.context.store.listVersions(name);
    await Promise.all(versions.map((version) => this.context.runtime.unload(runtimeKey(version))));
    const artifactIds = this.context.store.deleteModel(name);
    await Promise.all(artifactIds.map((id) => this.context.artifacts.delete(id)));
  }

  require(name: string): ModelRecord {
    assertModelName(name);
    return this.context.store.getModel(name) ?? fail('MODEL_NOT_FOUND', `Model "${name}" does not exist: create it first or check the name.`);
  }
}
