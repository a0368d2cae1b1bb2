import { FairQueue } from '../fair-queue.js';
import type { Job } from './job.js';

/**
 * The waiting requests of one version: one fair queue (lanes = tenants) per priority level, served highest level
 * first. Batches are gathered across lanes in service order, from the head's level down.
 */
export class JobQueue {
  private readonly levels: FairQueue<Job>[];

  constructor(levels: number) {
    this.levels = Array.from({ length: Math.max(1, levels) }, () => new FairQueue<Job>());
  }

  get length(): number {
    return this.levels.reduce((sum, level) => sum + level.length, 0);
  }

  push(job: Job): void {
    this.levelOf(job).push(job.lane, job);
  }

  peek(): Job | undefined {
    return this.levels.find((level) => level.length > 0)?.peek();
  }

  shift(): Job | undefined {
    return this.levels.find((level) => level.length > 0)?.shift();
  }

  remove(job: Job): boolean {
    return this.levelOf(job).remove(job);
  }

  /** Rows of the requests that could join `head`'s batch (itself included), counting up to `maxRows`. */
  compatibleRows(head: Job, maxRows: number): number {
    let rows = 0;
    for (const level of this.levels) {
      for (const { item } of level.inServiceOrder()) {
        if (item.batchKey !== head.batchKey || rows + item.rows > maxRows) continue;
        rows += item.rows;
        if (rows === maxRows) return rows;
      }
    }
    return rows;
  }

  /** Takes `head` and the compatible requests after it, in service order, up to `maxRows` rows. */
  takeBatch(head: Job, maxRows: number): Job[] {
    if (head.batchKey === undefined) return this.remove(head) ? [head] : [];
    let rows = 0;
    const batch: Job[] = [];
    for (const level of this.levels) {
      batch.push(...level.take((job) => {
        if (rows >= maxRows) return 'stop';
        if (job.batchKey !== head.batchKey || rows + job.rows > maxRows) return 'skip';
        rows += job.rows;
        return 'take';
      }));
    }
    return batch;
  }

  drain(): Job[] {
    return this.levels.flatMap((level) => level.drain());
  }

  private levelOf(job: Job): FairQueue<Job> {
    return this.levels[Math.min(this.levels.length, Math.max(1, job.priority)) - 1];
  }
}
