import { timingSafeEqual } from 'node:crypto';
import { chmod, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { SqlDatabase } from '../db/index.js';
import { NO_DIGEST, decodeDigest, sha256 } from './api-key-digest.js';
import { ADMIN_KEY_ID, formatApiKey, generateSecret } from './api-key-format.js';
import type { KeyStore } from './api-keys.js';
import { DEFAULT_TENANT } from './tenants.js';

/** The file a generated admin key is written to, in the data folder (mode 0600). */
export const ADMIN_KEY_FILE = 'admin.key';
/** Where earlier releases kept the SHA-256 of their generated admin key. */
const LEGACY_SETTING = 'admin_key_sha256';

export interface AdminKeyOutcome {
  /** Where the key in force comes from: the configuration, or the key generated on the first start. */
  source: 'configured' | 'generated';
  /** Set only on the start that generated the key: the key, to print once. */
  generatedKey?: string;
  /** Where a generated key was written (mode 0600). */
  keyFile?: string;
}

interface AdminRow {
  secret_digest: string;
  revoked_at: string | null;
}

/**
 * Makes sure the bootstrap admin key exists: the `api_keys` row `admin` (tenant `default`, scopes `["admin"]`, name
 * `bootstrap admin`, created by `bootstrap`), verified by `keyStore.authenticate` like every other key. Revoking that
 * row refuses the admin key whatever its source.
 *
 * - **Configured** (TESSERA_ADMIN_KEY, 16 to 512 characters): in force while configured. Its HMAC is held in memory
 *   only; the row holds a placeholder, so a database dump never contains it. A generated key stays unused meanwhile.
 * - **Generated**: on the first start without a configured key, `tsk_admin_<secret><crc6>` is made, written to
 *   `<dataDir>/admin.key` (0600), returned once as `generatedKey`, and its HMAC stored in the row.
 * - **Earlier releases** stored `server_settings.admin_key_sha256` (SHA-256 of `tsk_admin_<base64url>`). If
 *   `admin.key` still holds that key, it is adopted (its HMAC goes into the row); if the file is gone, the key is
 *   still checked against the stored SHA-256. The setting is left in place, so a downgrade keeps working.
 *
 * @example
 * const keys = new KeyStore({ db, pepper: await loadOrCreatePepper(dataDir) });
 * const admin = await ensureAdminKey(db, dataDir, config.adminKey, keys);
 * if (admin.generatedKey) console.log(`admin key: ${admin.generatedKey}`);
 */
export async function ensureAdminKey(db: SqlDatabase, dataDir: string, configuredKey: string | undefined, keyStore: KeyStore, now: Date = new Date()): Promise<AdminKeyOutcome> {
  keyStore.useConfiguredAdminKey(configuredKey);
  keyStore.useLegacyAdminHash(undefined);
  const keyFile = join(dataDir, ADMIN_KEY_FILE);
  const row = adminRow(db);
  if (configuredKey !== undefined) {
    if (row === undefined) setAdminDigest(db, NO_DIGEST, now);
    keyStore.invalidate();
    return { source: 'configured' };
  }
  if (row !== undefined && decodeDigest(row.secret_digest) !== null) return { source: 'generated', keyFile };

  const legacy = legacyHash(db);
  if (legacy !== undefined) {
    const fileKey = await readKeyFile(keyFile);
    if (fileKey !== undefined && timingSafeEqual(sha256(fileKey), legacy)) {
      setAdminDigest(db, keyStore.digestOfKey(fileKey), now);
    } else {
      if (row === undefined) setAdminDigest(db, NO_DIGEST, now);
      keyStore.useLegacyAdminHash(legacy);
    }
    keyStore.invalidate();
    return { source: 'generated', keyFile };
  }
  // A revoked admin row stays revoked: a new key would not work, so none is made.
  if (row?.revoked_at) return { source: 'generated', keyFile };

  const secret = generateSecret();
  const generatedKey = formatApiKey(ADMIN_KEY_ID, secret);
  await writeFile(keyFile, `${generatedKey}\n`, { mode: 0o600 });
  await chmod(keyFile, 0o600);
  setAdminDigest(db, keyStore.digestOfKey(generatedKey), now);
  keyStore.invalidate();
  return { source: 'generated', generatedKey, keyFile };
}

function adminRow(db: SqlDatabase): AdminRow | undefined {
  return db.prepare<AdminRow>('SELECT secret_digest, revoked_at FROM api_keys WHERE id = ?').get(ADMIN_KEY_ID);
}

/** Inserts the `admin` row with `digest`, or sets the digest of the existing row. */
function setAdminDigest(db: SqlDatabase, digest: string, now: Date): void {
  db.immediate(() => {
    db.prepare(`INSERT INTO api_keys (id, tenant, name, scopes_json, models_json, limits_json, secret_digest, created_at, created_by)
      VALUES (?, ?, 'bootstrap admin', '["admin"]', NULL, '{}', ?, ?, 'bootstrap')
      ON CONFLICT(id) DO UPDATE SET secret_digest = excluded.secret_digest`).run(ADMIN_KEY_ID, DEFAULT_TENANT, digest, now.toISOString());
  });
}

function legacyHash(db: SqlDatabase): Buffer | undefined {
  const stored = db.prepare<{ value: string }>('SELECT value FROM server_settings WHERE name = ?').get(LEGACY_SETTING);
  return stored !== undefined && /^[0-9a-f]{64}$/.test(stored.value) ? Buffer.from(stored.value, 'hex') : undefined;
}

async function readKeyFile(file: string): Promise<string | undefined> {
  try {
    const text = (await readFile(file, 'utf8')).trim();
    return text.length > 0 ? text : undefined;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}
