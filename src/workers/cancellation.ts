import { transferHandlers, type TransferHandler } from 'comlink';
import { CancelledError } from '../lib/util/cancel.ts';

/**
 * Comlink sends a thrown error as its message, name and stack and rebuilds a plain Error. This
 * wraps its "throw" handler so that a CancelledError arrives as a CancelledError. Both sides
 * import this module: every worker that can be cancelled, and `spawn.ts` for the page.
 */
interface Thrown {
  isError: boolean;
  value: unknown;
  /** Set when the thrown value was a CancelledError: its `what`. */
  cancelled?: string;
}

const comlinkThrow = transferHandlers.get('throw') as TransferHandler<{ value: unknown }, Thrown>;

if (!('cancellation' in comlinkThrow)) {
  const handler: TransferHandler<{ value: unknown }, Thrown> & { cancellation: true } = {
    cancellation: true,
    canHandle: (value): value is { value: unknown } => comlinkThrow.canHandle(value),
    serialize(thrown) {
      const [serialized, transferables] = comlinkThrow.serialize(thrown);
      if (thrown.value instanceof CancelledError) serialized.cancelled = thrown.value.what;
      return [serialized, transferables];
    },
    deserialize(serialized) {
      if (serialized.cancelled !== undefined) throw new CancelledError(serialized.cancelled);
      return comlinkThrow.deserialize(serialized);
    },
  };
  transferHandlers.set('throw', handler);
}
