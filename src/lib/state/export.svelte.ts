import type { EvaluationOutcome } from '../eval/outcome.ts';
import type { ExportOptions } from '../../workers/export.worker.ts';
import { spawnExportWorker } from '../../workers/spawn.ts';

/** The File System Access API's directory picker, where the browser has it (Chromium). */
type DirectoryPicker = (options?: { mode?: 'readwrite' }) => Promise<FileSystemDirectoryHandle>;

function directoryPicker(): DirectoryPicker | null {
  const picker = (globalThis as { showDirectoryPicker?: DirectoryPicker }).showDirectoryPicker;
  return typeof picker === 'function' ? picker : null;
}

/** Exports a run's fine-tuned model as a zip download or into a chosen directory, in a worker. */
class ExportState {
  busy = $state(false);
  message = $state<string | null>(null);
  error = $state<string | null>(null);
  readonly canWriteDirectory = directoryPicker() !== null;

  private async withWorker<T>(
    work: (w: ReturnType<typeof spawnExportWorker>) => Promise<T>,
  ): Promise<T | null> {
    this.busy = true;
    this.error = null;
    this.message = 'Preparing the model folder…';
    const worker = spawnExportWorker();
    try {
      return await work(worker);
    } catch (e) {
      this.error = e instanceof Error ? e.message : String(e);
      this.message = null;
      return null;
    } finally {
      worker.terminate();
      this.busy = false;
    }
  }

  async downloadZip(runId: string, options: ExportOptions): Promise<void> {
    this.save(await this.withWorker((w) => w.api.zipRun(runId, options)));
  }

  /** The data splits and a sentence-transformers train.py for the same run, as a zip. */
  async downloadTrainScript(runId: string): Promise<void> {
    this.save(await this.withWorker((w) => w.api.zipTakeItFurther(runId)));
  }

  private save(result: { blob: Blob; fileName: string } | null): void {
    if (!result) return;
    const url = URL.createObjectURL(result.blob);
    const link = Object.assign(document.createElement('a'), {
      href: url,
      download: result.fileName,
    });
    link.click();
    setTimeout(() => URL.revokeObjectURL(url), 60_000);
    this.message = `Downloaded ${result.fileName} (${(result.blob.size / 1e6).toFixed(1)} MB).`;
  }

  async writeDirectory(runId: string, options: ExportOptions): Promise<void> {
    const pick = directoryPicker();
    if (!pick) return;
    let directory: FileSystemDirectoryHandle;
    try {
      directory = await pick({ mode: 'readwrite' });
    } catch {
      return; // The person closed the picker.
    }
    const written = await this.withWorker((w) =>
      w.api.writeRunToDirectory(runId, directory, options),
    );
    if (written) this.message = `Wrote ${written.length} files into “${directory.name}”.`;
  }
}

export const exporter = new ExportState();

/** The model card's evaluation table for `runId`, when the Evaluate page compared that run's models. */
export function cardEvaluation(
  outcome: EvaluationOutcome | null,
  comparedRunId: string | null,
  runId: string,
): ExportOptions['evaluation'] {
  if (!outcome || comparedRunId !== runId) return undefined;
  const card = (rows: EvaluationOutcome['metrics']) =>
    rows.flatMap((m) =>
      m.tuned && m.pValue !== null
        ? [{ name: m.key, base: m.base, tuned: m.tuned, pValue: m.pValue, pHolm: m.test?.pHolm }]
        : [],
    );
  return {
    corpusSize: outcome.dataset.documents,
    queries: outcome.dataset.evaluated,
    metrics: card(outcome.metrics),
    graded: card(outcome.graded),
  };
}
