import type { FastifyInstance } from 'fastify';
import { readFileSync } from 'node:fs';
import { ServingError } from '../core/index.js';
import type { TesseraConfig } from '../config/index.js';

/** HTTPS options from the configured PEM files (operator paths, read once at start); undefined: plain HTTP. */
export function tlsOptions(config: Readonly<TesseraConfig>): { cert: Buffer; key: Buffer; ca?: Buffer; requestCert: boolean; rejectUnauthorized: boolean } | undefined {
  if (config.tlsCert === undefined && config.tlsKey === undefined) {
    if (config.tlsClientCa !== undefined) throw new Error('--tls-client-ca needs --tls-cert and --tls-key.');
    return undefined;
  }
  if (config.tlsCert === undefined || config.tlsKey === undefined) throw new Error('TLS needs both --tls-cert and --tls-key.');
  const ca = config.tlsClientCa === undefined ? undefined : readFileSync(config.tlsClientCa);
  return { cert: readFileSync(config.tlsCert), key: readFileSync(config.tlsKey), ca, requestCert: ca !== undefined, rejectUnauthorized: ca !== undefined };
}

const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '::1'];

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host.startsWith('127.');
}

/** The Host names a server answers to: configured, or, on a loopback address, loopback names only. */
export function allowedHostNames(config: Readonly<TesseraConfig>): ReadonlySet<string> | undefined {
  if (config.allowedHosts !== undefined) return new Set(config.allowedHosts.split(',').map((name) => name.trim().toLowerCase()).filter(Boolean));
  if (isLoopback(config.host)) return new Set([...LOOPBACK_NAMES, config.host.toLowerCase()]);
  return undefined;
}

function hostNameOf(header: string | undefined): string {
  if (header === undefined) return '';
  const text = header.trim().toLowerCase();
  if (text.startsWith('[')) return text.slice(1, text.indexOf(']'));
  return text.replace(/:\d+$/, '');
}

/** Refuses a Host header outside the allow-list (421); no list: any Host. */
export function checkHost(hosts: ReadonlySet<string> | undefined, header: string | undefined): void {
  if (hosts !== undefined && !hosts.has(hostNameOf(header))) {
    throw new ServingError('HOST_NOT_ALLOWED', 'This server does not answer to that Host name.');
  }
}

/**
 * DNS-rebinding defence: a page on evil.example whose name resolves to 127.0.0.1 sends `Host: evil.example`, which a
 * loopback-bound server refuses (421) before any other check. Then CORS: off unless origins are configured; an
 * allowed origin's preflight is answered here, before authentication (browsers send no key on preflights).
 */
export function installTransportChecks(server: FastifyInstance, config: Readonly<TesseraConfig>): void {
  const hosts = allowedHostNames(config);
  const origins = new Set((config.corsOrigins ?? '').split(',').map((origin) => origin.trim()).filter(Boolean));
  server.addHook('onRequest', async (request, reply) => {
    checkHost(hosts, request.headers.host);
    if (request.raw.url?.includes('#')) throw new ServingError('INVALID_REQUEST', 'A request target may not contain "#".');
    const origin = request.headers.origin;
    if (origins.size === 0 || typeof origin !== 'string' || !origins.has(origin)) return;
    void reply.header('access-control-allow-origin', origin).header('vary', 'Origin');
    if (request.method === 'OPTIONS') {
      return reply.code(204)
        .header('access-control-allow-methods', 'GET, POST, PUT, PATCH, DELETE')
        .header('access-control-allow-headers', 'authorization, content-type, inference-header-content-length, x-request-id, if-match')
        .header('access-control-max-age', '600')
        .send();
    }
  });
}
