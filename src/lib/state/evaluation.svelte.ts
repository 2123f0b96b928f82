import { proxy } from 'comlink';
import type { EvaluationOutcome } from '../eval/outcome.ts';
import { openAttuneDb, type Db } from '../store/db.ts';
import { listDatasets } from '../store/datasets.ts';
import { listRuns } from '../store/runs.ts';
import type { DatasetRecord, RunRecord } from '../store/schema.ts';
import { spawnEvaluationWorker } from '../../workers/spawn.ts';
import type {
  EvaluationEvent,
  EvaluationRequest,
  EvaluationStage,
  EvaluationWorkerApi,
  RerankOutcome,
  SystemName,
} from '../../workers/evaluation.worker.ts';
import { environment } from './environment.svelte.ts';
import { WorkerRun, type RunPhase } from './worker-run.svelte.ts';
import { exposeToTests } from './test-probes.ts';

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

export type EvaluationPhase = RunPhase | 'done';

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
class EvaluationState extends WorkerRun<EvaluationWorkerApi, 'done'> {
  runs = $state.raw<RunRecord[]>([]);
  targets = $state.raw<EvalTarget[]>([]);
  /** Ids of the runs that have a stored checkpoint (a fine-tuned model to evaluate). */
  withCheckpoint = $state.raw<ReadonlySet<string>>(new Set());
  progress = $state.raw<EvaluationProgress | null>(null);
  corpus = $state.raw<Partial<Record<SystemName, CorpusSource>>>({});
  backend = $state<string>('');
  outcome = $state.raw<EvaluationOutcome | null>(null);
  /** The reranked system of the last evaluation, when a reranker was chosen. */
  reranked = $state.raw<RerankOutcome | null>(null);
  /** The run whose base and fine-tuned models `outcome` compares (null for a base-only outcome). */
  comparedRunId = $state<string | null>(null);
  warnings = $state.raw<string[]>([]);

  private db: Promise<Db> | null = null;
  private corpusRate: Partial<Record<SystemName, number | null>> = {};

  constructor() {
    super(spawnEvaluationWorker);
  }

  private database(): Promise<Db> {
    return (this.db ??= openAttuneDb());
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
    this.progress = null;
    this.corpus = {};
    this.corpusRate = {};
    this.outcome = null;
    this.reranked = null;
    this.comparedRunId = null;
    this.warnings = [];
    await this.execute(async (api) => {
      const backend = await environment.resolveBackend();
      const { rerank, ...outcome } = await api.evaluate(
        { ...settings, backend },
        proxy((e: EvaluationEvent) => this.receive(e)),
      );
      this.outcome = outcome;
      this.reranked = rerank;
      this.comparedRunId = settings.compareTuned ? settings.runId : null;
      return 'done';
    });
    this.progress = null;
  }

  /** The last evaluation's kit (qrels, runs, report.html, reproduce.py) zipped under `root/`. */
  async kitZip(root: string): Promise<Blob> {
    if (!this.worker || !this.outcome) throw new Error('run an evaluation first');
    return this.worker.api.kit(root);
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
exposeToTests('evaluation', () => evaluation.workerTensors);
