import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-webgpu';

export type BackendName = 'webgpu' | 'cpu';

/** Switches this worker's TensorFlow.js to `preferred`, falling back to cpu when it cannot start. */
export async function useBackend(preferred: BackendName): Promise<BackendName> {
  if (preferred === 'webgpu' && (await tf.setBackend('webgpu').catch(() => false))) {
    await tf.ready();
    return 'webgpu';
  }
  await tf.setBackend('cpu');
  await tf.ready();
  return 'cpu';
}
