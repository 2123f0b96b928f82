import { proxy } from 'comlink';
import { readZip } from '../export/zip.ts';
import type { HubLoadProgress } from '../hub/load.ts';
import { effectivePrompts, type PromptOrigin } from '../model/known-prompts.ts';
import {
  NO_PROMPTS,
  recordRetrievalPrompts,
  type PromptConfig,
  type RetrievalPrompts,
} from '../model/prompts.ts';
import { DEFAULT_REVISION, HUB_HOST } from '../hub/url.ts';
import { relativeToFolder } from '../model/folder-paths.ts';
import { openAttuneDb, type Db } from '../store/db.ts';
import {
  addLocalModel,
  deleteLocalModel,
  getLocalModel,
  listLocalModels,
  localModelFiles,
  uniqueName,
  type LocalModelEntry,
} from '../store/models.ts';
import type { ModelRef } from '../store/schema.ts';
import type { EncoderWorkerApi, LoadedModelSummary } from '../../workers/encoder.worker.ts';
import { spawnEncoderWorker, type WorkerHandle } from '../../workers/spawn.ts';

/** A Hub model known to fit a tab, with what the list shows before anything is downloaded. */
export interface CuratedModel {
  repo: string;
  parameters: number;
  /** Size of model.safetensors, the bulk of the download. */
  downloadBytes: number;
  note: string;
}

/** BERT-family embedding models small enough to fine-tune in a browser tab. */
export const CURATED_MODELS: readonly CuratedModel[] = [
  {
    repo: 'sentence-transformers/all-MiniLM-L6-v2',
    parameters: 22_700_000,
    downloadBytes: 90_900_000,
    note: 'Small and fast general-purpose model; a good first choice.',
  },
  {
    repo: 'BAAI/bge-small-en-v1.5',
    parameters: 33_400_000,
    downloadBytes: 133_500_000,
    note: 'Strong English retrieval model (CLS pooling, an instruction prompt for queries).',
  },
  {
    repo: 'intfloat/e5-small-v2',
    parameters: 33_400_000,
    downloadBytes: 133_500_000,
    note: 'Trained with "query: " and "passage: " prompts; Attune applies them (see Prompts).',
  },
  {
    repo: 'thenlper/gte-small',
    parameters: 33_400_000,
    downloadBytes: 66_700_000,
    note: 'General text embeddings; weights stored as float16.',
  },
  {
    repo: 'sentence-transformers/multi-qa-MiniLM-L6-cos-v1',
    parameters: 22_700_000,
    downloadBytes: 90_900_000,
    note: 'Trained for question → answer search.',
  },
];

/** The base model other pages train from: where it comes from, and its shape. */
export interface SelectedModel {
  ref: ModelRef;
  label: string;
  summary: LoadedModelSummary;
}

/** A failure in words: a headline a person understands, and the precise message below it. */
export interface ModelProblem {
  title: string;
  detail: string;
}

const HOST_KEY = 'attune.hubHost';
const SELECTED_KEY = 'attune.selectedModel';

/** The Hub host saved in this browser, or huggingface.co. */
function savedHubHost(): string {
  return localStorage.getItem(HOST_KEY) ?? HUB_HOST;
}

function savedSelection(): SelectedModel | null {
  try {
    return JSON.parse(localStorage.getItem(SELECTED_KEY) ?? 'null') as SelectedModel | null;
  } catch {
    // A selection we cannot read is only forgotten: the person picks the model again.
    return null;
  }
}

/** A Hub id as typed, trimmed, on a revision (main when left blank), and the label it is shown by. */
export function hubSpec(host: string, repo: string, revision: string) {
  const spec = { host, repo: repo.trim(), revision: revision.trim() || DEFAULT_REVISION };
  const label = spec.revision === DEFAULT_REVISION ? spec.repo : `${spec.repo}@${spec.revision}`;
  return { spec, label };
}

/**
 * Every model failure in plain words. Errors arrive from the worker through comlink as plain
 * Errors that keep their `name` and message, so the class is known by name. `where` names the
 * folder or archive a local model came from.
 */
