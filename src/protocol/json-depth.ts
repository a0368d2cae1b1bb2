/** Deepest nesting any tessera JSON body needs (tensor data nests one level per dimension, ranks stay far below). */
export const MAX_JSON_DEPTH = 64;

/**
 * True when `text` nests arrays/objects deeper than `maxDepth`. One pass over the characters, skipping strings, run
 * before `JSON.parse` so a 10k-deep body costs a scan, not a deep recursion.
 */
export function jsonNestingExceeds(text: string, maxDepth = MAX_JSON_DEPTH): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i += 1) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92) i += 1;
      else if (c === 34) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 91 || c === 123) {
      depth += 1;
      if (depth > maxDepth) return true;
    } else if (c === 93 || c === 125) depth -= 1;
  }
  return false;
}
