import * as tf from '@tensorflow/tfjs';

/**
 * MarginMSELoss (sentence-transformers `losses.MarginMSELoss`; Hofstätter et al. 2020, eq. 11),
 * the GPL loss: the student copies a teacher's (cross-encoder's) score margins.
 *
 *   m_ij = sim(q_i, p_i) − sim(q_i, n_ij)            for each negative column j   [B, n]
 *   L    = mean_ij (m_ij − label_ij)²                 label = teacher's margin     [B, n]
 *
 * `sim` is the dot product by default (`util.pairwise_dot_score`), as in sentence-transformers;
 * `cosine` is its `pairwise_cos_sim` option.
 */
export interface MarginMseOptions {
  similarity?: 'dot' | 'cosine';
}

function pairwise(a: tf.Tensor2D, b: tf.Tensor2D, similarity: 'dot' | 'cosine'): tf.Tensor1D {
  if (similarity === 'dot') return tf.sum(tf.mul(a, b), 1);
  const an = tf.div(a, tf.maximum(tf.norm(a, 2, 1, true), 1e-12));
  const bn = tf.div(b, tf.maximum(tf.norm(b, 2, 1, true), 1e-12));
  return tf.sum(tf.mul(an, bn), 1);
}

/**
 * `queries`, `positives` `[B, D]`; `negatives` one `[B, D]` per column; `labels` `[B, n]` (or
 * `[B]` with one negative column), the teacher's sim(q, p) − sim(q, n_j).
 */
export function marginMseLoss(
  queries: tf.Tensor2D,
  positives: tf.Tensor2D,
  negatives: tf.Tensor2D[],
  labels: tf.Tensor1D | tf.Tensor2D,
  options: MarginMseOptions = {},
): tf.Scalar {
  const similarity = options.similarity ?? 'dot';
  const B = queries.shape[0];
  if (negatives.length === 0) throw new Error('marginMseLoss: needs at least one negative column');
  if (labels.size !== B * negatives.length) {
    throw new Error(
      `marginMseLoss: labels have ${labels.size} values, expected ${B} queries × ${negatives.length} negatives`,
    );
  }
  return tf.tidy(() => {
    const positive = pairwise(queries, positives, similarity); // [B]
    const margins = tf.stack(
      negatives.map((n) => tf.sub(positive, pairwise(queries, n, similarity))),
      1,
    ); // [B, n]
    return tf.mean(tf.squaredDifference(margins, tf.reshape(labels, [B, negatives.length])));
  });
}
