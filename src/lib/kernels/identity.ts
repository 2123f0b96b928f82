import * as tf from '@tensorflow/tfjs';
import type { WasmBackend } from './arrays.ts';
import { onRouteChange } from './route.ts';

/**
 * The gradient tape keeps every tensor a backward pass needs through `Identity`
 * (`engine.clone`). tfjs-backend-cpu's Identity shares the buffer; tfjs-backend-wasm's copies it,
 * one full copy of every saved activation per step. Tensors are immutable, so sharing is exact:
 * on the attune route wasm's Identity takes a reference, as Reshape already does.
 */
const shared: tf.KernelConfig = {
  kernelName: 'Identity',
  backendName: 'wasm',
  kernelFunc: (args) => {
    const x = args.inputs.x as tf.TensorInfo;
    if (x.dtype === 'string') return stock!.kernelFunc(args);
    (args.backend as unknown as WasmBackend).incRef(x.dataId);
    return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
  },
};

let stock: tf.KernelConfig | undefined;

function install(config: tf.KernelConfig): void {
  tf.unregisterKernel('Identity', 'wasm');
  tf.registerKernel(config);
}

onRouteChange((route, backend) => {
  if (backend !== 'wasm') return;
  const current = tf.getKernel('Identity', 'wasm');
  if (!current) return;
  if (route === 'attune' && current !== shared) {
    stock = current;
    install(shared);
  } else if (route === 'stock' && current === shared && stock) install(stock);
});
