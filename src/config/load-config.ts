import { readFileSync } from 'node:fs';
import { SETTINGS, type SettingSpec, type TesseraConfig } from './config-schema.js';

/** A configuration that failed validation; the message names the setting, where it came from and the fix. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

type Source = { value: unknown; from: string };

/** Long flags of the form `--name value` or `--name=value`; `--config <file>` names an optional JSON file. */
export function parseFlags(argv: readonly string[]): Map<string, string> {
  const flags = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('--')) throw new ConfigError(`Unexpected argument ${JSON.stringify(arg)}; settings are given as --name value.`);
    const eq = arg.indexOf('=');
    if (eq > 0) flags.set(arg.slice(2, eq), arg.slice(eq + 1));
    else if (i + 1 < argv.length && !argv[i + 1].startsWith('--')) flags.set(arg.slice(2), argv[++i]);
    else flags.set(arg.slice(2), 'true');
  }
  return flags;
}

/**
 * Resolves the configuration once: flag > environment > JSON file (`--config` / TESSERA_CONFIG) > default.
 * Validates every value and returns a frozen object. The only reader of `process.env` is the caller passing `env`.
 * @example loadConfig(['--port', '9000'], process.env)
 */
export function loadConfig(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): Readonly<TesseraConfig> {
  const flags = parseFlags(argv);
  const known = new Set(SETTINGS.map((s) => s.flag).concat(['config', 'print-config']));
  for (const name of flags.keys()) if (!known.has(name)) throw new ConfigError(`Unknown setting --${name}; see docs/configuration.md.`);
  const file = readConfigFile(flags.get('config') ?? env.TESSERA_CONFIG);
  const config: Record<string, unknown> = {};
  for (const spec of SETTINGS) {
    const source = pick(spec, flags, env, file);
    config[spec.key] = source === undefined ? spec.default : coerce(spec, source);
  }
  return Object.freeze(config as unknown as TesseraConfig);
}

function readConfigFile(path: string | undefined): Record<string, unknown> {
  if (path === undefined) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new ConfigError(`Cannot read config file ${path}: ${(error as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new ConfigError(`Config file ${path} must hold a JSON object.`);
  const keys = new Set(SETTINGS.map((s) => s.key as string));
  for (const key of Object.keys(parsed)) if (!keys.has(key)) throw new ConfigError(`Unknown setting "${key}" in ${path}.`);
  return parsed as Record<string, unknown>;
}

function pick(spec: SettingSpec, flags: Map<string, string>, env: Readonly<Record<string, string | undefined>>, file: Record<string, unknown>): Source | undefined {
  if (flags.has(spec.flag)) return { value: flags.get(spec.flag), from: `--${spec.flag}` };
  const fromEnv = env[spec.env];
  if (fromEnv !== undefined && fromEnv !== '') return { value: fromEnv, from: spec.env };
  if (Object.hasOwn(file, spec.key)) return { value: file[spec.key], from: `config file "${spec.key}"` };
  return undefined;
}

function coerce(spec: SettingSpec, source: Source): unknown {
  const text = String(source.value).trim();
  switch (spec.kind) {
    case 'int': {
      if (!/^[0-9]{1,15}$/.test(text) || Number(text) < (spec.min ?? 0)) {
        throw new ConfigError(`${source.from} must be an integer ≥ ${spec.min ?? 0}, got ${JSON.stringify(text)}.`);
      }
      if (spec.key === 'port' && Number(text) > 65535) throw new ConfigError(`${source.from} must be a port number ≤ 65535.`);
      return Number(text);
    }
    case 'bool':
      if (!['true', 'false', '1', '0'].includes(text)) throw new ConfigError(`${source.from} must be true or false, got ${JSON.stringify(text)}.`);
      return text === 'true' || text === '1';
    case 'level':
      if (!['fatal', 'error', 'warn', 'info', 'debug', 'silent'].includes(text)) throw new ConfigError(`${source.from} must be one of fatal, error, warn, info, debug, silent.`);
      return text;
    default:
      if (spec.key === 'adminKey' && text.length < 16) throw new ConfigError(`${source.from} must be at least 16 characters long.`);
      if (text.length === 0) throw new ConfigError(`${source.from} must not be empty.`);
      if (spec.key === 'otlpEndpoint') checkCollectorUrl(text, source.from);
      return text;
  }
}

/** An OTLP collector address: http(s), no credentials in it (they would be logged), no query or fragment. */
function checkCollectorUrl(text: string, from: string): void {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new ConfigError(`${from} must be an http(s) URL such as http://127.0.0.1:4318.`);
  }
  if (!['http:', 'https:'].includes(url.protocol) || url.username !== '' || url.password !== '' || url.search !== '' || url.hash !== '') {
    throw new ConfigError(`${from} must be an http(s) URL without credentials, query or fragment, such as http://127.0.0.1:4318.`);
  }
}

/** The configuration with secrets replaced, safe to print or log. */
export function redactConfig(config: Readonly<TesseraConfig>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...config };
  for (const spec of SETTINGS) if (spec.secret && out[spec.key] !== undefined) out[spec.key] = '[redacted]';
  return out;
}
