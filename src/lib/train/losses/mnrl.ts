import * as tf from '@tensorflow/tfjs';
import { fusedMnrlLoss } from '../../kernels/index.ts';

/**
 * MultipleNegativesRankingLoss (sentence-transformers `losses.MultipleNegativesRankingLoss`).
 *
 *   candidates c = [positives (B); negatives column 1 (B); …]          [B·(1+n), D]
 *   s_ij = scale · cos(a_i, c_j)                                        [B, B·(1+n)]
 *   L = −1/Σw · Σ_i w_i · log softmax(s_i)_i
 *
 * Every other anchor's positive is an in-batch negative for anchor i. With all weights 1 this
 * is `CrossEntropyLoss(scores, arange(B))`. Weights are the per-pair weights of issue-9
 * weighted MNRL: each anchor's term scaled, normalised by the weight sum.
 */
export interface MnrlOptions {
  scale: number;
  /** Also rank anchors for each positive (`MultipleNegativesSymmetricRankingLoss`): (L_fwd + L_bwd) / 2. */
  symmetric?: boolean;
  /** Per-anchor weights `[B]`; absent means all 1. */
  weights?: tf.Tensor1D;
}

/** `cos_sim(a, b)` of sentence-transformers: rows L2-normalised (eps 1e-12), then a·bᵀ. */
export function cosineScores(a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => {
    const an = tf.div(a, tf.maximum(tf.norm(a, 2, 1, true), 1e-12));
    const bn = tf.div(b, tf.maximum(tf.norm(b, 2, 1, true), 1e-12));
    return tf.matMul(an, bn, false, true);
  });
}

/** Mean (or weighted mean) over rows of −log softmax(scores)[i, i]. `scores`: `[B, C]`, C ≥ B. */
function diagonalCrossEntropy(scores: tf.Tensor2D, weights?: tf.Tensor1D): tf.Scalar {
  const B = scores.shape[0];
  const logProbs = tf.logSoftmax(scores, 1);
  // oneHot in int32 then cast: a float32 oneHot writes integer bit patterns on the wasm backend.
  const diagonal = tf.cast(tf.oneHot(tf.range(0, B, 1, 'int32'), scores.shape[1]), 'float32');
  const picked = tf.sum(tf.mul(logProbs, diagonal), 1); // [B]
  if (!weights) return tf.neg(tf.mean(picked)) as tf.Scalar;
  return tf.neg(tf.div(tf.sum(tf.mul(picked, weights)), tf.sum(weights))) as tf.Scalar;
}

/** The loss from embeddings: `anchors` `[B, D]`, `candidates` = positives then each negative column, each `[B, D]`. */
export function mnrlLoss(
  anchors: tf.Tensor2D,
  candidates: tf.Tensor2D[],
  opts: MnrlOptions,
): tf.Scalar {
  // cpu and wasm: the whole chain below as one kernel each way (src/lib/kernels/mnrl.ts).
  const fused = fusedMnrlLoss(anchors, candidates, opts);
  if (fused) return fused;
  return tf.tidy(() => {
    const B = anchors.shape[0];
    const scores = tf.mul(
      cosineScores(anchors, tf.concat(candidates, 0)),
      opts.scale,
    ) as tf.Tensor2D;
    const forward = diagonalCrossEntropy(scores, opts.weights);
    if (!opts.symmetric) return forward;
    // Positive j against all anchors: the transposed positives block.
    const backward = diagonalCrossEntropy(
      tf.transpose(tf.slice(scores, [0, 0], [B, B])),
      opts.weights,
    );
    return tf.div(tf.add(forward, backward), 2);
  });
}
