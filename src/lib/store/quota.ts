import { formatBytes } from '../util/format.ts';

/** The part of `navigator.storage` used here (a StorageManager in pages and workers alike). */
export interface StorageEstimator {
  estimate(): Promise<{ usage?: number; quota?: number }>;
}

/** A checkpoint the browser had no room for; the run holds at `savedStep`. */
export class StorageFullError extends Error {
  constructor(
    readonly step: number,
    readonly savedStep: number,
    /** Bytes to free before this checkpoint fits. */
    readonly neededBytes: number,
  ) {
    super(
      `Not enough storage for the checkpoint at step ${step}: free at least ` +
        `${formatBytes(neededBytes)} (delete old runs, datasets or models), then resume. ` +
        (savedStep > 0
          ? `The run stopped at its last checkpoint, step ${savedStep}.`
          : 'The run had no checkpoint yet: it starts again from step 0.'),
    );
    this.name = 'StorageFullError';
  }
}

export function isQuotaExceeded(e: unknown): boolean {
  return e instanceof DOMException && e.name === 'QuotaExceededError';
}

/**
 * The error to report for a failed checkpoint write: a StorageFullError naming the space to free
 * when the browser's quota refused it (the checkpoint's size less what the quota has left; the
 * whole size when the estimate says it should have fitted, as browsers count space in blocks),
 * the error itself otherwise.
 */
export async function checkpointStorageError(
  error: unknown,
  checkpoint: { step: number; bytes: Uint8Array },
  savedStep: number,
  storage: StorageEstimator,
): Promise<unknown> {
  if (!isQuotaExceeded(error)) return error;
  const size = checkpoint.bytes.byteLength;
  const none: { usage?: number; quota?: number } = {};
  const { usage = 0, quota = 0 } = await storage.estimate().catch(() => none);
  const short = size - Math.max(0, quota - usage);
  return new StorageFullError(checkpoint.step, savedStep, short > 0 ? short : size);
}
