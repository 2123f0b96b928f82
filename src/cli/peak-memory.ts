import * as tf from '@tensorflow/tfjs';

/** The WebAssembly heap's size: it only grows, so it is the most the run has held at once. */
function wasmHeapBytes(): number {
  const backend = tf.backend() as unknown as { wasm: { HEAPU8: Uint8Array } };
  return backend.wasm.HEAPU8.length;
}

/**
 * Runs `f` and reports the most backend memory held at once. On wasm that is the heap's
 * high-water mark (what the 4 GB limit applies to); elsewhere `tf.profile`'s peak of tensor bytes,
 * with its per-kernel NaN check off (it would read every output back).
 */
export async function withPeakMemory<T>(
  f: () => Promise<T>,
): Promise<{ result: T; peakBytes: number }> {
  if (tf.getBackend() === 'wasm') {
    const result = await f();
    return { result, peakBytes: wasmHeapBytes() };
  }
  const check = tf.env().getBool('CHECK_COMPUTATION_FOR_ERRORS');
  tf.env().set('CHECK_COMPUTATION_FOR_ERRORS', false);
  try {
    let result: T | undefined;
    const profile = await tf.profile(async () => {
      result = await f();
    });
    return { result: result as T, peakBytes: profile.peakBytes };
  } finally {
    tf.env().set('CHECK_COMPUTATION_FOR_ERRORS', check);
  }
}
