/**
 * The model's half of mining: embed the corpus and the queries, rank the corpus for every query
 * by cosine similarity (exact, chunked: `exactTopK`) keeping the top `window`, and score every
 * query against its positives. What comes back is all that `mineHardNegatives` needs, so options
 * that keep the window can be re-applied, and negatives rejected, without the model.
 */
import type { Embedder } from '../eval/retrieval.ts';
import { withPrompt, type RetrievalPrompts } from '../model/prompts.ts';
import { stackRows } from '../eval/retrieval.ts';
import { exactTopK, type Neighbor } from '../eval/topk.ts';
import type { MiningInput } from './select.ts';
import type { MiningTask } from './task.ts';
import { throwIfCancelled } from '../util/cancel.ts';

export type MiningStage = 'corpus' | 'queries' | 'ranking';

export interface RankOptions {
  /** Texts per embedding batch (default 32). */
  batchSize?: number;
  onProgress?: (stage: MiningStage, done: number, total: number) => void;
  /** Checked between slices of work; an aborted signal ends mining with CancelledError. */
  signal?: AbortSignal;
  /** Prepended before embedding only: the mined negatives are the corpus texts as they are. */
  prompts?: RetrievalPrompts;
}

/** Batches per slice of embedding work between two checks of the signal. */
const SLICE_BATCHES = 8;

const checkSignal = (signal: AbortSignal | undefined) => throwIfCancelled(signal, 'mining');

/**
 * Lets the event loop run (a worker's cancel message is a task, not a microtask): backends whose
 * reads resolve at once would otherwise hold the thread from the first batch to the last.
 */
const yieldToEvents = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

/**
 * Embeds `texts` in slices, longest first so that batches pad little, and returns them in input
 * order. Progress counts texts; the signal is checked between slices.
 */
async function embedInSlices(
  embedder: Embedder,
  texts: readonly string[],
  stage: MiningStage,
  options: RankOptions,
): Promise<Float32Array[]> {
  const batchSize = options.batchSize ?? 32;
  const slice = batchSize * SLICE_BATCHES;
  const order = texts.map((_, i) => i).sort((a, b) => texts[b].length - texts[a].length);
  const out: Float32Array[] = new Array<Float32Array>(texts.length);
  for (let start = 0; start < order.length; start += slice) {
    checkSignal(options.signal);
    const idx = order.slice(start, start + slice);
    const rows = await embedder.embed(
      idx.map((i) => texts[i]),
      {
        batchSize,
        onProgress: (done) => options.onProgress?.(stage, start + done, texts.length),
      },
    );
    idx.forEach((i, r) => (out[i] = rows[r]));
    await yieldToEvents();
  }
  checkSignal(options.signal);
  return out;
}

/** cos(a, b) with torch's `normalize` guard: each norm at least 1e-12. */
function cosine(a: Float32Array, b: Float32Array): number {
  let dot = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i] * b[i];
    aa += a[i] * a[i];
    bb += b[i] * b[i];
  }
  return dot / (Math.max(Math.sqrt(aa), 1e-12) * Math.max(Math.sqrt(bb), 1e-12));
}

export async function rankForMining(
  embedder: Embedder,
  task: MiningTask,
  window: number,
  options: RankOptions = {},
): Promise<MiningInput> {
  const { query = '', document = '' } = options.prompts ?? {};
  const corpus = await embedInSlices(
    embedder,
    withPrompt(task.corpus, document),
    'corpus',
    options,
  );
  const queries = await embedInSlices(
    embedder,
    withPrompt(task.queries, query),
    'queries',
    options,
  );
  const dim = corpus[0]?.length ?? 0;
  const rankings = await exactTopK(stackRows(queries, dim), stackRows(corpus, dim), {
    k: window,
    similarity: 'cosine',
    onProgress: (done, total) => {
      checkSignal(options.signal);
      options.onProgress?.('ranking', done, total);
    },
  });
  const positives: Neighbor[][] = task.positives.map((rows, q) =>
    rows.map((index) => ({ index, score: cosine(queries[q], corpus[index]) })),
  );
  return { corpus: task.corpus, rankings, positives };
}
