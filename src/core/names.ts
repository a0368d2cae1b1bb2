import { fail } from './serving-error.js';

/** Model names: lower-case letters, digits, '.', '_' and '-', starting with a letter or digit, at most 64. */
export const MODEL_NAME_PATTERN = /^[a-z0-9][a-z0-9._-]{0,63}$/;
/** Alias names start with a letter, so they can never be mistaken for a version number. */
export const ALIAS_NAME_PATTERN = /^[a-z][a-z0-9_-]{0,31}$/;

export function assertModelName(name: unknown): string {
  if (typeof name !== 'string' || !MODEL_NAME_PATTERN.test(name) || name === '.' || name === '..') {
    fail('INVALID_MODEL_NAME', `Invalid model name ${JSON.stringify(String(name).slice(0, 80))}: use ${MODEL_NAME_PATTERN.source}.`);
  }
  return name;
}

export function assertAliasName(name: unknown): string {
  if (typeof name !== 'string' || !ALIAS_NAME_PATTERN.test(name)) {
    fail('INVALID_ALIAS_NAME', `Invalid alias name ${JSON.stringify(String(name).slice(0, 80))}: use ${ALIAS_NAME_PATTERN.source}.`);
  }
  return name;
}

/** A version reference in a path: a positive integer, or an alias name. */
export type VersionRef = { kind: 'number'; version: number } | { kind: 'alias'; alias: string };

export function parseVersionRef(text: string): VersionRef {
  if (/^[1-9][0-9]{0,8}$/.test(text)) return { kind: 'number', version: Number(text) };
  if (ALIAS_NAME_PATTERN.test(text)) return { kind: 'alias', alias: text };
  return fail('INVALID_VERSION', `Invalid version ${JSON.stringify(text.slice(0, 80))}: use a positive integer or an alias name.`);
}
