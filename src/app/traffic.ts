import { createHash } from 'node:crypto';
import { ALIAS_NAME_PATTERN, fail } from '../core/index.js';
import { MAX_TRAFFIC_ROUTES, type TrafficRoute, type TrafficSplit } from '../protocol/index.js';
import type { ModelRecord, ModelStore, VersionRecord } from '../registry/index.js';
import type { AppContext } from './app-context.js';
import type { ModelService } from './model-service.js';
import type { PolicyLoader } from './policy-loader.js';

/**
 * Traffic splits: requests that name no version are spread over weighted routes (version numbers or aliases).
 *
 * Weights are integer percentages (0–100) that sum to exactly 100, so a split reads the same way everywhere and a
 * weight is the share of requests it gets. A weight of 0 keeps a route in the split without sending it anything (it is
 * not a fallback either). With a `stickyHeader`, the header's value (not a random draw) places the request on
 * [0, 100): the same value lands on the same route for as long as the weights stay the same.
 */

/** How a request is routed, as the transport hands it over: the value of the split's sticky header, if sent. */
export interface TrafficRouting {
  /** Value of the header the split's `stickyHeader` names; absent or empty → a random draw. */
  sticky?: string;
}

/** Header names a split may stick on: lower-case, as HTTP/2 and Node spell them. */
const STICKY_HEADER_PATTERN = /^[a-z0-9-]{1,64}$/;
/** Headers holding credentials: a split may not read them, so no key or cookie ever reaches the routing hash. */
const FORBIDDEN_STICKY_HEADERS: ReadonlySet<string> = new Set(['authorization', 'cookie', 'proxy-authorization']);
const TOTAL_WEIGHT = 100;

/**
 * Validates the body of `PUT /api/models/{name}/traffic` and returns it in its stored shape (fields in a fixed
 * order, nothing else). INVALID_REQUEST (with `field`) for anything but 1–10 routes, each with exactly one of
 * `version` (positive integer) or `alias` (alias name rule) and an integer `weight` 0–100, the weights summing to
 * 100, no target twice, an optional lower-case `stickyHeader` other than `authorization`/`cookie`, and no other field.
 *
 * @example parseTraffic({ routes: [{ version: 1, weight: 90 }, { alias: 'staging', weight: 10 }], stickyHeader: 'x-user-id' })
 */
export function parseTraffic(body: unknown): TrafficSplit {
  const input = objectWith(body, ['routes', 'stickyHeader'], 'The body');
  if (!Array.isArray(input.routes) || input.routes.length < 1 || input.routes.length > MAX_TRAFFIC_ROUTES) {
    fail('INVALID_REQUEST', `Field "routes" must be a list of 1 to ${MAX_TRAFFIC_ROUTES} routes, each {"version": n, "weight": w} or {"alias": "name", "weight": w}.`,
      { field: 'routes' });
  }
  const routes = (input.routes as unknown[]).map((route, i) => parseRoute(route, i));
  const targets = routes.map(targetOf);
  const repeated = targets.find((target, i) => targets.indexOf(target) !== i);
  if (repeated !== undefined) fail('INVALID_REQUEST', `The split names ${repeated} twice: give each target one route.`, { field: 'routes' });
  const total = routes.reduce((sum, route) => sum + route.weight, 0);
  if (total !== TOTAL_WEIGHT) {
    fail('INVALID_REQUEST', `The weights sum to ${total}; they are percentages and must sum to exactly ${TOTAL_WEIGHT}.`, { field: 'routes' });
  }
  const stickyHeader = input.stickyHeader === undefined ? undefined : parseStickyHeader(input.stickyHeader);
  return stickyHeader === undefined ? { routes } : { routes, stickyHeader };
}