export function explainModelError(error: unknown, where?: string): ModelProblem {
  const name = error instanceof Error ? error.name : '';
  const message = error instanceof Error ? error.message : String(error);
  // A folder's file errors start with the file's path, so the folder name before it makes a path.
  const inFolder = name === 'ModelFormatError' || name === 'UnsupportedModelError';
  const detail = where ? `${where}${inFolder ? '/' : ': '}${message}` : message;
  const titles: Record<string, string> = {
    UnsupportedModelError: 'This model’s architecture is not supported',
    InvalidRepoIdError: 'That is not a Hub model id',
    HubNotFoundError: 'Not found on the Hub',
    HubAuthError: 'The Hub needs permission for this model',
    HubNetworkError: 'Could not reach the Hub',
    HubHttpError: 'The Hub answered with an error',
    HubConfigError: 'The model’s config.json cannot be used',
    ModelFormatError: 'The model folder cannot be used',
    ZipError: 'The zip archive cannot be read',
  };
  if (name === 'HubNetworkError' || (name === 'TypeError' && /fetch/i.test(message)))
    return {
      title: titles.HubNetworkError,
      detail: `${detail}. Check the connection and the Hub address in the settings; this page may only reach huggingface.co and its own address.`,
    };
  return { title: titles[name] ?? 'The model could not be loaded', detail };
}

/**
 * The Model page's state: the Hub host, the local models, what is loading and its download
 * progress, and the selected base model, which the other pages read (`models.selected`). Owns the
 * encoder worker that downloads and validates models; the selection persists in localStorage.
 */
export class ModelsState {
  hubHost = $state(savedHubHost());
  local = $state.raw<LocalModelEntry[]>([]);
  selected = $state.raw<SelectedModel | null>(savedSelection());
  /** What is loading now; one load at a time. */
  loading = $state.raw<{ label: string; fromHub: boolean } | null>(null);
  /** The last Hub load's files, kept after it ends so the page shows what came from where. */
  progress = $state.raw<HubLoadProgress | null>(null);
  problem = $state.raw<ModelProblem | null>(null);
  notice = $state<string | null>(null);

  private worker: WorkerHandle<EncoderWorkerApi> | null = null;
  private database: Promise<Db> | null = null;

  private get api() {
    return (this.worker ??= spawnEncoderWorker()).api;
  }

  private db(): Promise<Db> {
    return (this.database ??= openAttuneDb());
  }

