import type { ResamplingOptions } from '../lib/eval/bootstrap.ts';
import { rerankedSystem, type RerankSection } from '../lib/eval/rerank.ts';
import type { RetrievalResult, RetrievalTask } from '../lib/eval/retrieval.ts';
import { numberFlag } from './args.ts';
import { loadCrossEncoderDir } from './cross-encoder-dir.ts';
import { fixed } from './beir-eval.ts';

export const RERANK_FLAGS = {
  rerank: { type: 'string' },
  'rerank-top': { type: 'string' },
} as const;

export const RERANK_USAGE = `  --rerank DIR  evaluate "bi-encoder top-k, then this cross-encoder" as a second system,
                with intervals and paired p-values against --model alone
  --rerank-top  how many of the bi-encoder's documents the cross-encoder reorders (100; at most
                the 100 the evaluator keeps per query)`;

/** Reranks the base system's rankings with `--rerank` and evaluates them the same way. */
export async function rerankSection(
  flags: { rerank?: string; 'rerank-top'?: string },
  model: string,
  base: RetrievalResult,
  task: RetrievalTask,
  options: { batchSize: number; resampling: ResamplingOptions },
): Promise<RerankSection | null> {
  if (flags.rerank === undefined) return null;
  const top = numberFlag(flags['rerank-top'], 'rerank-top', 100);
  const crossEncoder = await loadCrossEncoderDir(flags.rerank);
  return rerankedSystem(crossEncoder, task, base, top, {
    name: `${model} → ${flags.rerank} (top ${top})`,
    batchSize: options.batchSize,
    resampling: options.resampling,
    onProgress: (done, total) => {
      if (process.stderr.isTTY)
        process.stderr.write(`\rreranking ${done}/${total}${done === total ? '\n' : ''}`);
    },
  }).finally(() => crossEncoder.dispose());
}

/** One line per metric: the reranked system's mean, its change and the paired p-value. */
export function rerankSummary(section: RerankSection): string {
  return [
    `reranked by ${section.rerank.model}`,
    ...Object.entries(section.rerankComparison).map(
      ([key, c]) =>
        `${key.padEnd(13)}  ${fixed(c.tuned.mean)} [${fixed(c.tuned.lower)}, ${fixed(c.tuned.upper)}]  ${c.difference.mean >= 0 ? '+' : ''}${fixed(c.difference.mean)}  p=${c.pValue.toFixed(3)}`,
    ),
  ].join('\n');
}
