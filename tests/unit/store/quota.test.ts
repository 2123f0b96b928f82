import { describe, expect, it } from 'vitest';
import { checkpointStorageError, StorageFullError } from '../../../src/lib/store/quota.ts';

const quotaError = () => new DOMException('The quota has been exceeded.', 'QuotaExceededError');
const checkpoint = { step: 6, bytes: new Uint8Array(3 * 1024 * 1024) };
const estimate = (usage: number, quota: number) => ({ estimate: async () => ({ usage, quota }) });

describe('a checkpoint over quota', () => {
  it('names the space to free: the checkpoint less what the quota has left', async () => {
    // 3 MB checkpoint, 10 MB quota with 9 MB used: 1 MB left, 2 MB short.
    const e = await checkpointStorageError(
      quotaError(),
      checkpoint,
      4,
      estimate(9 * 1024 * 1024, 10 * 1024 * 1024),
    );
    expect(e).toBeInstanceOf(StorageFullError);
    expect(e).toMatchObject({ step: 6, savedStep: 4, neededBytes: 2 * 1024 * 1024 });
    expect((e as Error).message).toBe(
      'Not enough storage for the checkpoint at step 6: free at least 2.0 MB (delete old runs, ' +
        'datasets or models), then resume. The run stopped at its last checkpoint, step 4.',
    );
  });

  it('asks for the whole checkpoint when the estimate says it should have fitted', async () => {
    const e = await checkpointStorageError(quotaError(), checkpoint, 0, estimate(0, 1e12));
    expect(e).toMatchObject({ neededBytes: 3 * 1024 * 1024 });
    expect((e as Error).message).toMatch(
      /free at least 3\.0 MB .* no checkpoint yet: it starts again from step 0\.$/,
    );
  });

  it('passes any other error through as it is', async () => {
    const other = new DOMException('gone', 'InvalidStateError');
    expect(await checkpointStorageError(other, checkpoint, 4, estimate(0, 1))).toBe(other);
  });
});
