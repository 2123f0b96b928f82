import * as tf from '@tensorflow/tfjs';

/**
 * Which implementation the model's ops take: `attune` runs our fused kernels wherever they are
 * registered for the active backend (cpu and wasm), `stock` the plain tfjs op chains everywhere.
 * Both compute the same numbers (the kernel tests and the parity tests check it); `stock` exists
 * so the bench can measure the difference.
 */
export type KernelRoute = 'stock' | 'attune';

let route: KernelRoute = 'attune';
/** The (route, backend) pair the listeners last saw. */
let applied = '';
const listeners: ((route: KernelRoute, backend: string) => void)[] = [];

export function setKernelRoute(next: KernelRoute): void {
  route = next;
  sync();
}

/**
 * `listener` runs whenever the route or the active backend changes (checked on every op), for
 * changes that replace a stock kernel of a backend: a backend package imported after this module
 * registers its own kernels, so the replacement is made when the backend is in use.
 */
export function onRouteChange(listener: (route: KernelRoute, backend: string) => void): void {
  listeners.push(listener);
  applied = '';
}

function sync(): void {
  const backend = tf.getBackend();
  const key = `${route}/${backend}`;
  if (key === applied) return;
  applied = key;
  for (const listener of listeners) listener(route, backend);
}

/** Whether our kernel `name` serves the active backend on the current route. */
export function fused(name: string): boolean {
  sync();
  return route === 'attune' && tf.getKernel(name, tf.getBackend()) != null;
}
