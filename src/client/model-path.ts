import { segment } from './http-transport.js';

/**
 * URL path segments of a model name: `name` (in the caller's tenant) becomes one segment, `tenant/name` two, each
 * percent-encoded on its own (the server routes `/…/:name` and `/…/:tenant/:name`; an encoded `%2F` would not match).
 * Only the first `/` splits, so anything after it stays inside the model segment for the server to refuse.
 *
 * @example
 * modelSegments('iris');      // 'iris'
 * modelSegments('acme/iris'); // 'acme/iris'
 * modelSegments('a b/c d');   // 'a%20b/c%20d'
 */
export function modelSegments(name: string): string {
  const slash = name.indexOf('/');
  if (slash === -1) return segment(name);
  const tenant = name.slice(0, slash);
  const model = name.slice(slash + 1);
  if (tenant.length === 0 || model.length === 0) {
    throw new TypeError(`Invalid model name ${JSON.stringify(name)}: use "model" or "tenant/model".`);
  }
  return `${segment(tenant)}/${segment(model)}`;
}

/** `/api/models/{model}` for `name` or `tenant/name`. */
export function modelPath(name: string): string {
  return `/api/models/${modelSegments(name)}`;
}

/** `/api/models/{model}/aliases/{alias}`. */
export function aliasPath(model: string, alias: string): string {
  return `${modelPath(model)}/aliases/${segment(alias)}`;
}

/** `/v2/models/{model}[/versions/{version}]`; `version` is a number or an alias name. */
export function v2ModelPath(model: string, version?: string | number): string {
  const base = `/v2/models/${modelSegments(model)}`;
  return version === undefined || version === '' ? base : `${base}/versions/${segment(version)}`;
}

/** `/predictions/{model}[/{version}]?topk=k` (TorchServe's image route; `tenant/model` adds a segment). */
export function predictionPath(model: string, version: string | number | undefined, topk: number): string {
  const suffix = version === undefined || version === '' ? '' : `/${segment(version)}`;
  return `/predictions/${modelSegments(model)}${suffix}?topk=${topk}`;
}
