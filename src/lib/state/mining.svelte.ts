import { proxy } from 'comlink';
import { DEFAULT_MINING_OPTIONS, type MiningOptions } from '../mine/options.ts';
import {
  mineHardNegatives,
  miningResult,
  selectNegatives,
  type MiningInput,
  type MiningResult,
} from '../mine/select.ts';
import { miningStatistics, type MiningStatistics } from '../mine/statistics.ts';
import { openAttuneDb, type Db } from '../store/db.ts';
import { listRuns } from '../store/runs.ts';
import type { DatasetRecord, ModelRef, RunRecord } from '../store/schema.ts';
import type {
  MiningEvent,
  MiningModel,
  MiningProgressStage,
  MiningWorkerApi,
} from '../../workers/mining.worker.ts';
import { spawnMiningWorker } from '../../workers/spawn.ts';
import { datasets } from './datasets.svelte.ts';
import { environment } from './environment.svelte.ts';
import { WorkerRun, type RunPhase } from './worker-run.svelte.ts';
import { exposeToTests } from './test-probes.ts';

export type MiningPhase = RunPhase | 'review' | 'saving' | 'saved';

export interface MiningProgress {
  stage: MiningProgressStage;
  done: number;
  total: number;
}

export interface MineRequest {
  datasetId: string;
  model: MiningModel;
  options: MiningOptions;
  reranker: ModelRef | null;
  extraCorpus: File | null;
}

/** The review: rankings from the worker, the selection under the person's rejections. */
export interface MiningReview {
  input: MiningInput;
  queries: string[];
  rowsPerQuery: number[];
  result: MiningResult;
  /** Query → corpus rows the person rejected. */
  rejected: ReadonlyMap<number, ReadonlySet<number>>;
}

/** Texts per embedding batch: the studio's evaluation default. */
const BATCH_SIZE = 32;

/**
 * Owns the mining worker. The worker ranks the corpus with the model and keeps what saving
 * needs; selection is pure and cheap, so it runs here too, and a rejection re-selects one query
 * at once. Saving sends the rejections back and the worker writes the new dataset version.
 */
class MiningState extends WorkerRun<MiningWorkerApi, 'review' | 'saving' | 'saved'> {
  /** The form's options, kept here so that they survive leaving the page. */
  options = $state<MiningOptions>({ ...DEFAULT_MINING_OPTIONS });
  progress = $state.raw<MiningProgress | null>(null);
  backend = $state('');
  review = $state.raw<MiningReview | null>(null);
  saved = $state.raw<{ dataset: DatasetRecord; dropped: number } | null>(null);
  /** Runs with a stored checkpoint: fine-tuned models that can mine. */
  runs = $state.raw<RunRecord[]>([]);

  readonly statistics: MiningStatistics | null = $derived(
    this.review ? miningStatistics(this.review.input, this.review.result) : null,
  );

  /** Rows the saved version would leave out: those of queries short of negatives. */
  readonly dropping: number = $derived.by(() => {
    const review = this.review;
    if (!review) return 0;
    const n = review.result.plan.numNegatives;
    return review.result.queries.reduce(
      (sum, q, i) => sum + (q.negatives.length < n ? review.rowsPerQuery[i] : 0),
      0,
    );
  });

  private db: Promise<Db> | null = null;

  constructor() {
    super(spawnMiningWorker);
  }

  private database(): Promise<Db> {
    return (this.db ??= openAttuneDb());
  }

  async refresh(): Promise<void> {
    const db = await this.database();
    const [runs, checkpointed] = await Promise.all([listRuns(db), db.getAllKeys('checkpoints')]);
    const withCheckpoint = new Set(checkpointed);
    this.runs = runs.filter((r) => withCheckpoint.has(r.id));
  }

  async mine(request: MineRequest): Promise<void> {
    if (this.running || this.phase === 'saving') return;
    this.progress = null;
    this.review = null;
    this.saved = null;
    await this.execute(async (api) => {
      const ranked = await api.mine(
        {
          ...request,
          backend: await environment.resolveBackend(),
          batchSize: BATCH_SIZE,
        },
        proxy((e: MiningEvent) => this.receive(e)),
      );
      this.review = {
        ...ranked,
        result: mineHardNegatives(ranked.input, request.options),
        rejected: new Map(),
      };
      return 'review';
    });
    this.progress = null;
  }

  /** Rejects (or takes back) negative `row` of query `q`; the query is selected again at once. */
  setRejected(q: number, row: number, rejected: boolean): void {
    const review = this.review;
    if (!review || this.phase !== 'review') return;
    // New immutable values each time: the review is raw state, replaced whole.
    const others = [...(review.rejected.get(q) ?? [])].filter((r) => r !== row);
    const rows: ReadonlySet<number> = new Set(rejected ? [...others, row] : others);
    const all: ReadonlyMap<number, ReadonlySet<number>> = new Map([
      ...[...review.rejected].filter(([query]) => query !== q),
      ...(rows.size ? [[q, rows] as const] : []),
    ]);
    const queries = [...review.result.queries];
    queries[q] = selectNegatives(review.input, q, review.result.plan, rows);
    this.review = { ...review, rejected: all, result: miningResult(review.result.plan, queries) };
  }

  /** Writes the reviewed negatives as a new version of the dataset; the original stays. */
  async save(): Promise<void> {
    const review = this.review;
    if (!review || !this.worker || this.phase !== 'review') return;
    this.phase = 'saving';
    this.error = null;
    try {
      const rejected: [number, number[]][] = [...review.rejected].map(([q, rows]) => [
        q,
        [...rows],
      ]);
      this.saved = await this.worker.api.save(rejected);
      this.phase = 'saved';
      await datasets.refresh();
    } catch (e) {
      this.error = e instanceof Error ? e.message : String(e);
      this.phase = 'review';
    }
  }

  private receive(e: MiningEvent): void {
    if (e.type === 'started') this.backend = e.backend;
    else this.progress = { stage: e.stage, done: e.done, total: e.total };
  }
}

export type { MiningModel, MiningProgressStage };

export const mining = new MiningState();
exposeToTests('mining', () => mining.workerTensors);
