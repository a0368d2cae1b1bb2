import { readFileSync } from 'node:fs';
import { DEFAULT_URL } from './cli-context.js';

/** The global flags, as every help page ends. */
export const GLOBAL_FLAGS_HELP = `Global flags:
  --url <url>       server address (env TESSERA_URL, default ${DEFAULT_URL})
  --key <key>       API key (env TESSERA_KEY; else the admin.key in the data folder, if readable; else none)
  --data <dir>      data folder holding admin.key (env TESSERA_DATA_DIR, default ./data); also --data-dir
  --json            print machine-readable JSON
  --help, -h        show help
  --version         print the version of this command`;

/**
 * The text of `tessera --help`.
 *
 * @example
 * io.stdout.write(topLevelHelp([{ name: 'push', summary: 'upload a model' }]));
 */
export function topLevelHelp(commands: ReadonlyArray<{ name: string; summary: string }>): string {
  const width = Math.max(...commands.map((command) => command.name.length));
  const lines = commands.map((command) => `  ${command.name.padEnd(width)}  ${command.summary}`);
  return `tessera: serve ONNX models over the Open Inference Protocol v2, with versions and aliases

Usage: tessera <command> [arguments] [flags]

Commands:
${lines.join('\n')}

${GLOBAL_FLAGS_HELP}

Run "tessera <command> --help" for a command's usage. Errors print "error: <message> (<CODE>)" on stderr and
exit 1; usage mistakes exit 2.
`;
}

/** The text of `tessera <command> --help`. */
export function commandHelp(usage: string): string {
  return `${usage}\n\n${GLOBAL_FLAGS_HELP}\n`;
}

/**
 * This package's version, read from the nearest package.json named "tessera" above this file.
 *
 * @example
 * cliVersion(); // '0.1.0'
 */
export function cliVersion(): string {
  let folder = new URL('.', import.meta.url);
  for (let depth = 0; depth < 6; depth++) {
    try {
      const manifest = JSON.parse(readFileSync(new URL('package.json', folder), 'utf8')) as { name?: string; version?: string };
      if (manifest.name === 'tessera' && manifest.version) return manifest.version;
    } catch {
      // no package.json here: look further up
    }
    folder = new URL('..', folder);
  }
  return 'unknown';
}
