import type { ArtifactOwner } from './cipher-types.js';

/** Throws a TypeError unless the owner and artifact id have the types bound into the AAD (a caller bug, not bad data). */
export function assertOwner(owner: ArtifactOwner, artifactId: string): void {
  if (typeof owner !== 'object' || owner === null || typeof owner.tenant !== 'string' || !Number.isSafeInteger(owner.modelId)) {
    throw new TypeError('An artifact owner is { tenant: string, modelId: integer }.');
  }
  if (typeof artifactId !== 'string' || artifactId.length === 0) throw new TypeError('An artifact id is a non-empty string.');
}
