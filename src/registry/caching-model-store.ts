import type {
  AliasMove, AliasMoveOptions, AliasRecord, ModelPatch, ModelRecord, ModelStore, NewModel, NewVersion, TrafficSplit, VersionOutcome,
  VersionRecord,
} from './types.js';

/**
 * A ModelStore decorator that answers the reads of every inference request (model, alias, version, newest READY
 * version) from memory. Any write through it clears the cache, so it is exact as long as this process is the only
 * writer of the database (the registry's single-writer rule). Returned records are shared: treat them as read-only.
 */
export class CachingModelStore implements ModelStore {
  private readonly cache = new Map<string, unknown>();

  constructor(private readonly inner: ModelStore) {}

  private cached<T>(key: string, read: () => T): T {
    if (this.cache.has(key)) return this.cache.get(key) as T;
    const value = read();
    this.cache.set(key, value);
    return value;
  }

  private write<T>(change: () => T): T {
    try {
      return change();
    } finally {
      this.cache.clear();
    }
  }

  getModel(name: string): ModelRecord | undefined { return this.cached(`m\0${name}`, () => this.inner.getModel(name)); }
  getAlias(model: string, alias: string): AliasRecord | undefined { return this.cached(`a\0${model}\0${alias}`, () => this.inner.getAlias(model, alias)); }
  getVersion(model: string, version: number): VersionRecord | undefined { return this.cached(`v\0${model}\0${version}`, () => this.inner.getVersion(model, version)); }
  latestReadyVersion(model: string): VersionRecord | undefined { return this.cached(`l\0${model}`, () => this.inner.latestReadyVersion(model)); }

  listModels(): ModelRecord[] { return this.inner.listModels(); }
  listVersions(model: string): VersionRecord[] { return this.inner.listVersions(model); }
  listInterruptedVersions(): VersionRecord[] { return this.inner.listInterruptedVersions(); }
  listAliases(model: string): AliasRecord[] { return this.inner.listAliases(model); }
  aliasHistory(model: string, alias: string): AliasMove[] { return this.inner.aliasHistory(model, alias); }
  referencedArtifactIds(): Set<string> { return this.inner.referencedArtifactIds(); }
  listSealedVersions(): VersionRecord[] { return this.inner.listSealedVersions(); }

  createModel(model: NewModel): ModelRecord { return this.write(() => this.inner.createModel(model)); }
  updateModel(name: string, patch: ModelPatch): ModelRecord { return this.write(() => this.inner.updateModel(name, patch)); }
  deleteModel(name: string): string[] { return this.write(() => this.inner.deleteModel(name)); }
  setTraffic(name: string, traffic: TrafficSplit | null): ModelRecord { return this.write(() => this.inner.setTraffic(name, traffic)); }
  createVersion(model: string, version: NewVersion): VersionRecord { return this.write(() => this.inner.createVersion(model, version)); }
  finishVersion(model: string, version: number, outcome: VersionOutcome): VersionRecord { return this.write(() => this.inner.finishVersion(model, version, outcome)); }
  deleteVersion(model: string, version: number): VersionRecord { return this.write(() => this.inner.deleteVersion(model, version)); }
  purgeVersion(model: string, version: number): void { this.write(() => this.inner.purgeVersion(model, version)); }
  setAlias(model: string, alias: string, version: number, options: AliasMoveOptions): AliasRecord { return this.write(() => this.inner.setAlias(model, alias, version, options)); }
  rollbackAlias(model: string, alias: string, options: AliasMoveOptions): AliasRecord { return this.write(() => this.inner.rollbackAlias(model, alias, options)); }
  deleteAlias(model: string, alias: string, options: AliasMoveOptions): void { this.write(() => this.inner.deleteAlias(model, alias, options)); }
  replaceEnvelopes(updates: ReadonlyArray<{ versionId: number; envelope: string }>): void { this.write(() => this.inner.replaceEnvelopes(updates)); }
}
