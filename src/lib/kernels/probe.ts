import * as tf from '@tensorflow/tfjs';
import { bertForward, type BertParams } from '../model/bert.ts';
import type { BertConfig } from '../model/config.ts';
import { expectedShapes } from '../model/folder.ts';
import { pool } from '../model/pooling.ts';
import { AdamW } from '../train/adamw.ts';
import { mnrlLoss } from '../train/losses/mnrl.ts';
import { mulberry32 } from '../util/random.ts';

/**
 * Picks the backend to train on by measuring, not by assumption: a software WebGPU adapter
 * (SwiftShader) is slower than wasm, and a broken one computes wrong numbers. Each candidate runs
 * the same small contrastive BERT step (forward, MNRL, backward, AdamW) twice; the first result
 * must match the reference backend's loss, the second is timed.
 */
export interface BackendTrial {
  backend: string;
  /** Milliseconds of the timed step; absent when the backend failed. */
  ms?: number;
  loss?: number;
  error?: string;
}

export interface BackendChoice {
  backend: string;
  /** One sentence for the header: which backend and why. */
  reason: string;
  trials: BackendTrial[];
}

/** Two layers of 64, a 512-row vocabulary, 4 pairs × 16 tokens: ~10 ms on wasm, enough to rank. */
const PROBE_CONFIG: BertConfig = {
  model_type: 'bert',
  vocab_size: 512,
  hidden_size: 64,
  num_hidden_layers: 2,
  num_attention_heads: 4,
  intermediate_size: 256,
  hidden_act: 'gelu',
  hidden_dropout_prob: 0,
  attention_probs_dropout_prob: 0,
  max_position_embeddings: 64,
  type_vocab_size: 2,
  layer_norm_eps: 1e-12,
  position_embedding_type: 'absolute',
};
const BATCH = 4;
const TOKENS = 16;
/** Loss agreement required with the reference backend (float32 on another device: ~1e-6 apart). */
const LOSS_TOLERANCE = 1e-3;

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

async function trial(backend: string): Promise<BackendTrial> {
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
    return { backend, loss: first.loss, ms: second.ms };
  } catch (e) {
    return { backend, error: (e as Error).message };
  } finally {
    optimizer.dispose();
    params.forEach((v) => v.dispose());
  }
}

/**
 * Tries every candidate (in order; `useBackend` switches tfjs and says whether it could), checks
 * each against the first that trains (list the most trusted reference first: cpu), and leaves
 * tfjs on the fastest correct one.
 */
export async function probeBackends(
  candidates: string[],
  useBackend: (name: string) => Promise<boolean>,
): Promise<BackendChoice> {
  const trials: BackendTrial[] = [];
  for (const backend of candidates) {
    if (!(await useBackend(backend))) {
      trials.push({ backend, error: 'could not be initialised here' });
      continue;
    }
    trials.push(await trial(backend));
  }
  const reference = trials.find((t) => t.loss !== undefined);
  for (const t of trials) {
    if (t.loss === undefined || reference?.loss === undefined) continue;
    if (!Number.isFinite(t.loss) || Math.abs(t.loss - reference.loss) > LOSS_TOLERANCE) {
      t.error = `loss ${t.loss} differs from ${reference.backend}'s ${reference.loss}`;
      delete t.ms;
    }
  }
  const ranked = trials.filter((t) => t.ms !== undefined).sort((a, b) => a.ms! - b.ms!);
  if (!ranked.length) throw new Error('no TensorFlow.js backend can train here');
  const best = ranked[0];
  await useBackend(best.backend);
  const others = ranked
    .slice(1)
    .map((t) => `${t.backend} ${t.ms!.toFixed(0)} ms`)
    .join(', ');
  const failed = trials.filter((t) => t.error).map((t) => `${t.backend}: ${t.error}`);
  const reason =
    `${best.backend}: a probe training step took ${best.ms!.toFixed(0)} ms` +
    (others ? ` (${others})` : '') +
    (failed.length ? `; ${failed.join('; ')}` : '');
  return { backend: best.backend, reason, trials };
}
