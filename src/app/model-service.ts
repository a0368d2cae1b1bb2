import { assertModelName, assertTenantName, fail, qualifiedName, splitQualifiedName } from '../core/index.js';
import type { ModelInfo } from '../protocol/index.js';
import type { ModelRecord } from '../registry/index.js';
import { isAdmin, type Caller } from './access.js';
import type { AppContext } from './app-context.js';
import { parseCreateModel, parseUpdateModel } from './model-input.js';
import type { PolicyLoader } from './policy-loader.js';
import { runtimeKey } from './version-loader.js';
import { modelView } from './views.js';

/**
 * Creating, reading, changing and deleting models. Methods take qualified names (`tenant/model`) that the caller's
 * access was already checked for (app/access.ts); only `create` and `list` see the caller.
 */
export class ModelService {
  constructor(private readonly context: AppContext, private readonly policy?: PolicyLoader) {}

  /** The model goes into the caller's tenant; only a server admin may name another tenant (`tenant/model`). */
  create(caller: Caller, body: unknown): ModelInfo {
    const input = parseCreateModel(body);
    const slash = input.name.indexOf('/');
    const tenant = slash < 0 ? caller.tenant : assertTenantName(input.name.slice(0, slash));
    const bare = assertModelName(slash < 0 ? input.name : input.name.slice(slash + 1));
    if (tenant !== caller.tenant && !isAdmin(caller)) fail('FORBIDDEN', 'Models can only be created in the tenant of the key.');
    if (this.context.tenants.get(tenant) === undefined) fail('TENANT_NOT_FOUND', `Tenant "${tenant}" does not exist.`);
    const record = this.context.store.createModel({ ...input, name: qualifiedName(tenant, bare), tenant });
    return modelView(this.context.store, record);
  }

  list(models: ModelRecord[]): ModelInfo[] {
    return models.map((model) => modelView(this.context.store, model));
  }

  get(name: string): ModelInfo {
    return modelView(this.context.store, this.require(name));
  }

  update(name: string, body: unknown): ModelInfo {
    this.require(name);
    const patch = parseUpdateModel(body);
    const updated = this.context.store.updateModel(name, patch);
    if (patch.runtime !== undefined) this.policy?.schedule(name);
    return modelView(this.context.store, updated);
  }

  /** Unloads every version, deletes the records, then the files. */
  async delete(name: string): Promise<void> {
    this.require(name);
    const versions = this.context.store.listVersions(name);
    await Promise.all(versions.map((version) => this.context.runtime.unload(runtimeKey(version))));
    const artifactIds = this.context.store.deleteModel(name);
    await Promise.all(artifactIds.map((id) => this.context.artifacts.delete(id)));
  }

  /** The model with this qualified name. */
  require(name: string): ModelRecord {
    const { tenant, model } = splitQualifiedName(name);
    assertTenantName(tenant);
    assertModelName(model);
    return this.context.store.getModel(name) ?? fail('MODEL_NOT_FOUND', `Model "${name}" does not exist: create it first or check the name.`);
  }
}
