import { proxy } from 'comlink';
import type { HubLoadProgress } from '../hub/load.ts';
import { DEFAULT_REVISION } from '../hub/url.ts';
import { relativeToFolder } from '../model/folder-paths.ts';
import { openAttuneDb, type Db } from '../store/db.ts';
import {
  addLocalModel,
  deleteLocalModel,
  listLocalModels,
  uniqueName,
  type LocalModelEntry,
} from '../store/models.ts';
import type { ModelRef } from '../store/schema.ts';
import type { EncoderWorkerApi } from '../../workers/encoder.worker.ts';
import { spawnEncoderWorker, type WorkerHandle } from '../../workers/spawn.ts';
import { explainModelError, hubSpec, models, type ModelProblem } from './models.svelte.ts';

/** A cross-encoder the Mine and Train pages can use, as the reranker list shows it. */
export interface RerankerEntry {
  /** `hub:<host>/<repo>@<revision>` or `local:<id>`: the key choices are made by. */
  key: string;
  ref: ModelRef;
  label: string;
  /** Outputs of its classifier; mining and MarginMSE need one. */
  labels: number | null;
  parameters: number | null;
}

const HUB_KEY = 'attune.rerankers';

function savedHubRerankers(): RerankerEntry[] {
  try {
    const saved = JSON.parse(localStorage.getItem(HUB_KEY) ?? '[]') as unknown;
    return Array.isArray(saved) ? (saved as RerankerEntry[]) : [];
  } catch {
    // A list we cannot read is only forgotten: its files stay cached, and adding again is instant.
    return [];
  }
}

const localEntry = (m: LocalModelEntry): RerankerEntry => ({
  key: `local:${m.id}`,
  ref: { kind: 'local', id: m.id, name: m.name },
  label: m.name,
  labels: m.labels,
  parameters: m.parameters,
});

/**
 * The Model page's rerankers: cross-encoders (`BertForSequenceClassification`) kept apart from
 * the base models. Hub rerankers are cached in Cache Storage as base models are, and remembered
 * in localStorage; local folders are stored in IndexedDB with the role 'reranker'.
 */
class RerankersState {
  hub = $state.raw<RerankerEntry[]>(savedHubRerankers());
  local = $state.raw<RerankerEntry[]>([]);
  loading = $state<string | null>(null);
  progress = $state.raw<HubLoadProgress | null>(null);
  problem = $state.raw<ModelProblem | null>(null);

  readonly all: RerankerEntry[] = $derived([...this.hub, ...this.local]);

  private worker: WorkerHandle<EncoderWorkerApi> | null = null;
  private database: Promise<Db> | null = null;

  private get api() {
    return (this.worker ??= spawnEncoderWorker()).api;
  }

  private db(): Promise<Db> {
    return (this.database ??= openAttuneDb());
  }

  async refresh(): Promise<void> {
    try {
      this.local = (await listLocalModels(await this.db(), 'reranker')).map(localEntry);
    } catch (e) {
      this.problem = { title: 'Could not read the rerankers', detail: (e as Error).message };
    }
  }

  /** Downloads (or reads from the cache) a Hub cross-encoder, checks it and lists it. */
  addFromHub(repo: string, revision: string = DEFAULT_REVISION): Promise<void> {
    const { spec, label } = hubSpec(models.hubHost, repo, revision);
    return this.run(label, undefined, async () => {
      const summary = await this.api.rerankerFromHub(
        spec,
        proxy((p: HubLoadProgress) => (this.progress = p)),
      );
      const entry: RerankerEntry = {
        key: `hub:${spec.host}/${spec.repo}@${spec.revision}`,
        ref: { kind: 'hub', ...spec },
        label,
        labels: summary.labels,
        parameters: summary.parameters,
      };
      this.hub = [...this.hub.filter((r) => r.key !== entry.key), entry];
      localStorage.setItem(HUB_KEY, JSON.stringify(this.hub));
    });
  }

  /** A cross-encoder folder's files (picked or dropped), checked, stored and listed. */
  importFolder(files: Iterable<readonly [string, Blob | Uint8Array]>, fallbackName: string) {
    const folder = relativeToFolder(files);
    const name = uniqueName(
      folder.root.split('/').pop() || fallbackName,
      this.local.map((m) => m.label),
    );
    return this.run(name, folder.root || fallbackName, async () => {
      const { files: kept } = await this.api.importReranker(name, folder.files);
      await addLocalModel(await this.db(), name, kept, Date.now(), 'reranker');
      await this.refresh();
    });
  }

  /** Takes a reranker off the list; a stored folder's files are deleted. */
  async remove(entry: RerankerEntry): Promise<void> {
    if (entry.ref.kind === 'local') {
      await deleteLocalModel(await this.db(), entry.ref.id);
      await this.refresh();
    } else {
      this.hub = this.hub.filter((r) => r.key !== entry.key);
      localStorage.setItem(HUB_KEY, JSON.stringify(this.hub));
    }
  }

  /** Runs one load at a time, turning its failure into a problem in words. */
  private async run(label: string, where: string | undefined, task: () => Promise<void>) {
    if (this.loading) return;
    this.loading = label;
    this.problem = null;
    this.progress = null;
    try {
      await task();
    } catch (e) {
      this.problem = explainModelError(e, where);
    } finally {
      this.loading = null;
    }
  }
}

export const rerankers = new RerankersState();
