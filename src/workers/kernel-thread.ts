/** A kernel pool helper in the browser, a Worker of a Worker: see src/lib/kernels/threads/pool.ts. */
import { serveKernelJobs, type HelperInit } from '../lib/kernels/threads/helper.ts';

self.addEventListener('message', (e: MessageEvent<HelperInit>) => serveKernelJobs(e.data), {
  once: true,
});
