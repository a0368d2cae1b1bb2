import { setMaxListeners } from 'node:events';
import http from 'node:http';
import https from 'node:https';
import type { PreparedInfer } from '../../client/index.js';
import type { Send } from './load-types.js';

/** A Send over a pool of connections, and a way to close the pool. */
export interface PooledSender {
  send: Send;
  close(): void;
}

/** How the requests travel: `http` (node:http with keep-alive, the lean default) or `fetch` (the SDK's PreparedInfer). */
export type Transport = 'http' | 'fetch';

/**
 * Sends a PreparedInfer's exact bytes over node:http(s) with a keep-alive pool of at most `sockets` connections.
 * Answers are drained, never decoded; a refusal's body is read for its `code`. This costs the client about a third
 * of what fetch does per request, which matters when the client shares two cores with the server.
 *
 * @example
 * const sender = httpSender(prepared, 16);
 * try { await runClosedLoop(sender.send, { concurrency: 16, warmupMs: 2000, durationMs: 10_000 }); } finally { sender.close(); }
 */
export function httpSender(prepared: PreparedInfer, sockets: number): PooledSender {
  const url = new URL(prepared.url);
  const secure = url.protocol === 'https:';
  const agent = new (secure ? https.Agent : http.Agent)({ keepAlive: true, maxSockets: sockets, maxFreeSockets: sockets });
  const body = typeof prepared.body === 'string' ? Buffer.from(prepared.body, 'utf8') : Buffer.from(prepared.body.buffer, prepared.body.byteOffset, prepared.body.byteLength);
  const options: http.RequestOptions = {
    agent, protocol: url.protocol, hostname: url.hostname, port: url.port, path: url.pathname + url.search, method: 'POST',
    headers: { ...prepared.headers, 'content-length': String(body.byteLength) },
  };
  const request = secure ? https.request : http.request;
  // One abort listener per signal (not one per request): an abort destroys every outstanding request.
  const outstanding = new Set<http.ClientRequest>();
  const watched = new WeakSet<AbortSignal>();
  const watch = (signal: AbortSignal): void => {
    if (watched.has(signal)) return;
    watched.add(signal);
    signal.addEventListener('abort', () => {
      for (const pending of outstanding) pending.destroy(Object.assign(new Error('The run was stopped.'), { name: 'AbortError', code: 'ABORT_ERR' }));
    }, { once: true });
  };
  return {
    send: (signal) => new Promise((resolve, reject) => {
      if (signal.aborted) {
        reject(Object.assign(new Error('The run was stopped.'), { name: 'AbortError', code: 'ABORT_ERR' }));
        return;
      }
      watch(signal);
      const outgoing = request(options, (response) => {
        const status = response.statusCode ?? 0;
        const ok = status >= 200 && status < 300;
        const chunks: Buffer[] = [];
        let size = 0;
        response.on('data', (chunk: Buffer) => {
          if (!ok && size < 4096) {
            chunks.push(chunk);
            size += chunk.byteLength;
          }
        });
        response.on('end', () => resolve(ok ? { ok } : { ok, code: errorCode(status, Buffer.concat(chunks).toString('utf8')) }));
        response.on('error', reject);
      });
      outstanding.add(outgoing);
      outgoing.on('close', () => outstanding.delete(outgoing));
      outgoing.on('error', reject);
      outgoing.end(body);
    }),
    close: () => agent.destroy(),
  };
}

/** A Send through the SDK's fetch-based `PreparedInfer.send` (what an application using the SDK pays). */
export function fetchSender(prepared: PreparedInfer): PooledSender {
  const watched = new WeakSet<AbortSignal>();
  return {
    send: async (signal) => {
      if (!watched.has(signal)) {
        watched.add(signal);
        setMaxListeners(0, signal); // fetch adds one abort listener per request in flight
      }
      const attempt = await prepared.send(signal);
      return attempt.status >= 200 && attempt.status < 300 ? { ok: true } : { ok: false, code: attempt.code ?? `HTTP_${attempt.status}` };
    },
    close: () => undefined,
  };
}

/** The server's `code` from a `{"error", "code"}` body, else `HTTP_<status>`. */
function errorCode(status: number, text: string): string {
  try {
    const code = (JSON.parse(text) as { code?: unknown }).code;
    if (typeof code === 'string' && code.length > 0) return code;
  } catch {
    // not JSON
  }
  return `HTTP_${status}`;
}
