/**
 * A helper thread's side of the kernel pool: loading the kernels registers every task body under
 * the name the calling thread sends, then the thread serves jobs until the pool stops.
 */
import '../index.ts';

export { serveKernelJobs, type HelperInit } from './pool.ts';