  /** Sets the Hub host after checking it is an http(s) address; returns the problem, or null. */
  setHubHost(value: string): string | null {
    const host = value.trim().replace(/\/+$/, '') || HUB_HOST;
    if (!/^https?:\/\//i.test(host))
      return `"${value}" is not a web address: it must start with https:// or http://`;
    if (!URL.canParse(host))
      return `"${value}" is not an address: write it as https://huggingface.co`;
    this.hubHost = host;
    if (host === HUB_HOST) localStorage.removeItem(HOST_KEY);
    else localStorage.setItem(HOST_KEY, host);
    return null;
  }

  async refreshLocal(): Promise<void> {
    try {
      this.local = await listLocalModels(await this.db());
    } catch (e) {
      this.problem = { title: 'Could not read the local models', detail: (e as Error).message };
    }
  }

  /** Downloads (or reads from the cache) a Hub model, validates it, and selects it. */
  loadHub(repo: string, revision: string = DEFAULT_REVISION): Promise<void> {
    const { spec, label } = hubSpec(this.hubHost, repo, revision);
    return this.run(label, true, undefined, async () => {
      this.progress = null;
      const summary = await this.api.loadFromHub(
        spec,
        proxy((p: HubLoadProgress) => (this.progress = p)),
      );
      this.select({ ref: { kind: 'hub', ...spec }, label, summary });
    });
  }

  cancel(): void {
    void this.worker?.api.cancelDownload();
  }

  /** A folder's files (picked, dropped, or unzipped), validated, stored, and selected. */
  importFolder(files: Iterable<readonly [string, Blob | Uint8Array]>, fallbackName: string) {
    const folder = relativeToFolder(files);
    const name = uniqueName(
      folder.root.split('/').pop() || fallbackName,
      this.local.map((m) => m.name),
    );
    return this.run(name, false, folder.root || fallbackName, async () => {
      const { summary, files: kept } = await this.api.importFolder(name, folder.files);
      const record = await addLocalModel(await this.db(), name, kept);
      await this.refreshLocal();
      this.select({ ref: { kind: 'local', id: record.id, name }, label: name, summary });
    });
  }

  /** A .zip of an exported folder (or any model folder), imported like a dropped folder. */
  async importZip(file: File): Promise<void> {
    let files: Map<string, Uint8Array>;
    try {
      files = readZip(new Uint8Array(await file.arrayBuffer()), file.name);
    } catch (e) {
      this.problem = explainModelError(e);
      return;
    }
    await this.importFolder(files, file.name.replace(/\.zip$/i, ''));
  }

  loadLocal(entry: LocalModelEntry): Promise<void> {
    return this.run(entry.name, false, entry.name, async () => {
      const record = await getLocalModel(await this.db(), entry.id);
      if (!record) throw new Error('it is no longer stored in this browser');
      const summary = await this.api.loadFromFiles(record.name, localModelFiles(record));
      this.select({
        ref: { kind: 'local', id: record.id, name: record.name },
        label: record.name,
        summary,
      });
    });
  }

  async deleteLocal(entry: LocalModelEntry): Promise<void> {
    await deleteLocalModel(await this.db(), entry.id);
    if (this.selected?.ref.kind === 'local' && this.selected.ref.id === entry.id) this.select(null);
    await this.refreshLocal();
  }

  /** The selected model's prompts and where they come from (the person, the model, its authors). */
  get prompts(): { prompts: PromptConfig; origin: PromptOrigin } | null {
    const s = this.selected;
    if (!s) return null;
    const repo = s.ref.kind === 'hub' ? s.ref.repo : undefined;
    return effectivePrompts(s.summary.prompts ?? NO_PROMPTS, repo, s.ref.prompts);
  }

  /**
   * The person's own query and document prompts for the selected model, or null to go back to
   * the model's. Runs started afterwards train, evaluate and export with them.
   */
  setPrompts(chosen: RetrievalPrompts | null): void {
    const s = this.selected;
    if (!s) return;
    const ref: ModelRef = { ...s.ref };
    delete ref.prompts;
    if (chosen === null) return this.select({ ...s, ref });
    const own = effectivePrompts(s.summary.prompts ?? NO_PROMPTS, undefined, undefined).prompts;
    this.select({ ...s, ref: { ...ref, prompts: recordRetrievalPrompts(own, chosen) } });
  }

  /** Makes a model another page has loaded and summarised (the bake-off's winner) the base model. */
  choose(model: SelectedModel): void {
    this.select(model);
  }

  private select(model: SelectedModel | null): void {
    this.selected = model;
    if (model) localStorage.setItem(SELECTED_KEY, JSON.stringify(model));
    else localStorage.removeItem(SELECTED_KEY);
  }

  /** Runs one load at a time, turning its failure into a problem in words. */
  private async run(
    label: string,
    fromHub: boolean,
    where: string | undefined,
    task: () => Promise<void>,
  ): Promise<void> {
    if (this.loading) return;
    this.loading = { label, fromHub };
    this.problem = null;
    this.notice = null;
    if (!fromHub) this.progress = null;
    try {
      await task();
    } catch (e) {
      const name = (e as Error).name;
      if (name === 'HubCancelledError')
        this.notice = `Download of ${label} cancelled. Loading it again resumes where it stopped.`;
      else this.problem = explainModelError(e, where);
      // The file list stays when it shows how far a download got; a refused model has none to show.
      if (name !== 'HubCancelledError' && name !== 'HubNetworkError') this.progress = null;
    } finally {
      this.loading = null;
    }
  }
}

export const models = new ModelsState();
