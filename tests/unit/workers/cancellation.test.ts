import { expose, wrap } from 'comlink';
import { afterEach, describe, expect, it } from 'vitest';
import '../../../src/workers/cancellation.ts';
import { CancelledError, throwIfCancelled } from '../../../src/lib/util/cancel.ts';

const channels: MessageChannel[] = [];
afterEach(() => channels.splice(0).forEach((c) => (c.port1.close(), c.port2.close())));

/** `api` exposed on one end of a channel, wrapped on the other: a worker boundary in one thread. */
function acrossBoundary<T extends object>(api: T) {
  const channel = new MessageChannel();
  channels.push(channel);
  expose(api, channel.port1);
  return wrap<T>(channel.port2);
}

describe('cancellation across comlink', () => {
  it('arrives as a CancelledError naming what was cancelled', async () => {
    const controller = new AbortController();
    controller.abort();
    const remote = acrossBoundary({ mine: () => throwIfCancelled(controller.signal, 'mining') });
    const error = await remote.mine().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CancelledError);
    expect((error as CancelledError).what).toBe('mining');
    expect((error as Error).message).toBe('mining was cancelled');
  });

  it('leaves every other error a plain Error with its message and name', async () => {
    const remote = acrossBoundary({
      fail: (): void => {
        throw new RangeError('no training pairs');
      },
    });
    const error = await remote.fail().catch((e: unknown) => e);
    expect(error).not.toBeInstanceOf(CancelledError);
    expect(error).toMatchObject({ message: 'no training pairs', name: 'RangeError' });
  });
});
