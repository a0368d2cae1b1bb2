/** An image for `predictImage`: its encoded bytes, a Blob/File, or (in Node only) a file path. */
export type ImageSource = Uint8Array | Blob | string;

/**
 * The bytes of an image source. A path is read with node:fs, imported only when a path is given, so the SDK stays
 * usable in browsers (the one place the client touches a Node built-in; scripts/check-imports.mjs allows exactly it).
 */
export async function imageBytes(source: ImageSource): Promise<Uint8Array> {
  if (source instanceof Uint8Array) return source;
  if (typeof source === 'string') {
    const { readFile } = await import('node:fs/promises');
    return new Uint8Array(await readFile(source));
  }
  return new Uint8Array(await source.arrayBuffer());
}
