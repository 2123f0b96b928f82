import type { TrainingPair } from '../data/pairs.ts';
import { pairColumns, type ColumnStats, type PairColumn } from '../data/stats.ts';
import { CHUNK_PAIRS, readChunk } from '../store/datasets.ts';
import type { DatasetRecord } from '../store/schema.ts';
import { datasets } from './datasets.svelte.ts';

/** Chunks kept in memory for scrolling back and forth: 64 × 1,000 pairs, a few MB. */
const CACHE_CHUNKS = 64;
/** Typing pauses this long before a search starts. */
const SEARCH_DELAY_MS = 200;

/**
 * One dataset as the preview table shows it. Rows are read lazily, a stored chunk at a time, so
 * that scrolling a million rows only ever reads the chunks in view; the column stats and the
 * search scan every chunk in the import worker, off the main thread.
 */
class DatasetPreviewState {
  dataset = $state.raw<DatasetRecord | null>(null);
  columns = $state.raw<PairColumn[]>([]);
  stats = $state.raw<ColumnStats[] | null>(null);
  /** Indices of the rows that match `query`; null when there is no search. */
  matches = $state.raw<Uint32Array | null>(null);
  query = $state('');
  searching = $state(false);
  /** Bumped whenever a chunk arrives, so that rows read before it render again. */
  private arrived = $state(0);

  private chunks = new Map<number, TrainingPair[]>();
  private loading = new Set<number>();
  private searchTimer: ReturnType<typeof setTimeout> | null = null;

  /** Rows the table holds: every pair, or the matches of the search. */
  get rowCount(): number {
    return this.matches?.length ?? this.dataset?.counts.pairs ?? 0;
  }

  async select(dataset: DatasetRecord | null): Promise<void> {
    const same = dataset && this.dataset?.id === dataset.id;
    this.dataset = dataset;
    if (same) return;
    this.chunks.clear();
    this.loading.clear();
    this.columns = dataset ? pairColumns(dataset.columns) : [];
    this.stats = null;
    this.matches = null;
    this.query = '';
    this.searching = false;
    if (!dataset) return;
    const stats = await datasets.worker().api.stats(dataset.id);
    if (this.dataset?.id === dataset.id) this.stats = stats;
  }

  /** The pair at table row `row` (the `row`-th match while searching), with its index in the dataset. */
  row(row: number): { index: number; pair: TrainingPair | undefined } {
    void this.arrived;
    const index = this.matches ? this.matches[row] : row;
    const chunk = Math.floor(index / CHUNK_PAIRS);
    const pairs = this.chunks.get(chunk);
    if (!pairs) void this.load(chunk);
    return { index, pair: pairs?.[index % CHUNK_PAIRS] };
  }

  setQuery(text: string): void {
    this.query = text;
    if (this.searchTimer) clearTimeout(this.searchTimer);
    this.searchTimer = setTimeout(() => void this.search(text.trim()), SEARCH_DELAY_MS);
  }

  private async search(text: string): Promise<void> {
    const dataset = this.dataset;
    if (!dataset) return;
    if (text === '') {
      this.matches = null;
      this.searching = false;
      return;
    }
    this.searching = true;
    const found = await datasets.worker().api.search(dataset.id, text);
    // null: a newer search overtook this one; its answer is the one to show.
    if (found === null || this.dataset?.id !== dataset.id || this.query.trim() !== text) return;
    this.matches = found;
    this.searching = false;
  }

  private async load(chunk: number): Promise<void> {
    const dataset = this.dataset;
    if (!dataset || this.loading.has(chunk)) return;
    this.loading.add(chunk);
    const pairs = await readChunk(await datasets.database(), dataset.id, chunk);
    this.loading.delete(chunk);
    if (this.dataset?.id !== dataset.id) return;
    if (this.chunks.size >= CACHE_CHUNKS) {
      this.chunks.delete(this.chunks.keys().next().value!);
    }
    this.chunks.set(chunk, pairs);
    this.arrived++;
  }
}

export const preview = new DatasetPreviewState();
