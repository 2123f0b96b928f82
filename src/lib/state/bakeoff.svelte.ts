import { proxy } from 'comlink';
import { MAX_CANDIDATES, MIN_CANDIDATES, type BakeoffOutcome } from '../eval/bakeoff.ts';
import type { CandidateStats } from '../eval/evaluate-model.ts';
import type { RetrievalStage } from '../eval/retrieval.ts';
import { DEFAULT_REVISION, assertRepoId } from '../hub/url.ts';
import type { LocalModelEntry } from '../store/models.ts';
import type { ModelRef } from '../store/schema.ts';
import { spawnEvaluationWorker } from '../../workers/spawn.ts';
import type { BakeoffWorkerEvent, EvaluationWorkerApi } from '../../workers/evaluation.worker.ts';
import { environment } from './environment.svelte.ts';
import { DEFAULT_SETTINGS } from './evaluation.svelte.ts';
import { models } from './models.svelte.ts';
import { WorkerRun } from './worker-run.svelte.ts';
import { exposeToTests } from './test-probes.ts';

/** A model to compare: `name` labels it everywhere (the repo id, or the local model's name). */
export interface Candidate {
  name: string;
  ref: ModelRef;
}

export type CandidateStep =
  'waiting' | 'loading' | 'downloading' | RetrievalStage | 'evaluated' | 'failed';

/** How far one candidate of the running bake-off has got. */
export interface CandidateProgress {
  step: CandidateStep;
  /** Texts embedded or documents searched in the current stage, of `total`. */
  done: number;
  total: number;
  /** Bytes of the Hub download, of `bytes` once every file's size is known. */
  received: number;
  bytes: number | null;
  /** nDCG@10, once evaluated. */
  score: number | null;
  stats: CandidateStats | null;
  error: string | null;
}

const WAITING: CandidateProgress = {
  step: 'waiting',
  done: 0,
  total: 0,
  received: 0,
  bytes: null,
  score: null,
  stats: null,
  error: null,
};

/** A Hub model as a candidate, from the host the Model page's settings name. */
export function hubCandidate(repo: string): Candidate {
  return {
    name: repo,
    ref: { kind: 'hub', host: models.hubHost, repo, revision: DEFAULT_REVISION },
  };
}

export function localCandidate(entry: LocalModelEntry): Candidate {
  return { name: entry.name, ref: { kind: 'local', id: entry.id, name: entry.name } };
}

/**
 * The bake-off on the Evaluate page: which candidates are chosen, the run in the evaluation
 * worker (its own instance, so a bake-off and an evaluation do not wait for each other), each
 * candidate's progress, the ranked outcome, and "train from this model".
 */
class BakeoffState extends WorkerRun<EvaluationWorkerApi, 'done'> {
  chosen = $state.raw<Candidate[]>([]);
  /** The candidates of the last run, in the order they run; `progress` is parallel to it. */
  lineup = $state.raw<Candidate[]>([]);
  progress = $state.raw<CandidateProgress[]>([]);
  /** Bootstrap intervals and the paired test, after the last model. */
  ranking = $state(false);
  outcome = $state.raw<BakeoffOutcome | null>(null);
  backend = $state('');

  constructor() {
    super(spawnEvaluationWorker);
  }

  get full(): boolean {
    return this.chosen.length >= MAX_CANDIDATES;
  }

  get ready(): boolean {
    return this.chosen.length >= MIN_CANDIDATES && this.chosen.length <= MAX_CANDIDATES;
  }

  isChosen(name: string): boolean {
    return this.chosen.some((c) => c.name === name);
  }

  toggle(candidate: Candidate): void {
    if (this.isChosen(candidate.name)) {
      this.chosen = this.chosen.filter((c) => c.name !== candidate.name);
    } else if (!this.full) this.chosen = [...this.chosen, candidate];
  }

  /** Adds any Hub model by id; returns what is wrong with the id, or null. */
  addHub(text: string): string | null {
    const repo = text.trim();
    try {
      assertRepoId(repo);
    } catch (e) {
      return (e as Error).message;
    }
    if (this.isChosen(repo)) return `${repo} is already a candidate`;
    if (this.full) return `a bake-off compares at most ${MAX_CANDIDATES} models`;
    this.chosen = [...this.chosen, hubCandidate(repo)];
    return null;
  }

  async run(datasetId: string): Promise<void> {
    if (this.running || !this.ready) return;
    this.lineup = this.chosen;
    this.progress = this.chosen.map(() => WAITING);
    this.ranking = false;
    this.outcome = null;
    await this.execute(async (api) => {
      this.outcome = await api.bakeoff(
        {
          datasetId,
          candidates: this.lineup,
          backend: await environment.resolveBackend(),
          ...DEFAULT_SETTINGS,
        },
        proxy((e: BakeoffWorkerEvent) => this.receive(e)),
      );
      return 'done';
    });
    this.ranking = false;
  }

  /** Selects a ranked model as the base model and opens the Train page. */
  trainFrom(name: string): void {
    const candidate = this.lineup.find((c) => c.name === name);
    const summary = this.outcome?.summaries[name];
    if (!candidate || !summary) return;
    models.choose({ ref: candidate.ref, label: candidate.name, summary });
    location.hash = '#/train';
  }

  private update(candidate: number, change: Partial<CandidateProgress>): void {
    this.progress = this.progress.map((p, i) => (i === candidate ? { ...p, ...change } : p));
  }

  private receive(e: BakeoffWorkerEvent): void {
    switch (e.type) {
      case 'started':
        this.backend = e.backend;
        break;
      case 'loading':
        this.update(e.candidate, { step: 'loading' });
        break;
      case 'download':
        this.update(e.candidate, { step: 'downloading', received: e.received, bytes: e.total });
        break;
      case 'progress':
        this.update(e.candidate, { step: e.stage, done: e.done, total: e.total });
        break;
      case 'evaluated':
        this.update(e.candidate, { step: 'evaluated', score: e.score, stats: e.stats });
        break;
      case 'failed':
        this.update(e.candidate, { step: 'failed', error: e.error });
        break;
      case 'statistics':
        this.ranking = true;
    }
  }
}

export const bakeoff = new BakeoffState();
exposeToTests('bakeoff', () => bakeoff.workerTensors);
