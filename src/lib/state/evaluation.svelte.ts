import { proxy } from 'comlink';
import type { EvaluationOutcome } from '../eval/outcome.ts';
import { openAttuneDb, type Db } from '../store/db.ts';
import { listDatasets } from '../store/datasets.ts';
import { listRuns } from '../store/runs.ts';
import type { DatasetRecord, RunRecord } from '../store/schema.ts';
import { spawnEvaluationWorker, type WorkerHandle } from '../../workers/spawn.ts';
import type {
  EvaluationEvent,
  EvaluationRequest,
  EvaluationStage,
  EvaluationWorkerApi,
  SystemName,
} from '../../workers/evaluation.worker.ts';
import { environment } from './environment.svelte.ts';

/** What the progress bar shows: the system and stage being worked on, and how far it is. */
export interface EvaluationProgress {
  system: SystemName;
  stage: EvaluationStage;
  done: number;
  total: number;
  docsPerSecond: number | null;
}

/** How each system's corpus embeddings were obtained in the last evaluation. */
export interface CorpusSource {
  fromCache: boolean;
  /** Corpus texts embedded per second; null when they came from the cache. */
  docsPerSecond: number | null;
}

export type EvaluationPhase = 'idle' | 'running' | 'cancelling' | 'done' | 'cancelled' | 'failed';

/** A dataset the page can evaluate on: a pairs dataset's eval split or an imported BEIR set. */
export interface EvalTarget {
  id: string;
  label: string;
}

export type EvaluationSettings = Omit<EvaluationRequest, 'backend'>;

export const DEFAULT_SETTINGS = Object.freeze({ batchSize: 32, resamples: 1000, seed: 0 });

function targetOf(d: DatasetRecord): EvalTarget | null {
  if (d.kind === 'beir') return { id: d.id, label: `${d.name} (BEIR)` };
  const n = d.evalQueries?.length ?? 0;
  return n > 0 ? { id: d.id, label: `${d.name} — eval split (${n} queries)` } : null;
}

/**
 * Owns the evaluation worker. The worker reads the datasets, runs and checkpoints from IndexedDB
 * itself and writes the embedding cache there; this class lists what can be evaluated, starts
 * and cancels an evaluation, and exposes its progress and outcome to the Evaluate page.
 */
class EvaluationState {
  runs = $state.raw<RunRecord[]>([]);
  targets = $state.raw<EvalTarget[]>([]);
  /** Ids of the runs that have a stored checkpoint (a fine-tuned model to evaluate). */
  withCheckpoint = $state.raw<ReadonlySet<string>>(new Set());
  phase = $state<EvaluationPhase>('idle');
  progress = $state.raw<EvaluationProgress | null>(null);
  corpus = $state.raw<Partial<Record<SystemName, CorpusSource>>>({});
  backend = $state<string>('');
  outcome = $state.raw<EvaluationOutcome | null>(null);
  /** The run whose base and fine-tuned models `outcome` compares (null for a base-only outcome). */
  comparedRunId = $state<string | null>(null);
  error = $state<string | null>(null);
  warnings = $state.raw<string[]>([]);
  /** Tensors alive in the worker after its last evaluation (0 when everything was released). */
  workerTensors = $state<number | null>(null);

  private worker: WorkerHandle<EvaluationWorkerApi> | null = null;
  private db: Promise<Db> | null = null;
  private cancelRequested = false;
  private corpusRate: Partial<Record<SystemName, number | null>> = {};

  private database(): Promise<Db> {
    return (this.db ??= openAttuneDb());
  }

  get running(): boolean {
    return this.phase === 'running' || this.phase === 'cancelling';
  }

  async refresh(): Promise<void> {
    const db = await this.database();
    const [datasets, runs, checkpointed] = await Promise.all([
      listDatasets(db),
      listRuns(db),
      db.getAllKeys('checkpoints'),
    ]);
    this.targets = datasets.map(targetOf).filter((t) => t !== null);
    this.runs = runs;
    this.withCheckpoint = new Set(checkpointed);
  }

  async run(settings: EvaluationSettings): Promise<void> {
    if (this.running) return;
    this.phase = 'running';
    this.cancelRequested = false;
    this.progress = null;
    this.corpus = {};
    this.corpusRate = {};
    this.outcome = null;
    this.comparedRunId = null;
    this.error = null;
    this.warnings = [];
    this.workerTensors = null;
    this.worker ??= spawnEvaluationWorker();
    const backend = environment.target?.backend ?? 'webgpu';
    try {
      this.outcome = await this.worker.api.evaluate(
        { ...settings, backend },
        proxy((e: EvaluationEvent) => this.receive(e)),
      );
      this.comparedRunId = settings.compareTuned ? settings.runId : null;
      this.phase = 'done';
    } catch (e) {
      // The worker's cancellation error arrives as a plain Error; this side knows it asked for it.
      if (this.cancelRequested) this.phase = 'cancelled';
      else {
        this.error = e instanceof Error ? e.message : String(e);
        this.phase = 'failed';
      }
    }
    this.progress = null;
    this.workerTensors = (await this.worker.api.memory()).numTensors;
  }

  cancel(): void {
    if (this.phase !== 'running') return;
    this.cancelRequested = true;
    this.phase = 'cancelling';
    void this.worker?.api.cancel();
  }

  private receive(e: EvaluationEvent): void {
    if (e.type === 'started') this.backend = e.backend;
    else if (e.type === 'progress') {
      this.progress = {
        system: e.system,
        stage: e.stage,
        done: e.done,
        total: e.total,
        docsPerSecond: e.docsPerSecond,
      };
      if (e.stage === 'corpus') this.corpusRate[e.system] = e.docsPerSecond;
    } else if (e.type === 'corpus') {
      // Sent once the corpus is done: its last progress event carries the whole stage's rate.
      const docsPerSecond = e.fromCache ? null : (this.corpusRate[e.system] ?? null);
      this.corpus = { ...this.corpus, [e.system]: { fromCache: e.fromCache, docsPerSecond } };
    } else this.warnings = [...this.warnings, e.message];
  }
}

export const evaluation = new EvaluationState();
