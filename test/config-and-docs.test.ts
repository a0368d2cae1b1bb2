/**
 * Configuration precedence and validation, and the documents that must stay in step with the code: every error code
 * in docs/errors.md with its status, every setting in docs/configuration.md, and an HTTP status for every code.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ConfigError, loadConfig, redactConfig, SETTINGS } from '../src/config/index.js';
import { ERROR_CODES } from '../src/protocol/index.js';
import { HTTP_STATUS } from '../src/server/index.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

describe('configuration', () => {
  it('defaults to loopback, port 8080 and ./data', () => {
    const config = loadConfig([], {});
    assert.equal(config.host, '127.0.0.1');
    assert.equal(config.port, 8080);
    assert.equal(config.dataDir, './data');
    assert.equal(config.adminKey, undefined);
    assert.ok(Object.isFrozen(config));
  });

  it('takes flag over environment over file over default', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tessera-config-'));
    const file = join(dir, 'tessera.json');
    await writeFile(file, JSON.stringify({ port: 7000, host: '0.0.0.0', dataDir: '/from/file', maxQueue: 9 }));
    const env = { TESSERA_CONFIG: file, TESSERA_PORT: '7100', TESSERA_DATA_DIR: '/from/env' };
    const config = loadConfig(['--port', '7200'], env);
    assert.equal(config.port, 7200, 'flag wins');
    assert.equal(config.dataDir, '/from/env', 'env beats file');
    assert.equal(config.host, '0.0.0.0', 'file beats default');
    assert.equal(config.maxQueue, 9);
    assert.equal(loadConfig(['--data=/eq'], {}).dataDir, '/eq');
  });

  it('refuses bad values with the setting and its source named', () => {
    const cases: Array<[string[], Record<string, string>, RegExp]> = [
      [['--port', 'abc'], {}, /--port must be an integer/],
      [['--port', '70000'], {}, /port number/],
      [[], { TESSERA_PORT: '-1' }, /TESSERA_PORT must be an integer/],
      [['--admin-key', 'short'], {}, /at least 16 characters/],
      [['--log-level', 'loud'], {}, /--log-level must be one of/],
      [['--seed-default-model', 'maybe'], {}, /true or false/],
      [['--no-such-thing', '1'], {}, /Unknown setting --no-such-thing/],
      [['stray'], {}, /Unexpected argument/],
      [[], { TESSERA_CONFIG: '/nonexistent/tessera.json' }, /Cannot read config file/],
    ];
    for (const [argv, env, message] of cases) assert.throws(() => loadConfig(argv, env), (error: Error) => error instanceof ConfigError && message.test(error.message));
  });

  it('prints with secrets redacted', () => {
    const config = loadConfig([], { TESSERA_ADMIN_KEY: 'super-secret-admin-key-123' });
    assert.equal(config.adminKey, 'super-secret-admin-key-123');
    const printed = JSON.stringify(redactConfig(config));
    assert.equal(printed.includes('super-secret'), false);
    assert.match(printed, /"adminKey":"\[redacted\]"/);
  });
});

describe('documents in step with the code', () => {
  it('docs/errors.md lists exactly the catalogue codes with their HTTP status', async () => {
    const text = await readFile(join(ROOT, 'docs/errors.md'), 'utf8');
    const rows = [...text.matchAll(/^\|\s*`([A-Z_]+)`\s*\|\s*(\d{3})\s*\|/gm)].map((m) => [m[1], Number(m[2])] as const);
    assert.deepEqual(rows.map(([code]) => code).sort(), Object.keys(ERROR_CODES).sort());
    for (const [code, status] of rows) assert.equal(status, HTTP_STATUS[code as keyof typeof HTTP_STATUS], code);
  });

  it('every code has an HTTP status', () => {
    assert.deepEqual(Object.keys(HTTP_STATUS).sort(), Object.keys(ERROR_CODES).sort());
  });

  it('docs/configuration.md names every setting by flag and environment variable', async () => {
    const text = await readFile(join(ROOT, 'docs/configuration.md'), 'utf8');
    for (const setting of SETTINGS) {
      assert.ok(text.includes(setting.env), `${setting.env} missing`);
      assert.ok(text.includes(`--${setting.flag}`), `--${setting.flag} missing`);
    }
  });

  it('the README test command is what CI runs', async () => {
    const readme = await readFile(join(ROOT, 'README.md'), 'utf8');
    const ci = await readFile(join(ROOT, '.ci/run'), 'utf8');
    assert.match(readme, /npm ci && npm test/);
    assert.match(ci, /^npm ci$/m);
    assert.match(ci, /^npm test$/m);
  });
});
