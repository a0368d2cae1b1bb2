export { createArtifactCipher, DEFAULT_CHUNK_SIZE, type ArtifactCipherOptions } from './artifact-cipher.js';
export { parseMasterKey, generateMasterKeyText, masterKeyFromBytes, type MasterKey } from './master-key.js';
export { rewrapEnvelope, envelopeKeyId } from './data-key-envelope.js';
