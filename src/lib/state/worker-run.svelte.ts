import type { Remote } from 'comlink';
import { CancelledError } from '../util/cancel.ts';
import type { WorkerHandle } from '../../workers/spawn.ts';

/** What a worker that runs one job at a time answers besides the job itself. */
export interface RunWorkerApi {
  cancel(): void;
  memory(): { numTensors: number };
}

/** The phases of any run; a state names the ones its job ends in ('done', or a review). */
export type RunPhase = 'idle' | 'running' | 'cancelling' | 'cancelled' | 'failed';

/**
 * A state class that owns one worker and runs one job on it at a time: the worker is spawned on
 * first use, the phase follows the run, Cancel asks the worker to stop, and after every run the
 * tensors the worker still holds are read, for the end-to-end tests' probe (0: the run released
 * everything).
 */
export abstract class WorkerRun<Api extends RunWorkerApi, Ended extends string> {
  phase = $state<RunPhase | Ended>('idle');
  error = $state<string | null>(null);
  /** Tensors alive in the worker after its last run (0 when everything was released). */
  workerTensors = $state<number | null>(null);

  protected worker: WorkerHandle<Api> | null = null;
  private readonly spawn: () => WorkerHandle<Api>;

  constructor(spawn: () => WorkerHandle<Api>) {
    this.spawn = spawn;
  }

  get running(): boolean {
    return this.phase === 'running' || this.phase === 'cancelling';
  }

  cancel(): void {
    if (this.phase !== 'running') return;
    this.phase = 'cancelling';
    void this.worker?.api.cancel();
  }

  /** Runs `job` on the worker; its result is the phase the run ends in. */
  protected async execute(job: (api: Remote<Api>) => Promise<Ended>): Promise<void> {
    this.phase = 'running';
    this.error = null;
    this.workerTensors = null;
    const worker = (this.worker ??= this.spawn());
    try {
      this.phase = await job(worker.api);
    } catch (e) {
      if (e instanceof CancelledError) this.phase = 'cancelled';
      else {
        this.error = e instanceof Error ? e.message : String(e);
        this.phase = 'failed';
      }
    }
    this.workerTensors = (await worker.api.memory()).numTensors;
  }
}
