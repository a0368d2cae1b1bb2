import { open, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';

/** Held while a server uses a data folder; `release` removes it. */
export interface DataDirLock {
  release(): Promise<void>;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Claims a data folder for this process (`<dataDir>/server.lock` holding the pid, created exclusively). Two servers
 * on one folder would corrupt each other: start-up recovery deletes the other's in-progress uploads, and each
 * caches registry reads the other changes. A lock left by a process that no longer runs is taken over.
 */
export async function lockDataDir(dataDir: string): Promise<DataDirLock> {
  const file = join(dataDir, 'server.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const handle = await open(file, 'wx', 0o600);
      await handle.writeFile(String(process.pid));
      await handle.close();
      return { release: () => rm(file, { force: true }) };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const owner = Number((await readFile(file, 'utf8').catch(() => '')).trim());
      if (Number.isSafeInteger(owner) && owner > 0 && owner !== process.pid && alive(owner)) {
        throw new Error(`The data folder ${dataDir} is in use by another tessera server (pid ${owner}); give this one its own --data folder.`);
      }
      await rm(file, { force: true });
    }
  }
  throw new Error(`Could not lock the data folder ${dataDir}.`);
}
