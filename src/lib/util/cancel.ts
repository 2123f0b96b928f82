/**
 * The one way a long job is cancelled: the caller aborts an AbortSignal, the job checks it
 * between slices of work and ends with a CancelledError. A page tells a cancelled run from a
 * failed one by this type; the workers' comlink handler (src/workers/cancellation.ts) carries
 * it across the worker boundary as itself.
 */
export class CancelledError extends Error {
  override name = 'CancelledError';
  constructor(
    /** What was cancelled, as a sentence starts: "the evaluation", "mining". */
    readonly what = 'the task',
  ) {
    super(`${what} was cancelled`);
  }
}

/** Ends the job with a CancelledError when `signal` has been aborted. */
export function throwIfCancelled(signal: AbortSignal | undefined, what?: string): void {
  if (signal?.aborted) throw new CancelledError(what);
}
