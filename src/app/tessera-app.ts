import { ModelAccess, type Caller } from './access.js';
import type { AppContext } from './app-context.js';
import { AuditService } from './audit-service.js';
import { EncryptionService } from './encryption-service.js';
import { KeyService } from './key-service.js';
import { LimitService } from './limit-service.js';
import { TenantService } from './tenant-service.js';
import { UsageService } from './usage-service.js';
import { AliasService } from './alias-service.js';
import { InferenceService, type InferenceObserver } from './inference-service.js';
import { ImageService } from './image-service.js';
import { ModelService } from './model-service.js';
import { PolicyLoader } from './policy-loader.js';
import { RepositoryService } from './repository-service.js';
import { TrafficService, trafficTargets } from './traffic.js';
import { VersionService } from './version-service.js';
import { runtimeKey } from './version-loader.js';

/** The use cases the transports call. */
export interface TesseraApp {
  models: ModelService;
  versions: VersionService;
  aliases: AliasService;
  /** Traffic splits of requests that name no version. */
  traffic: TrafficService;
  inference: InferenceService;
  repository: RepositoryService;
  images: ImageService;
  access: ModelAccess;
  keys: KeyService;
  tenants: TenantService;
  usage: UsageService;
  audit: AuditService;
  encryption: EncryptionService;
  limits: LimitService;
  /** The key check every request goes through (the KeyStore: API keys and the bootstrap admin key). */
  authenticate(presented: string | undefined): Caller | undefined;
  /** Finishes crash recovery: drops versions a crash left VALIDATING and files no row references. */
  recover(): Promise<{ interrupted: number; orphans: number }>;
  /** Loads (and pins) every model's version-policy versions; start-up work, before traffic. Load failures are logged. */
  applyVersionPolicies(): Promise<void>;
  close(): Promise<void>;
}

export function createApp(context: AppContext, observer: InferenceObserver): TesseraApp {
  const policy = new PolicyLoader(context, (model) => trafficTargets(context.store, model));
  const models = new ModelService(context, policy);
  const versions = new VersionService(context, models, policy);
  const aliases = new AliasService(context, models, policy);
  const inference = new InferenceService(context, models, observer);
  const repository = new RepositoryService(context, models, inference);
  const images = new ImageService(context, inference);
  return {
    models, versions, aliases, inference, repository, images, traffic: new TrafficService(context, models, policy),
    access: new ModelAccess(context.store),
    keys: new KeyService(context),
    tenants: new TenantService(context),
    usage: new UsageService(context),
    audit: new AuditService(context),
    encryption: new EncryptionService(context),
    limits: new LimitService(context),
    authenticate: (presented) => context.keys.authenticate(presented),
    async recover() {
      const interrupted = context.store.listInterruptedVersions();
      for (const version of interrupted) {
        context.store.purgeVersion(version.model, version.version);
        await context.runtime.unload(runtimeKey(version));
      }
      const orphans = await context.artifacts.removeOrphans(context.store.referencedArtifactIds());
      return { interrupted: interrupted.length, orphans };
    },
    applyVersionPolicies: () => policy.applyAll(),
    async close() {
      await policy.close();
      await context.runtime.close();
      context.usage.stop();
    },
  };
}
