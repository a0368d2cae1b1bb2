import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TesseraClient } from '../client/index.js';
import type { FlagSpec, ParsedArgs } from './parse-args.js';
import type { ProgressSink } from './progress-bar.js';

/** The default server address when neither --url nor TESSERA_URL is given. */
export const DEFAULT_URL = 'http://127.0.0.1:8080';

/** Flags every command accepts. A command that declares its own `--data` (infer) keeps `--data-dir` for the folder. */
export const GLOBAL_FLAGS: FlagSpec = {
  url: 'string', key: 'string', data: 'string', 'data-dir': 'string', json: 'boolean', help: 'boolean',
};

/** The process's standard streams, as the CLI uses them (replaceable in tests). */
export interface CliIo {
  stdout: ProgressSink;
  stderr: ProgressSink;
}

export interface CliContextOptions {
  args: ParsedArgs;
  env: NodeJS.ProcessEnv;
  io: CliIo;
  /** False when the command gives `--data` another meaning. */
  dataFlagIsFolder: boolean;
}

/**
 * What a command needs besides its arguments: the output mode, the streams and a client for the server chosen by
 * `--url` / TESSERA_URL, authenticated with `--key` / TESSERA_KEY or else the admin key a server wrote in its data
 * folder (`--data` / `--data-dir` / TESSERA_DATA_DIR / `./data`), or else no key.
 *
 * @example
 * const context = new CliContext({ args, env: process.env, io: { stdout: process.stdout, stderr: process.stderr }, dataFlagIsFolder: true });
 * context.result(await context.client().listModels(), () => 'text for people');
 */
export class CliContext {
  readonly json: boolean;
  readonly url: string;
  readonly io: CliIo;
  private readonly args: ParsedArgs;
  private readonly env: NodeJS.ProcessEnv;
  private readonly dataFlagIsFolder: boolean;
  private cachedClient: TesseraClient | undefined;

  constructor(options: CliContextOptions) {
    this.args = options.args;
    this.env = options.env;
    this.io = options.io;
    this.dataFlagIsFolder = options.dataFlagIsFolder;
    this.json = options.args.flags.json === true;
    this.url = this.flag('url') ?? nonEmpty(options.env.TESSERA_URL) ?? DEFAULT_URL;
  }

  /** The SDK client for the chosen server (built once). */
  client(): TesseraClient {
    this.cachedClient ??= new TesseraClient({ url: this.url, key: this.resolveKey() });
    return this.cachedClient;
  }

  /** The data folder whose admin.key is the fallback key. */
  dataDir(): string {
    const folderFlag = this.dataFlagIsFolder ? this.flag('data') : undefined;
    return this.flag('data-dir') ?? folderFlag ?? nonEmpty(this.env.TESSERA_DATA_DIR) ?? './data';
  }

  /** The API key: flag, env, `<data dir>/admin.key`, or none. */
  resolveKey(): string | undefined {
    const given = this.flag('key') ?? nonEmpty(this.env.TESSERA_KEY);
    if (given !== undefined) return given;
    try {
      return nonEmpty(readFileSync(join(this.dataDir(), 'admin.key'), 'utf8').trim());
    } catch {
      return undefined;
    }
  }

  /** Prints a command's result: indented JSON with --json, else the human text (skipped when empty). */
  result(value: unknown, human: () => string): void {
    if (this.json) {
      this.io.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
      return;
    }
    const text = human();
    if (text.length > 0) this.io.stdout.write(`${text}\n`);
  }

  /** A line for people on stdout; nothing with --json. */
  say(text: string): void {
    if (!this.json) this.io.stdout.write(`${text}\n`);
  }

  /** A line on stderr (notes and warnings; also shown with --json). */
  note(text: string): void {
    this.io.stderr.write(`${text}\n`);
  }

  private flag(name: string): string | undefined {
    const value = this.args.flags[name];
    return typeof value === 'string' ? nonEmpty(value) : undefined;
  }
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.length === 0 ? undefined : value;
}
