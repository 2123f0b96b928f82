import * as tf from '@tensorflow/tfjs';
import type { TrainingPair } from '../src/lib/data/pairs.ts';
import type { SentenceModel } from '../src/lib/model/folder.ts';
import { setKernelRoute, type KernelRoute } from '../src/lib/kernels/index.ts';
import { measureTraining, type StepFigures } from './measure.ts';
import { SHAPES, syntheticModel, syntheticPairs, type ShapeSpec } from './models.ts';
import type { SampleData } from './sample.ts';

/** One bench measurement: a model shape trained on one backend through one kernel route. */
export interface CaseSpec {
  /** Row label, e.g. "minilm" or "minilm-32x128-gradcache". */
  id: string;
  shape: ShapeSpec;
  backend: string;
  route: KernelRoute;
  warmup: number;
  steps: number;
  budgetMs: number;
  miniBatch: number | null;
  /** Set instead of running: why this combination is not measured. */
  skip?: string;
}

export interface CaseResult {
  id: string;
  shape: string;
  platform: string;
  backend: string;
  route: KernelRoute;
  batch: number;
  tokens: number;
  miniBatch: number | null;
  figures?: StepFigures;
  skipped?: string;
  error?: string;
}

export interface Fixture {
  model: SentenceModel;
  pairs: TrainingPair[];
  sample: SampleData;
}

/**
 * The model and pairs a shape trains on: the fixture itself for `tiny`; for `sample`, the
 * studio's sample dataset on all-MiniLM-L6-v2's shape (random weights, its 256-token limit, a
 * tokenizer that knows the sample's words); synthetic texts that fill every token otherwise.
 */
export function workload(shape: ShapeSpec, fixture: Fixture): Fixture {
  if (shape.id === 'tiny') return fixture;
  if (shape.id === 'sample')
    return {
      ...fixture,
      model: { ...syntheticModel(shape, fixture.model), tokenizer: fixture.sample.tokenizer },
      pairs: fixture.sample.pairs,
    };
  return {
    ...fixture,
    model: syntheticModel(shape, fixture.model),
    pairs: syntheticPairs(fixture.pairs, Math.max(64, 4 * shape.batch)),
  };
}

/** The MiniLM shape at batch 32 × 128 tokens, for the GradCache memory target. */
export const MINILM_LARGE_BATCH: ShapeSpec = {
  ...SHAPES.minilm,
  label: 'MiniLM-L6 6×384, batch 32 × 128 tokens',
  batch: 32,
  tokens: 128,
};

export async function runCase(
  spec: CaseSpec,
  fixture: Fixture,
  platform: string,
  useBackend: (name: string) => Promise<boolean>,
): Promise<CaseResult> {
  const base: CaseResult = {
    id: spec.id,
    shape: spec.shape.label,
    platform,
    backend: spec.backend,
    route: spec.route,
    batch: spec.shape.batch,
    tokens: spec.shape.tokens,
    miniBatch: spec.miniBatch,
  };
  if (spec.skip) return { ...base, skipped: spec.skip };
  if (!(await useBackend(spec.backend)))
    return { ...base, skipped: `the ${spec.backend} backend does not start here` };
  setKernelRoute(spec.route);
  const { model, pairs } = workload(spec.shape, fixture);
  try {
    const figures = await measureTraining(model, pairs, {
      batch: spec.shape.batch,
      warmup: spec.warmup,
      steps: spec.steps,
      budgetMs: spec.budgetMs,
      miniBatch: spec.miniBatch,
    });
    return { ...base, figures };
  } catch (e) {
    return { ...base, error: (e as Error).message.split('\n')[0] };
  } finally {
    setKernelRoute('attune');
    tf.disposeVariables();
  }
}
