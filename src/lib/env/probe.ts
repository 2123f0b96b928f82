import * as tf from '@tensorflow/tfjs';
import { bertForward, type BertParams } from '../model/bert.ts';
import type { BertConfig } from '../model/config.ts';
import { expectedShapes } from '../model/folder.ts';
import { pool } from '../model/pooling.ts';
import { AdamW } from '../train/adamw.ts';
import { mnrlLoss } from '../train/losses/mnrl.ts';
import { mulberry32 } from '../util/random.ts';
import { rankTrials, type BackendChoice, type BackendTrial } from './backend-choice.ts';

/**
 * Two layers of 128, 8 pairs × 32 tokens (~1 GFLOP a step, ~100 ms on wasm): big enough that a
 * real GPU's arithmetic counts against its per-dispatch cost, as it does on a real model, yet
 * short enough to measure at start-up.
 */
const PROBE_CONFIG: BertConfig = {
  model_type: 'bert',
  vocab_size: 512,
  hidden_size: 128,
  num_hidden_layers: 2,
  num_attention_heads: 2,
  intermediate_size: 512,
  hidden_act: 'gelu',
  hidden_dropout_prob: 0,
  attention_probs_dropout_prob: 0,
  max_position_embeddings: 64,
  type_vocab_size: 2,
  layer_norm_eps: 1e-12,
  position_embedding_type: 'absolute',
};
const BATCH = 8;
const TOKENS = 32;

function probeParams(): BertParams {
  const random = mulberry32(7);
  const params: BertParams = new Map();
  for (const [name, shape] of expectedShapes(PROBE_CONFIG)) {
    const size = shape.reduce((a, b) => a * b, 1);
    const data = Float32Array.from({ length: size }, () =>
      name.includes('LayerNorm.weight') ? 1 : (random() - 0.5) * 0.1,
    );
    // Inside tidy, the initial tensor is released once the variable holds its data.
    params.set(
      name,
      tf.tidy(() => tf.variable(tf.tensor(data, shape), true)),
    );
  }
  return params;
}

/** Loss and milliseconds of one training step on the active backend. */
async function step(params: BertParams, optimizer: AdamW): Promise<{ loss: number; ms: number }> {
  const started = performance.now();
  const random = mulberry32(11);
  const ids = Int32Array.from({ length: BATCH * TOKENS }, () =>
    Math.floor(random() * PROBE_CONFIG.vocab_size),
  );
  const { value, grads } = tf.variableGrads(() => {
    const mask = tf.ones([BATCH, TOKENS], 'int32') as tf.Tensor2D;
    const embed = (offset: number) =>
      pool(
        bertForward(
          PROBE_CONFIG,
          params,
          tf.tensor2d(
            ids.map((id) => (id + offset) % PROBE_CONFIG.vocab_size),
            [BATCH, TOKENS],
            'int32',
          ),
          mask,
          { training: false },
        ),
        mask,
        'mean',
      );
    return mnrlLoss(embed(0), [embed(1)], { scale: 20 });
  }, [...params.values()]);
  const named = new Map<string, tf.Tensor>();
  for (const [name, v] of params) named.set(name, grads[v.name]);
  optimizer.apply(named, 1e-3);
  const loss = (await value.data())[0];
  // The update must have finished too: read one updated parameter back.
  await params.get('embeddings.LayerNorm.bias')!.data();
  value.dispose();
  Object.values(grads).forEach((g) => g.dispose());
  return { loss, ms: performance.now() - started };
}

async function trial<Name extends string>(backend: Name): Promise<BackendTrial<Name>> {
  const params = probeParams();
  const optimizer = new AdamW(params, {
    betas: [0.9, 0.999],
    eps: 1e-6,
    weightDecay: 0.01,
    decayAll: false,
  });
  try {
    const first = await step(params, optimizer);
    const second = await step(params, optimizer);
    const third = await step(params, optimizer);
    return { backend, loss: first.loss, ms: Math.min(second.ms, third.ms) };
  } catch (e) {
    return { backend, error: (e as Error).message };
  } finally {
    optimizer.dispose();
    params.forEach((v) => v.dispose());
  }
}

/**
 * Picks the backend to train on by measuring, not by assumption: a software WebGPU adapter
 * (SwiftShader) is slower than wasm, and a broken one computes wrong numbers. Each candidate runs
 * the same small contrastive BERT step (forward, MNRL, backward, AdamW) three times; the first
 * result must match the reference backend's loss, the faster of the other two is the timing (one
 * step alone is at the mercy of a busy machine).
 *
 * Candidates are tried in order (`useBackend` switches tfjs and says whether it could; list the
 * most trusted reference first: cpu); each trial is reported as it ends, and tfjs is left on the
 * backend `rankTrials` picks.
 */
export async function probeBackends<Name extends string>(
  candidates: Name[],
  useBackend: (name: Name) => Promise<boolean>,
  onTrial?: (trial: BackendTrial<Name>) => void,
): Promise<BackendChoice<Name>> {
  const trials: BackendTrial<Name>[] = [];
  for (const backend of candidates) {
    const result = (await useBackend(backend))
      ? await trial(backend)
      : { backend, error: 'could not be initialised here' };
    trials.push(result);
    onTrial?.(result);
  }
  const choice = rankTrials(trials);
  await useBackend(choice.backend);
  return choice;
}
