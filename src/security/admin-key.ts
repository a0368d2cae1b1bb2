import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { chmod, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { SqlDatabase } from '../db/index.js';

const SETTING = 'admin_key_sha256';

export interface AdminKeyOutcome {
  verifier: AdminKeyVerifier;
  /** Where the key in force comes from: the configuration, or the key generated on the first start. */
  source: 'configured' | 'generated';
  /** Set only on the start that generated the key: the secret, to print once. */
  generatedKey?: string;
  /** Where a generated key was written (mode 0600). */
  keyFile?: string;
}

/** Checks presented keys against the stored SHA-256 of the admin key, in constant time. */
export class AdminKeyVerifier {
  constructor(private readonly hash: Buffer) {}

  verify(presented: string | undefined): boolean {
    if (presented === undefined || presented.length === 0 || presented.length > 512) return false;
    return timingSafeEqual(sha256(presented), this.hash);
  }
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/**
 * The bootstrap admin key. A configured key (TESSERA_ADMIN_KEY) is the one in force while it is configured (its hash
 * is kept in memory only). Otherwise the key generated on the very first start is used: written once to
 * `<dataDir>/admin.key` (0600), returned once to be printed, and only its SHA-256 kept in the database.
 */
export async function ensureAdminKey(db: SqlDatabase, dataDir: string, configuredKey: string | undefined, now = new Date()): Promise<AdminKeyOutcome> {
  if (configuredKey !== undefined) return { source: 'configured', verifier: new AdminKeyVerifier(sha256(configuredKey)) };
  const stored = db.prepare<{ value: string }>('SELECT value FROM server_settings WHERE name = ?').get(SETTING);
  if (stored !== undefined) return { source: 'generated', verifier: new AdminKeyVerifier(Buffer.from(stored.value, 'hex')), keyFile: join(dataDir, 'admin.key') };
  const generatedKey = `tsk_admin_${randomBytes(24).toString('base64url')}`;
  const keyFile = join(dataDir, 'admin.key');
  await writeFile(keyFile, `${generatedKey}\n`, { mode: 0o600 });
  await chmod(keyFile, 0o600);
  storeHash(db, sha256(generatedKey), now);
  return { source: 'generated', verifier: new AdminKeyVerifier(sha256(generatedKey)), generatedKey, keyFile };
}

function storeHash(db: SqlDatabase, hash: Buffer, now: Date): void {
  db.prepare(`INSERT INTO server_settings (name, value, updated_at) VALUES (?, ?, ?)
    ON CONFLICT(name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`).run(SETTING, hash.toString('hex'), now.toISOString());
}
