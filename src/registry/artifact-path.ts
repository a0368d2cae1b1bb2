import { randomBytes } from 'node:crypto';
import { basename, join } from 'node:path';
import { fail } from '../core/index.js';

/** Artifact ids are server-made: 32 lower-case hex characters (128 random bits). */
export const ARTIFACT_ID_PATTERN = /^[0-9a-f]{32}$/;

/** Name of the folder under the root where writes in progress live. */
export const TEMP_FOLDER = 'tmp';

/** Makes a fresh artifact id from 16 random bytes. */
export function newArtifactId(): string {
  return randomBytes(16).toString('hex');
}

/**
 * The one place an artifact id becomes a path: `<root>/<first two hex digits>/<id>.onnx`. Refuses anything that is
 * not a server-made id, so no client-chosen text ever reaches the file system.
 *
 * @example artifactPath('/data/artifacts', '0f…') // → '/data/artifacts/0f/0f….onnx'
 */
export function artifactPath(root: string, artifactId: string): string {
  if (typeof artifactId !== 'string' || !ARTIFACT_ID_PATTERN.test(artifactId)) {
    fail('INTERNAL', `Invalid artifact id ${JSON.stringify(String(artifactId).slice(0, 80))}: expected 32 lower-case hex characters.`);
  }
  return join(root, artifactId.slice(0, 2), `${artifactId}.onnx`);
}

/** Path of the temp file a write of `artifactId` streams into before it is renamed into place: `<root>/tmp/<id>.onnx.part`. */
export function tempPath(root: string, artifactId: string): string {
  return join(root, TEMP_FOLDER, `${basename(artifactPath(root, artifactId))}.part`);
}
