import type { TrafficRoute, TrafficSplit } from '../client/index.js';
import type { CommandGroup } from './command-group.js';
import type { CliContext } from './cli-context.js';
import { formatTable } from './format-table.js';
import { expectPositionals, stringFlag, UsageError } from './parse-args.js';

const USAGE = `Usage:
  tessera traffic <model>                                   show the split
  tessera traffic <model> --set <routes> [--sticky <header>] replace the split
  tessera traffic <model> --clear                           remove the split

A traffic split spreads the requests that name no version over weighted routes; requests that name a version or
an alias are not affected. Without a split they go to the production alias, else the newest READY version.

Flags:
  --set <routes>     comma-separated <target>=<percent>, the percentages summing to 100; a target v<n> or <n> is
                     version n, anything else an alias name (followed at request time), e.g.
                       --set v1=90,v2=10     --set production=80,staging=20
                     every target must exist and be READY
  --sticky <header>  with --set: a request header (lower case, e.g. x-user-id) whose value keeps one caller on one
                     route while the weights stay the same
  --clear            remove the split

Answers name the version that served them: model_version in v2 answers, the x-model-version header elsewhere.`;

const VERSION_TARGET = /^v?([1-9][0-9]{0,8})$/;

/** `tessera traffic …`: show, replace or remove a model's traffic split. */
export const trafficCommand: CommandGroup = {
  name: 'traffic',
  summary: 'show or set the weighted split of requests over versions and aliases',
  usage: USAGE,
  flags: { set: 'string', sticky: 'string', clear: 'boolean' },
  async run(context, positionals, args) {
    const [model] = expectPositionals(positionals, ['model'], 'tessera traffic <model> [--set <routes>] [--sticky <header>] [--clear]');
    const set = stringFlag(args, 'set');
    const sticky = stringFlag(args, 'sticky');
    if (args.flags.clear === true) return clear(context, model, set, sticky);
    if (set === undefined) {
      if (sticky !== undefined) throw new UsageError('--sticky goes with --set: give the routes too');
      const traffic = await context.client().getTraffic(model);
      context.result(traffic, () => describe(model, traffic));
      return 0;
    }
    const split: TrafficSplit = sticky === undefined ? { routes: parseRoutes(set) } : { routes: parseRoutes(set), stickyHeader: sticky };
    const traffic = await context.client().setTraffic(model, split);
    context.result(traffic, () => describe(model, traffic));
    return 0;
  },
};

async function clear(context: CliContext, model: string, set: string | undefined, sticky: string | undefined): Promise<number> {
  if (set !== undefined || sticky !== undefined) throw new UsageError('--clear removes the split: do not combine it with --set or --sticky');
  await context.client().deleteTraffic(model);
  context.result({ deleted: { model } }, () => `removed the traffic split of ${model}`);
  return 0;
}

/**
 * `v1=90,v2=10` or `production=80,staging=20` → routes. The server checks the rest (sum, alias names, targets).
 *
 * @example parseRoutes('v1=90,staging=10') // → [{ version: 1, weight: 90 }, { alias: 'staging', weight: 10 }]
 */
export function parseRoutes(text: string): TrafficRoute[] {
  return text.split(',').map((part) => {
    const match = /^([^=\s]+)=([0-9]{1,3})$/.exec(part.trim());
    if (match === null) throw new UsageError(`--set takes <target>=<percent>[,…] (e.g. v1=90,v2=10), got ${JSON.stringify(part)}`);
    const weight = Number(match[2]);
    const version = VERSION_TARGET.exec(match[1]);
    return version === null ? { alias: match[1], weight } : { version: Number(version[1]), weight };
  });
}

function describe(model: string, traffic: TrafficSplit): string {
  if (traffic.routes.length === 0) {
    return `model ${model} has no traffic split: requests without a version go to the production alias, else the newest READY version`;
  }
  const table = formatTable(['TARGET', 'KIND', 'WEIGHT'], traffic.routes.map((route) => route.version !== undefined
    ? [`v${route.version}`, 'version', `${route.weight}%`]
    : [route.alias ?? '', 'alias', `${route.weight}%`]));
  return traffic.stickyHeader === undefined ? `${table}\nsticky: no (weighted random)` : `${table}\nsticky header: ${traffic.stickyHeader}`;
}
