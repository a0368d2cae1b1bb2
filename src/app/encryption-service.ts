import { fail, ServingError } from '../core/index.js';
import type { AppContext } from './app-context.js';

export interface RotationReport {
  from: string;
  to: string;
  rewrapped: number;
  /** Versions whose data key could not be unwrapped (already corrupt); they stay CORRUPT-bound. */
  skipped: number;
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
    if (body !== undefined && body !== null && (typeof body !== 'object' || Array.isArray(body) || Object.keys(body).length > 0)) {
      fail('INVALID_REQUEST', 'The body must be empty or {}: the server generates the next master key itself.');
    }
    const control = this.context.encryption
      ?? fail('MASTER_KEY_NOT_ROTATABLE', 'Encryption at rest is off: configure TESSERA_MASTER_KEY_FILE first.');
    let rewrapped = 0;
    let skipped = 0;
    const keys = await control.rotate((rewrap) => {
      const updates: Array<{ versionId: number; envelope: string }> = [];
      for (const version of this.context.store.listSealedVersions()) {
        const model = this.context.store.getModel(version.model);
        if (model === undefined || version.artifactId === null || version.envelope === null) continue;
        try {
          updates.push({ versionId: version.id, envelope: rewrap(version.envelope, { tenant: model.tenant, modelId: model.id }, version.artifactId) });
        } catch (error) {
          if (!(error instanceof ServingError)) throw error;
          skipped += 1;
        }
      }
      this.context.store.replaceEnvelopes(updates);
      rewrapped = updates.length;
    });
    this.context.logger.info({ ...keys, rewrapped, skipped }, 'master-key-rotated');
    return { ...keys, rewrapped, skipped };
  }
}
