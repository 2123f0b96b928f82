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
  /** LoRA rank on the default targets (query, value); null = full fine-tuning. */
  lora: number | null;
  /** With no timed steps, the instrumented first step is the timed one (`MeasureOptions`). */
  timeInstrumented?: boolean;
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
  lora: number | null;
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

/** GradCache's mini-batch and LoRA's rank in the real-size rows: the CLI's fixes for wasm's 4 GB. */
export const REAL_SIZE = { miniBatch: 8, loraRank: 16 };

/** A real-size row: full fine-tuning with GradCache, or LoRA with no mini-batch. */
function realSizeSpec(shape: ShapeSpec, how: 'gradcache' | 'lora', backend: string): CaseSpec {
  return {
    id: `${shape.id}-${how}`,
    shape,
    backend,
    route: 'attune',
    warmup: 0,
    steps: 0,
    budgetMs: 0,
    miniBatch: how === 'gradcache' ? REAL_SIZE.miniBatch : null,
    lora: how === 'lora' ? REAL_SIZE.loraRank : null,
  };
}

/**
 * The rows at batch 32 × 128 tokens that fit wasm's 4 GB heap: full fine-tuning with GradCache
 * mini-batch 8 and LoRA rank 16, for MiniLM (`minilm-32x128`) and, when `--shapes` names it,
 * bge-base (MiniLM's rows beside it). A bge-base step takes minutes on a CPU: one step each,
 * the first, profiled and timed (`timeInstrumented`). In order of the heap they need, so that in
 * one process (whose wasm heap never shrinks) each row's high-water mark is its own. The default
 * bench (`minilm` without these shapes) keeps its one profiled MiniLM GradCache step for memory.
 */
export function realSizeSpecs(shapeIds: ReadonlySet<string>, backend: string): CaseSpec[] {
  const bge = shapeIds.has('bge-base');
  if (bge || shapeIds.has('minilm-32x128')) {
    const shapes = [SHAPES['minilm-32x128'], ...(bge ? [SHAPES['bge-base']] : [])];
    return shapes.flatMap((shape) =>
      (['lora', 'gradcache'] as const).map((how) => ({
        ...realSizeSpec(shape, how, backend),
        timeInstrumented: true,
      })),
    );
  }
  return shapeIds.has('minilm')
    ? [realSizeSpec(SHAPES['minilm-32x128'], 'gradcache', backend)]
    : [];
}

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
    lora: spec.lora,
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
      timeInstrumented: spec.timeInstrumented,
      miniBatch: spec.miniBatch,
      loraRank: spec.lora,
    });
    return { ...base, figures };
  } catch (e) {
    return { ...base, error: (e as Error).message.split('\n')[0] };
  } finally {
    setKernelRoute('attune');
    tf.disposeVariables();
  }
}
