/**
 * One run trains at a time in a browser profile: the training worker holds this Web Lock while it
 * trains, so a second tab cannot train over the first one's run (their history and checkpoints
 * would interleave). The lock also outlives nothing: the browser releases it when the worker
 * ends for any reason, which is how the page learns that a worker died mid-step.
 */
export const TRAINING_LOCK = 'attune.training';

export const TRAINING_LOCKED_MESSAGE =
  'Another Attune tab is training a run: one run trains at a time in this browser. Stop it or let it finish there, then start this one again.';

/** Runs `train` holding the lock, or throws TRAINING_LOCKED_MESSAGE at once when another holds it. */
export async function withTrainingLock<T>(train: () => Promise<T>): Promise<T> {
  return await navigator.locks.request(TRAINING_LOCK, { ifAvailable: true }, (lock) => {
    if (!lock) throw new Error(TRAINING_LOCKED_MESSAGE);
    return train();
  });
}

/** Whether a worker (of this tab or another) is training now. */
export async function trainingLockHeld(): Promise<boolean> {
  const { held = [] } = await navigator.locks.query();
  return held.some((l) => l.name === TRAINING_LOCK);
}

/** Resolves once the lock is free: the worker that holds it finished, or died. */
export async function trainingLockReleased(): Promise<void> {
  await navigator.locks.request(TRAINING_LOCK, () => undefined);
}

/** How long a worker that released the lock has to answer before it counts as dead. */
const ANSWER_MS = 3000;

/**
 * Resolves with 'interrupted' when the training worker died: the lock it held came free and the
 * worker does not answer `ping`. A worker that ended its run normally answers (its result is
 * already on its way), and then this never resolves.
 */
export async function workerDeath(ping: () => Promise<unknown>): Promise<'interrupted'> {
  await trainingLockReleased();
  const answered = await Promise.race([
    ping().then(() => true),
    new Promise<false>((resolve) => setTimeout(() => resolve(false), ANSWER_MS)),
  ]);
  return answered ? new Promise<never>(() => undefined) : 'interrupted';
}