function parseRoute(value: unknown, index: number): TrafficRoute {
  const field = `routes[${index}]`;
  const route = objectWith(value, ['version', 'alias', 'weight'], `Route ${index}`, field);
  if ((route.version === undefined) === (route.alias === undefined)) {
    fail('INVALID_REQUEST', `Route ${index} must name exactly one of "version" or "alias".`, { field });
  }
  const { weight } = route;
  if (!Number.isSafeInteger(weight) || (weight as number) < 0 || (weight as number) > TOTAL_WEIGHT) {
    fail('INVALID_REQUEST', `Field "${field}.weight" must be an integer from 0 to ${TOTAL_WEIGHT} (a percentage).`, { field: `${field}.weight` });
  }
  if (route.version !== undefined) {
    if (!Number.isSafeInteger(route.version) || (route.version as number) < 1) {
      fail('INVALID_REQUEST', `Field "${field}.version" must be a positive integer.`, { field: `${field}.version` });
    }
    return { version: route.version as number, weight: weight as number };
  }
  if (typeof route.alias !== 'string' || !ALIAS_NAME_PATTERN.test(route.alias)) {
    fail('INVALID_REQUEST', `Field "${field}.alias" must be an alias name (${ALIAS_NAME_PATTERN.source}).`, { field: `${field}.alias` });
  }
  return { alias: route.alias, weight: weight as number };
}

function parseStickyHeader(value: unknown): string {
  if (typeof value !== 'string' || !STICKY_HEADER_PATTERN.test(value)) {
    fail('INVALID_REQUEST', `Field "stickyHeader" must be a lower-case header name (${STICKY_HEADER_PATTERN.source}), e.g. "x-user-id".`, { field: 'stickyHeader' });
  }
  if (FORBIDDEN_STICKY_HEADERS.has(value)) {
    fail('INVALID_REQUEST', `Field "stickyHeader" may not be "${value}": it carries credentials. Use a header such as "x-user-id".`, { field: 'stickyHeader' });
  }
  return value;
}

/** A plain object with only the allowed fields (unknown fields are refused, not ignored). */
function objectWith(value: unknown, allowed: readonly string[], what: string, field?: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    fail('INVALID_REQUEST', `${what} must be a JSON object.`, field === undefined ? undefined : { field });
  }
  const unknown = Object.keys(value).find((key) => !allowed.includes(key));
  if (unknown !== undefined) {
    const name = field === undefined ? unknown : `${field}.${unknown}`;
    fail('INVALID_REQUEST', `Unknown field "${name.slice(0, 80)}": ${what.toLowerCase()} takes ${allowed.map((key) => `"${key}"`).join(', ')}.`, { field: name.slice(0, 80) });
  }
  return value as Record<string, unknown>;
}

function targetOf(route: TrafficRoute): string {
  return route.version !== undefined ? `version ${route.version}` : `alias "${route.alias}"`;
}

/**
 * The point of a request on [0, 100): from the sticky value when there is one (sha256 of `scope` and the value, so
 * the same caller of the same model always gets the same point), else from `random()` ([0, 1)).
 */
export function trafficPoint(stickyValue: string | undefined, random: () => number, scope = ''): number {
  if (stickyValue === undefined || stickyValue.length === 0) return Math.min(random(), 1 - Number.EPSILON) * TOTAL_WEIGHT;
  const digest = createHash('sha256').update(scope).update('\0').update(stickyValue).digest();
  return (digest.readUIntBE(0, 6) / 2 ** 48) * TOTAL_WEIGHT;
}

/**
 * Picks the route of one request: weighted random, or by the sticky value's hash (see `trafficPoint`). Routes of
 * weight 0 are never picked.
 *
 * @example pickRoute({ routes: [{ version: 1, weight: 80 }, { version: 2, weight: 20 }] }, 'user-42', Math.random, 'model-7')
 */
export function pickRoute(traffic: TrafficSplit, stickyValue: string | undefined, random: () => number, scope = ''): TrafficRoute {
  const point = trafficPoint(stickyValue, random, scope);
  let end = 0;
  for (const route of traffic.routes) {
    end += route.weight;
    if (route.weight > 0 && point < end) return route;
  }
  const last = [...traffic.routes].reverse().find((route) => route.weight > 0);
  return last ?? fail('INVALID_REQUEST', 'The traffic split has no route with a weight above 0.');
}

/** The picked route first, then the other routes with a weight above 0, heaviest first (the fallbacks). */
export function routeOrder(traffic: TrafficSplit, picked: TrafficRoute): TrafficRoute[] {
  const rest = traffic.routes.filter((route) => route !== picked && route.weight > 0).sort((a, b) => b.weight - a.weight);
  return [picked, ...rest];
}

