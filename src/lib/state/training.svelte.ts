import { proxy } from 'comlink';
import { openAttuneDb, type Db } from '../store/db.ts';
import { deleteRun, listRuns, putRun, updateRun } from '../store/runs.ts';
import type { BackendPreference } from '../env/backend-choice.ts';
import type { ModelRef, RunRecord } from '../store/schema.ts';
import type { TrainConfig, TrainLoss } from '../train/config.ts';
import { etaSeconds } from '../train/smoothing.ts';
import { spawnTrainingWorker, type WorkerHandle } from '../../workers/spawn.ts';
import type { TrainingEvent, TrainingWorkerApi } from '../../workers/training.worker.ts';
import {
  TRAINING_LOCKED_MESSAGE,
  trainingLockHeld,
  workerDeath,
} from '../../workers/training-lock.ts';
import { environment } from './environment.svelte.ts';
import { exposeToTests } from './test-probes.ts';

export type LivePhase =
  'loading' | 'running' | 'pausing' | 'paused' | 'stopping' | 'completed' | 'stopped' | 'failed';

/** The run the worker is training now, as the charts and counters show it. */
export interface LiveRun {
  runId: string;
  phase: LivePhase;
  message: string;
  backend: string;
  /** The wasm backend's threads in the worker (null on another backend, or not started yet). */
  threads: number | null;
  totalSteps: number;
  step: number;
  steps: number[];
  losses: number[];
  lrs: number[];
  evals: [number, number][];
  pairsPerSecond: number;
  tokensPerSecond: number;
  memoryBytes: number;
  etaSeconds: number | null;
  error: string | null;
}

export interface StartRequest {
  name: string;
  datasetId: string;
  model: ModelRef;
  config: TrainConfig;
  /** MarginMSE's teacher; none: the dataset's score column. */
  reranker?: ModelRef;
  evalEvery: number;
  backend: BackendPreference;
}

/** How often buffered step events reach the page: smooth charts, no jank at 100 steps/s. */
const PAINT_MS = 250;

/**
 * Owns the training worker and the runs list. The worker writes progress and checkpoints to
 * IndexedDB itself, so the page can reload at any moment; `resume` picks a run up from its last
 * checkpoint.
 */
class TrainingState {
  runs = $state.raw<RunRecord[]>([]);
  live = $state.raw<LiveRun | null>(null);
  /** Tensors alive in the worker after its last run (0 when everything was released). */
  workerTensors = $state<number | null>(null);
  /**
   * What another page asks the Train page to start from (the Generate page's "train GPL-style"):
   * the dataset and the loss, taken once when the Train page opens.
   */
  draft = $state.raw<{ datasetId: string; loss: TrainLoss } | null>(null);

  private worker: WorkerHandle<TrainingWorkerApi> | null = null;
  private db: Promise<Db> | null = null;
  private pending: TrainingEvent[] = [];
  private paintTimer: ReturnType<typeof setTimeout> | null = null;
  private stepSeconds: number[] = [];
  /** Called when the worker reports that it holds the training lock and has started. */
  private onStarted: (() => void) | null = null;

  private database(): Promise<Db> {
    return (this.db ??= openAttuneDb());
  }

  async refresh(): Promise<void> {
    this.runs = await listRuns(await this.database());
  }

  /**
   * A run whose worker ended without a word (marked so), or one the store says is training but no
   * worker of this page is running: the tab was closed or reloaded.
   */
  isInterrupted(run: RunRecord): boolean {
    if (run.status === 'interrupted') return true;
    return (run.status === 'running' || run.status === 'paused') && this.live?.runId !== run.id;
  }

  get busy(): boolean {
    const phase = this.live?.phase;
    return (
      phase === 'loading' ||
      phase === 'running' ||
      phase === 'pausing' ||
      phase === 'paused' ||
      phase === 'stopping'
    );
  }

  async start(request: StartRequest): Promise<void> {
    if (await trainingLockHeld()) throw new Error(TRAINING_LOCKED_MESSAGE);
    const now = Date.now();
    const run: RunRecord = {
      id: crypto.randomUUID(),
      name: request.name,
      created: now,
      updated: now,
      status: 'running',
      datasetId: request.datasetId,
      model: request.model,
      config: { ...request.config },
      ...(request.reranker ? { reranker: request.reranker } : {}),
      evalEvery: request.evalEvery,
      backend: request.backend,
      totalSteps: 0,
      step: 0,
      history: [],
      evalPoints: [],
    };
    await putRun(await this.database(), run);
    await this.refresh();
    await this.train(run);
  }

  /** Continues an interrupted, stopped or failed run from its last checkpoint. */
  async resume(runId: string): Promise<void> {
    const run = this.runs.find((r) => r.id === runId);
    if (run) await this.train(run);
  }

