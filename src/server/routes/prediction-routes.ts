import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Caller, ModelAddress } from '../../app/index.js';
import { fail, ServingError } from '../../core/index.js';
import { parseMultipart } from '../predictions/multipart.js';
import { deadlineOf } from '../deadline.js';
import { callerOf } from '../model-address.js';
import type { ServerContext } from '../server-context.js';
import { answeredBy, logVersion, routingOf } from '../traffic-routing.js';

type Query = { Querystring: { topk?: string } };

/**
 * TorchServe's image endpoint: `POST /predictions/{model}[/{version}]` with the raw image as the body, or
 * multipart/form-data with one or more files (run as one batch); `?topk=` (default 5). Models of other tenants are
 * `/predictions/{tenant}/{model}[/{version}]`: a two-segment path names `tenant/model` when the caller can see such
 * a model, and otherwise a model of the caller's tenant and its version (TorchServe's reading).
 */
export function registerPredictionRoutes(server: FastifyInstance, context: ServerContext): void {
  server.removeAllContentTypeParsers();
  server.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: context.config.maxInferBytes }, (_request, body, done) => done(null, body));
  server.post<{ Params: { name: string } } & Query>('/predictions/:name', (request, reply) =>
    predict(context, request, reply, { model: request.params.name }, undefined));
  server.post<{ Params: { first: string; second: string } } & Query>('/predictions/:first/:second', (request, reply) => {
    const { first, second } = request.params;
    const qualified = twoSegmentModel(context, callerOf(request), first, second);
    return qualified ? predict(context, request, reply, qualified, undefined) : predict(context, request, reply, { model: first }, second);
  });
  server.post<{ Params: { tenant: string; name: string; version: string } } & Query>('/predictions/:tenant/:name/:version', (request, reply) =>
    predict(context, request, reply, { tenant: request.params.tenant, model: request.params.name }, request.params.version));
}

/** `tenant/model` when the caller can see that model; undefined to read the path as `model/version`. */
function twoSegmentModel(context: ServerContext, caller: Caller, first: string, second: string): ModelAddress | undefined {
  try {
    context.app.access.visible(caller, { tenant: first, model: second });
    return { tenant: first, model: second };
  } catch (error) {
    if (error instanceof ServingError) return undefined;
    throw error;
  }
}

async function predict(context: ServerContext, request: FastifyRequest<Query>, reply: FastifyReply, address: ModelAddress, version: string | undefined) {
  const caller = callerOf(request);
  const model = context.app.access.invocable(caller, address);
  const resolved = context.app.inference.resolve(model.name, version, routingOf(request, model.traffic?.stickyHeader)).version.version;
  request.security.metered = { model: model.name, version: resolved, queueMs: 0, computeMs: 0 };
  logVersion(request, reply, resolved);
  const images = imagesOf(request);
  const topk = topkOf(request.query.topk);
  const answer = await context.app.images.predict(model.name, String(resolved), images, topk, { lane: caller.tenant, deadline: deadlineOf(request), trace: request.traceContext });
  request.security.metered = { model: answer.model, version: answer.version, queueMs: answer.queueMs, computeMs: answer.computeMs };
  const name = address.tenant === undefined ? address.model : `${address.tenant}/${address.model}`;
  answeredBy(reply, answer.version);
  return { model: name, version: answer.version, predictions: images.length === 1 ? answer.predictions[0] : answer.predictions };
}

function imagesOf(request: FastifyRequest): Uint8Array[] {
  const body = request.body as Buffer | undefined;
  if (body === undefined || body.byteLength === 0) fail('INVALID_IMAGE', 'Send the image as the request body, or as files in multipart/form-data.');
  const type = request.headers['content-type'] ?? '';
  if (!/^multipart\/form-data/i.test(type)) return [body];
  const files = parseMultipart(body, type).filter((part) => part.data.byteLength > 0);
  if (files.length === 0) fail('INVALID_IMAGE', 'The multipart body holds no file.');
  return files.map((part) => part.data);
}

function topkOf(text: string | undefined): number {
  if (text === undefined) return 5;
  if (!/^[1-9][0-9]{0,3}$/.test(text)) fail('INVALID_PARAMETER', `topk must be an integer from 1 to 9999, got ${JSON.stringify(text.slice(0, 20))}.`);
  return Number(text);
}