/**
 * The version a request without a version number is served from under the model's split: the picked route's target
 * when it is READY, else the next route's by weight; undefined when the model has no split or no route's target is
 * READY now (the caller then falls back to the default resolution: `production` alias, else newest READY).
 */
export function routeTraffic(store: ModelStore, model: ModelRecord, routing: TrafficRouting = {}, random: () => number = Math.random): VersionRecord | undefined {
  const traffic = model.traffic;
  if (traffic === null || traffic.routes.every((route) => route.weight === 0)) return undefined;
  const picked = pickRoute(traffic, routing.sticky, random, String(model.id));
  for (const route of routeOrder(traffic, picked)) {
    const target = targetVersion(store, model.name, route);
    if (target?.state === 'READY') return target;
  }
  return undefined;
}

/** The version a route points at now (an alias is followed); undefined when it no longer exists. */
function targetVersion(store: ModelStore, model: string, route: TrafficRoute): VersionRecord | undefined {
  if (route.version !== undefined) return store.getVersion(model, route.version);
  const alias = route.alias === undefined ? undefined : store.getAlias(model, route.alias);
  return alias === undefined ? undefined : store.getVersion(model, alias.version);
}

/**
 * The traffic split of a model: read, set (every target must exist and be READY when it is set) and removed. Methods
 * take qualified names whose access the transport already checked (reads: visible; changes: owned).
 */
export class TrafficService {
  constructor(private readonly context: AppContext, private readonly models: ModelService, private readonly policy?: PolicyLoader) {}

  /** The model's split; `{ routes: [] }` when it has none. */
  get(model: string): TrafficSplit {
    return this.models.require(model).traffic ?? { routes: [] };
  }

  /**
   * Replaces the split, from a body `TrafficSplit`. INVALID_REQUEST for a malformed body; VERSION_NOT_FOUND or
   * ALIAS_NOT_FOUND (404) for a missing target; VERSION_NOT_READY (409) for a target that is not READY.
   *
   * @example traffic.set('acme/iris', { routes: [{ alias: 'production', weight: 80 }, { version: 4, weight: 20 }] })
   */
  set(model: string, body: unknown): TrafficSplit {
    this.models.require(model);
    const traffic = parseTraffic(body);
    for (const route of traffic.routes) this.#checkTarget(model, route);
    const saved = this.context.store.setTraffic(model, traffic).traffic ?? traffic;
    this.policy?.schedule(model);
    return saved;
  }

  /** Removes the split (nothing to remove is fine): requests without a version use the default resolution again. */
  delete(model: string): void {
    if (this.models.require(model).traffic !== null) this.context.store.setTraffic(model, null);
    this.policy?.schedule(model);
  }

  #checkTarget(model: string, route: TrafficRoute): void {
    const { store } = this.context;
    if (route.alias !== undefined && store.getAlias(model, route.alias) === undefined) {
      fail('ALIAS_NOT_FOUND', `Model "${model}" has no alias "${route.alias}": set the alias first or route to a version number.`, { alias: route.alias });
    }
    const target = targetVersion(store, model, route);
    if (target === undefined) {
      fail('VERSION_NOT_FOUND', route.alias === undefined
        ? `Model "${model}" has no version ${route.version}: list its versions to pick an existing one.`
        : `Alias "${route.alias}" of model "${model}" points at a version that no longer exists: set the alias again.`);
    }
    if (target.state !== 'READY') {
      fail('VERSION_NOT_READY', `Version ${target.version} of model "${model}" is ${target.state}, not READY: route traffic to READY versions only.`,
        { version: target.version, state: target.state });
    }
  }
}

/** The version numbers a model's traffic split routes to now (aliases followed), for the version policy to keep loaded. */
export function trafficTargets(store: ModelStore, model: ModelRecord): number[] {
  return (model.traffic?.routes ?? []).flatMap((route) => {
    const target = targetVersion(store, model.name, route);
    return target === undefined ? [] : [target.version];
  });
}
