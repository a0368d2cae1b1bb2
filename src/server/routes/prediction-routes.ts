import type { FastifyInstance, FastifyRequest } from 'fastify';
import { fail } from '../../core/index.js';
import { parseMultipart } from '../predictions/multipart.js';
import type { ServerContext } from '../server-context.js';

type Params = { name: string; version?: string };

/**
 * TorchServe's image endpoint: `POST /predictions/{model}[/{version}]` with the raw image as the body, or
 * multipart/form-data with one or more files (run as one batch); `?topk=` (default 5).
 */
export function registerPredictionRoutes(server: FastifyInstance, context: ServerContext): void {
  server.removeAllContentTypeParsers();
  server.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: context.config.maxInferBytes }, (_request, body, done) => done(null, body));
  for (const path of ['/predictions/:name', '/predictions/:name/:version']) {
    server.post<{ Params: Params; Querystring: { topk?: string } }>(path, async (request) => {
      const images = imagesOf(request);
      const topk = topkOf(request.query.topk);
      const answer = await context.app.images.predict(request.params.name, request.params.version, images, topk);
      return { model: answer.model, version: answer.version, predictions: images.length === 1 ? answer.predictions[0] : answer.predictions };
    });
  }
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
