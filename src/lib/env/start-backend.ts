import * as tf from '@tensorflow/tfjs';

/**
 * Switches TensorFlow.js to `name` and waits until it is ready; false when it cannot start here
 * (not registered, no WebGPU adapter, no WebAssembly). The one way the studio's workers, the CLI
 * and the bench change backend.
 */
export async function startBackend(name: string): Promise<boolean> {
  const ok = await tf.setBackend(name).catch(() => false);
  if (!ok) return false;
  await tf.ready();
  // The cpu backend prints a tfjs-node advertisement on first use: noise in every output we have.
  if (name === 'cpu') (tf.backend() as unknown as { firstUse: boolean }).firstUse = false;
  return true;
}
