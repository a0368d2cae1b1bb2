/*
 * Local copies of the artifact cipher types of registry/types.ts. security/ may not import registry/, so the cipher
 * is written against these declarations, which have the same shape: TypeScript matches them structurally, and the
 * composition root hands a `createArtifactCipher(...)` result to the artifact store as its `ArtifactCipher`.
 */

/** Who owns an artifact (registry `ArtifactOwner`): both fields are bound into every chunk and the wrapped data key. */
export interface ArtifactOwner {
  tenant: string;
  modelId: number;
}

/** Sealing of one artifact in progress (registry `ArtifactSealing`). */
export interface ArtifactSealing {
  /** Takes plain bytes; returns the encrypted bytes ready to write (the header first), possibly none. */
  update(plain: Uint8Array): Uint8Array[];
  /** Seals the last chunk; returns the remaining encrypted bytes and the envelope to keep in the version row. */
  final(): { chunks: Uint8Array[]; envelope: string };
}

/** Encrypts artifacts as they stream to disk and decrypts them into memory (registry `ArtifactCipher`). */
export interface ArtifactCipher {
  seal(owner: ArtifactOwner, artifactId: string): ArtifactSealing;
  open(stored: Uint8Array, envelope: string, owner: ArtifactOwner, artifactId: string): Uint8Array;
}
