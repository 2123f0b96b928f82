import { proxy } from 'comlink';
import { DEFAULT_FILTER_TOP_K } from '../generate/consistency.ts';
import { parseExampleQueries, parseGenerationCorpus } from '../generate/inputs.ts';
import type { ExampleQuery } from '../generate/prompt.ts';
import {
  applyFilters,
  countVerdicts,
  type FilterCounts,
  type FilteredQuery,
  type GeneratedQuery,
} from '../generate/review.ts';
import {
  DEFAULT_GENERATOR,
  DEFAULT_SAMPLING,
  type SamplingSettings,
} from '../generate/settings.ts';
import type { HubLoadProgress } from '../hub/load.ts';
import { DEFAULT_REVISION } from '../hub/url.ts';
import type { DatasetRecord } from '../store/schema.ts';
import type {
  GenerateEvent,
  GenerateWorkerApi,
  GenerationJob,
} from '../../workers/generate.worker.ts';
import { spawnGenerateWorker, type WorkerHandle } from '../../workers/spawn.ts';
import { datasets } from './datasets.svelte.ts';
import { environment } from './environment.svelte.ts';
import { models } from './models.svelte.ts';

/**
 * - `idle`: no job; `loading`: the generator downloads or starts; `generating`: queries arrive;
 * - `stopped`: paused or finished, queries stored; `ranking`: the filters run;
 * - `review`: verdicts shown, accept/reject; `saving` / `saved`: the dataset is written.
 */
export type GeneratePhase =
  'idle' | 'loading' | 'generating' | 'stopped' | 'ranking' | 'review' | 'saving' | 'saved';

export interface ReviewRow extends FilteredQuery {
  accepted: boolean;
}

const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

/**
 * The Generate page: owns the generation worker. Results stream into IndexedDB in the worker and
 * into `queries` here; the filters' verdicts are pure, computed here from the worker's ranks.
 */
class GenerateState {
  phase = $state<GeneratePhase>('idle');
  corpusName = $state<string | null>(null);
  corpus = $state.raw<string[]>([]);
  examples = $state.raw<ExampleQuery[]>([]);
  inputError = $state<string | null>(null);
  generatorRepo = $state(DEFAULT_GENERATOR);
  sampling = $state<SamplingSettings>({ ...DEFAULT_SAMPLING });
  topK = $state(DEFAULT_FILTER_TOP_K);
  job = $state.raw<GenerationJob | null>(null);
  queries = $state.raw<GeneratedQuery[]>([]);
  download = $state.raw<HubLoadProgress | null>(null);
  device = $state<string | null>(null);
  rows = $state.raw<ReviewRow[]>([]);
  error = $state<string | null>(null);
  saved = $state.raw<DatasetRecord | null>(null);
  private worker: WorkerHandle<GenerateWorkerApi> | null = null;
  private restored = false;

  get counts(): FilterCounts {
    return countVerdicts(this.rows);
  }

  get accepted(): number {
    return this.rows.filter((r) => r.accepted).length;
  }

  private get api() {
    this.worker ??= spawnGenerateWorker();
    return this.worker.api;
  }

  /** Picks up the last job after a reload: its inputs and every query stored so far. */
  async restore(): Promise<void> {
    if (this.restored) return;
    this.restored = true;
    const last = await this.api.restore();
    if (!last || this.phase !== 'idle') return;
    this.show(last.job);
    this.corpusName = last.job.name;
    this.corpus = last.job.corpus;
    this.examples = last.job.examples;
    this.queries = last.queries;
    this.phase = 'stopped';
  }

  async chooseCorpus(file: File): Promise<void> {
    this.inputError = null;
    try {
      this.corpus = parseGenerationCorpus(await file.text(), file.name);
      this.corpusName = file.name;
    } catch (e) {
      this.inputError = message(e);
    }
  }

  async chooseExamples(file: File): Promise<void> {
    this.inputError = null;
    try {
      this.examples = parseExampleQueries(await file.text(), file.name);
    } catch (e) {
      this.inputError = message(e);
    }
  }

