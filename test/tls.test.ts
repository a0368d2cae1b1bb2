import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startTestServer, TEST_ADMIN_KEY, type TestServer } from '../src/testing/index.js';

/** Builds a throwaway CA, a server certificate for localhost/127.0.0.1 and a client certificate with openssl. */
function makeCertificates(dir: string): boolean {
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
  try {
    const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
    openssl('req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', '/CN=tessera-test-ca');
    for (const [name, san] of [['server', 'subjectAltName=DNS:localhost,IP:127.0.0.1'], ['client', 'extendedKeyUsage=clientAuth']]) {
      execFileSync('sh', ['-c', `printf '%s\\n' '${san}' > ${name}.ext`], { cwd: dir });
      openssl('req', ...ec, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name}`);
      openssl('x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${name}.crt`, '-days', '2', '-extfile', `${name}.ext`);
    }
    return true;
  } catch {
    return false;
  }
}

interface Answer { status: number; body: string }

function get(url: string, options: { ca?: Buffer; cert?: Buffer; key?: Buffer } = {}): Promise<Answer> {
  const target = new URL(url);
  const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send(target, { method: 'GET', headers: { authorization: `Bearer ${TEST_ADMIN_KEY}` }, ...options }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => { body += chunk; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

let dir: string;
let haveOpenssl = false;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tessera-tls-'));
  haveOpenssl = makeCertificates(dir);
});
after(async () => rm(dir, { recursive: true, force: true }));

describe('TLS by configuration', () => {
  let server: TestServer | undefined;
  after(async () => server?.close());

  it('serves HTTPS with the configured certificate and refuses plain HTTP', async (t) => {
    if (!haveOpenssl) return t.skip('openssl is not available to make test certificates');
    server = await startTestServer(['--tls-cert', join(dir, 'server.crt'), '--tls-key', join(dir, 'server.key')]);
    assert.match(server.url, /^https:\/\//);
    const httpsUrl = server.url;
    const ca = readFileSync(join(dir, 'ca.crt'));
    const answer = await get(`${httpsUrl}/v2/health/live`, { ca });
    assert.equal(answer.status, 200);
    assert.deepEqual(JSON.parse(answer.body), { live: true });
    assert.equal((await get(`${httpsUrl}/api/models`, { ca })).status, 200);
    await assert.rejects(get(`${httpsUrl}/v2/health/live`), 'an untrusted certificate is refused by the client');
    const plain = await get(`${server.url.replace(/^https:/, 'http:')}/v2/health/live`).catch(() => undefined);
    assert.notEqual(plain?.status, 200, 'plain HTTP is not served');
    await server.close();
    server = undefined;
  });

  it('requires a client certificate signed by the configured CA (mutual TLS)', async (t) => {
    if (!haveOpenssl) return t.skip('openssl is not available to make test certificates');
    server = await startTestServer([
      '--tls-cert', join(dir, 'server.crt'), '--tls-key', join(dir, 'server.key'), '--tls-client-ca', join(dir, 'ca.crt'),
    ]);
    const url = `${server.url}/api/models`;
    const ca = readFileSync(join(dir, 'ca.crt'));
    await assert.rejects(get(url, { ca }), 'no client certificate: the handshake fails');
    const withCert = await get(url, { ca, cert: readFileSync(join(dir, 'client.crt')), key: readFileSync(join(dir, 'client.key')) });
    assert.equal(withCert.status, 200);
  });

  it('refuses half a TLS configuration at start', async () => {
    await assert.rejects(startTestServer(['--tls-cert', join(dir, 'server.crt')]), /--tls-key/);
    await assert.rejects(startTestServer(['--tls-client-ca', join(dir, 'ca.crt')]), /--tls-cert/);
  });
});
