import { isTesseraError } from '../client/index.js';
import type { CommandGroup } from './command-group.js';
import { formatFields } from './format-table.js';
import { expectPositionals } from './parse-args.js';

/** `tessera status`: server metadata, readiness and how many models it holds. */
export const statusCommand: CommandGroup = {
  name: 'status',
  summary: 'show the server: name, version, readiness, extensions, model count',
  usage: 'Usage:\n  tessera status\n\nThe model count needs a key; without one it shows why it is unknown.',
  flags: {},
  async run(context, positionals) {
    expectPositionals(positionals, [], 'tessera status');
    const client = context.client();
    const [server, live, ready] = await Promise.all([client.serverMetadata(), client.live(), client.ready()]);
    let models: number | null = null;
    let modelsNote = '';
    try {
      models = (await client.listModels()).length;
    } catch (error) {
      if (!isTesseraError(error)) throw error;
      modelsNote = `unknown: ${error.message} (${error.code})`;
    }
    context.result({ url: context.url, server, live, ready, models }, () => formatFields([
      ['url', context.url],
      ['server', `${server.name} ${server.version}`],
      ['live', live ? 'yes' : 'no'],
      ['ready', ready ? 'yes' : 'no'],
      ['extensions', server.extensions.join(', ') || '-'],
      ['models', models === null ? modelsNote : String(models)],
    ]));
    return ready ? 0 : 1;
  },
};