  /** Pasted examples: one query per line. */
  setExamplesText(text: string): void {
    this.examples = text
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l !== '')
      .map((query) => ({ query }));
  }

  async start(): Promise<void> {
    if (!this.corpusName || this.corpus.length === 0) return;
    this.reset();
    this.phase = 'loading';
    await this.follow(() =>
      this.api.start(
        {
          name: this.corpusName ?? 'corpus',
          corpus: this.corpus,
          examples: this.examples,
          generator: { host: models.hubHost, repo: this.generatorRepo, revision: DEFAULT_REVISION },
          sampling: { ...this.sampling },
        },
        proxy((e: GenerateEvent) => this.receive(e)),
      ),
    );
  }

  async resume(): Promise<void> {
    if (!this.job) return;
    this.rows = [];
    this.phase = 'loading';
    const jobId = this.job.jobId;
    await this.follow(() =>
      this.api.resume(
        jobId,
        proxy((e: GenerateEvent) => this.receive(e)),
      ),
    );
  }

  pause(): void {
    void this.api.pause();
  }

  /** Stops and forgets the job and its queries. */
  async discard(): Promise<void> {
    if (this.job) await this.api.discard(this.job.jobId);
    this.job = null;
    this.reset();
    this.phase = 'idle';
  }

  async filter(): Promise<void> {
    const job = this.job;
    const model = models.selected;
    if (!job) return;
    if (!model) {
      this.error =
        'Pick a base model on the Model page first: it judges which queries are consistent.';
      return;
    }
    this.error = null;
    this.phase = 'ranking';
    try {
      const { queries, ranks } = await this.api.rank(
        job.jobId,
        $state.snapshot(model.ref),
        this.topK,
        await environment.resolveBackend(),
      );
      const filtered = applyFilters(queries, ranks, {
        topK: this.topK,
        reserved: job.examples.map((e) => e.query),
      });
      this.rows = filtered.map((q) => ({ ...q, accepted: q.verdict === 'kept' }));
      this.phase = 'review';
    } catch (e) {
      this.error = `The filters could not run: ${message(e)}.`;
      this.phase = 'stopped';
    }
  }

  toggle(index: number): void {
    this.rows = this.rows.map((r, i) => (i === index ? { ...r, accepted: !r.accepted } : r));
  }

  async createDataset(name: string): Promise<void> {
    const job = this.job;
    const accepted = this.rows.filter((r) => r.accepted);
    if (!job || accepted.length === 0) return;
    this.phase = 'saving';
    this.error = null;
    try {
      this.saved = await this.api.createDataset(
        job.jobId,
        accepted.map((r) => ({ document: r.document, text: r.text })),
        name,
      );
      await datasets.refresh();
      this.phase = 'saved';
    } catch (e) {
      this.error = `The dataset could not be saved: ${message(e)}.`;
      this.phase = 'review';
    }
  }

  private reset(): void {
    this.queries = [];
    this.rows = [];
    this.download = null;
    this.error = null;
    this.saved = null;
  }

  private async follow(work: () => Promise<void>): Promise<void> {
    try {
      await work();
    } catch (e) {
      this.error = `Generation stopped: ${message(e)}.`;
      if (this.job) this.phase = 'stopped';
      else this.phase = 'idle';
    }
  }

  private show(job: GenerationJob): void {
    this.job = job;
    this.sampling = { ...job.sampling };
    this.generatorRepo = job.generator.repo;
  }

  private receive(e: GenerateEvent): void {
    if (e.type === 'download') this.download = e.progress;
    else if (e.type === 'loaded') {
      this.device = e.device;
      this.phase = 'generating';
    } else if (e.type === 'document') {
      this.show(e.job);
      this.queries = [...this.queries, ...e.queries];
    } else {
      this.show(e.job);
      this.phase = 'stopped';
    }
  }
}

export const generate = new GenerateState();
