import type { FastifyInstance } from 'fastify';
import { ServingError } from '../core/index.js';
import { jsonNestingExceeds, MAX_JSON_DEPTH } from '../protocol/index.js';

/**
 * JSON bodies for control routes: bounded, an empty body reads as undefined, and `__proto__` / `constructor` keys
 * are refused outright (prototype-poisoning attempts).
 */
export function installJsonParser(server: FastifyInstance, bodyLimit: number): void {
  server.removeContentTypeParser('application/json');
  server.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit }, (_request, body, done) => {
    const text = (body as string).trim();
    if (text.length === 0) return done(null, undefined);
    if (jsonNestingExceeds(text)) return done(new ServingError('INVALID_JSON', `The body nests deeper than ${MAX_JSON_DEPTH} levels.`), undefined);
    try {
      done(null, JSON.parse(text, (key, value: unknown) => {
        if (key === '__proto__' || key === 'constructor') throw new Error(`the key "${key}" is not allowed`);
        return value;
      }));
    } catch (error) {
      done(new ServingError('INVALID_JSON', `The body is not valid JSON: ${(error as Error).message.slice(0, 200)}`), undefined);
    }
  });
}
