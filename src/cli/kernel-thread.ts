/** A kernel pool helper under Node (`worker_threads`): see src/lib/kernels/threads/pool.ts. */
import { parentPort } from 'node:worker_threads';
import { serveKernelJobs, type HelperInit } from '../lib/kernels/threads/helper.ts';

parentPort!.once('message', (init: HelperInit) => serveKernelJobs(init));