  private async train(run: RunRecord): Promise<void> {
    if (this.busy) throw new Error('a run is already training');
    this.stepSeconds = [];
    this.live = {
      runId: run.id,
      phase: 'loading',
      message: 'Starting the training worker…',
      backend: '',
      threads: null,
      totalSteps: run.totalSteps,
      step: run.step,
      steps: run.history.map((h) => h[0]),
      losses: run.history.map((h) => h[1]),
      lrs: run.history.map((h) => h[2]),
      evals: run.evalPoints,
      pairsPerSecond: 0,
      tokensPerSecond: 0,
      memoryBytes: 0,
      etaSeconds: null,
      error: null,
    };
    this.workerTensors = null;
    const worker = (this.worker ??= spawnTrainingWorker());
    const started = new Promise<void>((resolve) => (this.onStarted = resolve));
    try {
      const backend = await environment.resolveBackend(run.backend);
      const outcome = await Promise.race([
        worker.api.train(
          run.id,
          backend,
          proxy((e: TrainingEvent) => this.receive(e)),
        ),
        started.then(() => workerDeath(() => worker.api.memory())),
      ]);
      this.flush();
      if (outcome === 'interrupted') return await this.interrupted(run.id, worker);
      this.patchLive({
        phase: outcome,
        message:
          outcome === 'completed' ? 'Training finished.' : 'Stopped; the weights so far are saved.',
        etaSeconds: null,
      });
    } catch (e) {
      this.flush();
      const message = e instanceof Error ? e.message : String(e);
      this.patchLive({ phase: 'failed', message, error: message, etaSeconds: null });
    }
    this.workerTensors = (await worker.api.memory()).numTensors;
    await this.refresh();
  }

  /** The worker died mid-run (a crash, out of memory): the run holds at its last checkpoint. */
  private async interrupted(runId: string, worker: WorkerHandle<TrainingWorkerApi>): Promise<void> {
    worker.terminate();
    if (this.worker === worker) this.worker = null;
    await updateRun(await this.database(), runId, (r) => ({ ...r, status: 'interrupted' }));
    const message = `The training worker stopped unexpectedly after step ${this.live?.step ?? 0}. The run is saved at its last checkpoint: resume it to go on from there.`;
    this.patchLive({ phase: 'failed', message, error: message, etaSeconds: null });
    await this.refresh();
  }

  /** Pauses after the step in flight; the counter shows the step the run holds at. */
  async pause(): Promise<void> {
    if (!this.worker || this.live?.phase !== 'running') return;
    this.patchLive({ phase: 'pausing', message: 'Pausing after this step…' });
    const step = await this.worker.api.pause();
    this.flush();
    // Re-read: a Stop may have come in while the step finished.
    const live: LiveRun | null = this.live;
    if (live?.phase === 'pausing')
      this.patchLive({ phase: 'paused', step, message: `Paused after step ${step}.` });
  }

  proceed(): void {
    void this.worker?.api.proceed();
    this.patchLive({ phase: 'running', message: 'Training…' });
  }

  stop(): void {
    void this.worker?.api.stop();
    this.patchLive({ phase: 'stopping', message: 'Stopping after this step…' });
  }

  async remove(runId: string): Promise<void> {
    await deleteRun(await this.database(), runId);
    if (this.live?.runId === runId && !this.busy) this.live = null;
    await this.refresh();
  }

  private patchLive(patch: Partial<LiveRun>): void {
    if (this.live) this.live = { ...this.live, ...patch };
  }

  private receive(event: TrainingEvent): void {
    if (event.type === 'started') this.onStarted?.();
    this.pending.push(event);
    this.paintTimer ??= setTimeout(() => this.flush(), PAINT_MS);
  }

  /** Applies buffered events in one state update. */
  private flush(): void {
    if (this.paintTimer) clearTimeout(this.paintTimer);
    this.paintTimer = null;
    const live = this.live;
    if (!live || !this.pending.length) return;
    const next: LiveRun = {
      ...live,
      steps: [...live.steps],
      losses: [...live.losses],
      lrs: [...live.lrs],
      evals: [...live.evals],
    };
    for (const e of this.pending.splice(0)) {
      if (e.type === 'status') next.message = e.message;
      else if (e.type === 'started') {
        Object.assign(next, {
          backend: e.backend,
          threads: e.threads,
          totalSteps: e.totalSteps,
          step: e.step,
          message: 'Training…',
        });
        if (next.phase === 'loading') next.phase = 'running';
        // Steps after the last checkpoint are taken again: drop them from the curves.
        const keep = next.steps.findIndex((s) => s > e.step);
        if (keep >= 0) for (const a of [next.steps, next.losses, next.lrs]) a.splice(keep);
        next.evals = next.evals.filter(([s]) => s <= e.step);
      } else if (e.type === 'step') {
        const m = e.metrics;
        next.steps.push(m.step);
        next.losses.push(m.loss);
        next.lrs.push(m.lr);
        next.step = m.step;
        next.pairsPerSecond = m.pairs / m.seconds;
        next.tokensPerSecond = m.tokens / m.seconds;
        next.memoryBytes = e.memoryBytes;
        this.stepSeconds.push(m.seconds);
        next.etaSeconds = etaSeconds(this.stepSeconds, m.totalSteps - m.step);
      } else if (e.type === 'eval') next.evals.push([e.step, e.ndcg10]);
    }
    this.live = next;
  }
}

export const training = new TrainingState();
exposeToTests('training', () => training.workerTensors);
