import { fail, isServingError } from '../core/index.js';
import type { AppContext } from './app-context.js';

export interface RotationReport {
  from: string;
  to: string;
  rewrapped: number;
}

/**
 * Master-key rotation: every sealed data key is re-wrapped under the next master key in one transaction; the model
 * files are not touched and nothing stops serving (loaded versions keep running; later loads use the new wraps).
 */
export class EncryptionService {
  constructor(private readonly context: AppContext) {}

  status(): { encrypted: boolean; masterKeyId: string | null; sealedVersions: number } {
    const control = this.context.encryption;
    return { encrypted: control !== undefined, masterKeyId: control?.keyId() ?? null, sealedVersions: this.context.store.listSealedVersions().length };
  }

  async rotate(body: unknown): Promise<RotationReport> {
    const control = this.context.encryption ?? fail('MASTER_KEY_NOT_ROTATABLE', 'Encryption at rest is off: configure TESSERA_MASTER_KEY or TESSERA_MASTER_KEY_FILE first.');
    const given = newKeyOf(body);
    let rewrapped = 0;
    const keys = await control.rotate(() => {
      const sealed = this.context.store.listSealedVersions();
      const updates = sealed.map((version) => {
        const model = this.context.store.getModel(version.model);
        if (model === undefined || version.artifactId === null || version.envelope === null) throw new RangeError(`Version row ${version.id} is not sealed.`);
        try {
          return { versionId: version.id, envelope: control.rewrap(version.envelope, { tenant: model.tenant, modelId: model.id }, version.artifactId) };
        } catch (error) {
          if (isServingError(error)) return undefined;
          throw error;
        }
      });
      const ok = updates.filter((update) => update !== undefined);
      this.context.store.replaceEnvelopes(ok);
      rewrapped = ok.length;
    }, given);
    return { ...keys, rewrapped };
  }
}

function newKeyOf(body: unknown): string | undefined {
  if (body === undefined || body === null) return undefined;
  if (typeof body !== 'object' || Array.isArray(body) || Object.keys(body).some((key) => key !== 'newKey')) {
    fail('INVALID_REQUEST', 'The body must be {} or {"newKey": "<32 bytes, base64 or hex>"}.');
  }
  const key = (body as { newKey?: unknown }).newKey;
  if (key !== undefined && typeof key !== 'string') fail('INVALID_REQUEST', 'Field "newKey" must be a string.');
  return key as string | undefined;
}
