import { fail } from '../core/index.js';
import type { PreprocessFields, Triple } from './preprocess-settings.js';
import { PRESET_NAMES } from './presets.js';

/** The largest height, width or `resizeShorter` accepted (sharp's own limit per axis is larger; no model needs more). */
export const MAX_IMAGE_SIDE = 16384;

type Reader = (value: unknown, key: string) => unknown;

const oneOf = (allowed: readonly string[]): Reader => (value, key) =>
  (typeof value === 'string' && allowed.includes(value) ? value : bad(key, `one of ${allowed.join(', ')}`, value));

const READERS: Readonly<Record<keyof PreprocessFields, Reader>> = Object.freeze({
  preset: oneOf(PRESET_NAMES),
  input: (value, key) => (typeof value === 'string' && value.length > 0 ? value : bad(key, 'a non-empty input name', value)),
  layout: oneOf(['NCHW', 'NHWC']),
  size: readSize,
  resize: oneOf(['stretch', 'center-crop', 'letterbox', 'keep-ratio-pad']),
  resizeShorter: (value, key) => (isSide(value) ? value : bad(key, `an integer from 1 to ${MAX_IMAGE_SIDE}`, value)),
  kernel: oneOf(['nearest', 'linear', 'cubic', 'lanczos3']),
  channelOrder: oneOf(['RGB', 'BGR']),
  scale: (value, key) => (isFiniteNumber(value) && value > 0 ? value : bad(key, 'a positive finite number', value)),
  mean: (value, key) => readTriple(value, key, isFiniteNumber, 'finite numbers'),
  std: (value, key) => readTriple(value, key, (x) => isFiniteNumber(x) && x > 0, 'positive finite numbers'),
  activation: oneOf(['none', 'softmax', 'sigmoid']),
});

/**
 * Checks the free-form preprocessing settings a model stores (JSON from the registry) and returns them typed and
 * frozen, without defaults. An unknown key or a value of the wrong kind throws `INVALID_REQUEST` naming the key.
 *
 * @example parsePreprocessFields({ preset: 'vgg', size: [224, 224] }) // → { preset: 'vgg', size: [224, 224] }
 */
export function parsePreprocessFields(stored: Record<string, unknown>): PreprocessFields {
  if (typeof stored !== 'object' || stored === null || Array.isArray(stored)) {
    fail('INVALID_REQUEST', `Preprocessing settings must be a JSON object, got ${describe(stored)}.`);
  }
  const fields: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(stored)) {
    if (!Object.hasOwn(READERS, key)) {
      fail('INVALID_REQUEST', `Unknown preprocessing setting "${key}": use ${Object.keys(READERS).join(', ')}.`);
    }
    if (value !== undefined) fields[key] = READERS[key as keyof PreprocessFields](value, key);
  }
  return Object.freeze(fields) as PreprocessFields;
}

function readSize(value: unknown, key: string): readonly [number, number] {
  if (!Array.isArray(value) || value.length !== 2 || !value.every(isSide)) {
    bad(key, `[height, width], two integers from 1 to ${MAX_IMAGE_SIDE}`, value);
  }
  return Object.freeze([value[0], value[1]] as [number, number]);
}

function readTriple(value: unknown, key: string, check: (x: unknown) => boolean, what: string): Triple {
  if (!Array.isArray(value) || value.length !== 3 || !value.every(check)) {
    bad(key, `three ${what}, one per channel in the model's channel order`, value);
  }
  return Object.freeze([value[0], value[1], value[2]] as [number, number, number]);
}

function isSide(value: unknown): value is number {
  return Number.isSafeInteger(value) && (value as number) >= 1 && (value as number) <= MAX_IMAGE_SIDE;
}

function isFiniteNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

function bad(key: string, expected: string, value: unknown): never {
  fail('INVALID_REQUEST', `Preprocessing setting "${key}" must be ${expected}; got ${describe(value)}.`);
}

function describe(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
