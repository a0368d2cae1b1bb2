import type { AppContext } from './app-context.js';
import { AliasService } from './alias-service.js';
import { InferenceService, type InferenceObserver } from './inference-service.js';
import { ImageService } from './image-service.js';
import { ModelService } from './model-service.js';
import { RepositoryService } from './repository-service.js';
import { VersionService } from './version-service.js';
import { runtimeKey } from './version-loader.js';

/** The use cases the transports call. */
export interface TesseraApp {
  models: ModelService;
  versions: VersionService;
  aliases: AliasService;
  inference: InferenceService;
  repository: RepositoryService;
  images: ImageService;
  /** Finishes crash recovery: drops versions a crash left VALIDATING and files no row references. */
  recover(): Promise<{ interrupted: number; orphans: number }>;
  close(): Promise<void>;
}

export function createApp(context: AppContext, observer: InferenceObserver): TesseraApp {
  const models = new ModelService(context);
  const versions = new VersionService(context, models);
  const aliases = new AliasService(context, models);
  const inference = new InferenceService(context, models, observer);
  const repository = new RepositoryService(context, models, inference);
  const images = new ImageService(context, inference);
  return {
    models, versions, aliases, inference, repository, images,
    async recover() {
      const interrupted = context.store.listInterruptedVersions();
      for (const version of interrupted) {
        context.store.purgeVersion(version.model, version.version);
        await context.runtime.unload(runtimeKey(version));
      }
      const orphans = await context.artifacts.removeOrphans(context.store.referencedArtifactIds());
      return { interrupted: interrupted.length, orphans };
    },
    close: () => context.runtime.close(),
  };
}
