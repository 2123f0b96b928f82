import * as tf from '@tensorflow/tfjs';
import { registerArrayKernel, type ArrayTensor, type Values } from './arrays.ts';
import { fused } from './route.ts';

/**
 * MultipleNegativesRankingLoss from embeddings (src/lib/train/losses/mnrl.ts has the formula)
 * in one dispatch each way. The stock chain (two row normalisations, scores, scale, log-softmax,
 * one-hot pick, mean) takes ~140 dispatches a tiny-fixture step, its gradients and the copies of
 * the tensors the tape saves included:
 *
 *   â = a/max(‖a‖, ε), ĉ likewise;  s = scale · â·ĉᵀ                    [B, C]
 *   ℓᶠᵢ = logsumexpⱼ sᵢⱼ − sᵢᵢ ;  ℓᵇⱼ = logsumexpᵢ sᵢⱼ − sⱼⱼ (j < B, symmetric only)
 *   L = Σ wᵢℓᶠᵢ / Σw  (symmetric: the mean of that and Σ wⱼℓᵇⱼ / Σw)
 *
 * and backward, with p = softmax of each row (q of each positives column):
 *
 *   ∂L/∂sᵢⱼ = wᵢ/Σw · (pᵢⱼ − δᵢⱼ)  (+ wⱼ/Σw · (qᵢⱼ − δᵢⱼ), both halved, when symmetric)
 *   ∂L/∂â = scale · G·ĉ ;  ∂L/∂ĉ = scale · Gᵀ·â ;  ∂L/∂a = (∂â − â(â·∂â)) / ‖a‖
 *   ∂L/∂wᵢ = (ℓᵢ − L)/Σw
 *
 * Sums run in float64 and the results are rounded once to float32: within float32 rounding of
 * the stock chain, which rounds every step. The backward pass recomputes the scores from the
 * inputs (B·C·D work at most, small next to the encoder) rather than saving them.
 */
const MNRL = 'AttuneMnrl';
const MNRL_GRAD = 'AttuneMnrlGrad';
/** `F.normalize`'s ε. */
const EPS = 1e-12;

interface MnrlAttrs {
  scale: number;
  symmetric: boolean;
  /** Whether the last input is the per-anchor weights `[B]`. */
  weighted: boolean;
}

/** Rows of `x` `[n, d]` divided by max(‖row‖, ε), and those divisors. */
function normalizeRows(
  x: Values,
  n: number,
  d: number,
): { unit: Float64Array; norms: Float64Array } {
  const unit = new Float64Array(n * d);
  const norms = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let ss = 0;
    for (let k = 0; k < d; k++) ss += x[i * d + k] * x[i * d + k];
    const norm = Math.max(Math.sqrt(ss), EPS);
    norms[i] = norm;
    for (let k = 0; k < d; k++) unit[i * d + k] = x[i * d + k] / norm;
  }
  return { unit, norms };
}

/** `y = x / max(‖x‖, ε)` row by row: `dy` · ∂x from ∂y (`dUnit`), written into `dx`. */
function normalizeBackward(
  unit: Float64Array,
  norms: Float64Array,
  dUnit: Float64Array,
  d: number,
  dy: number,
  dx: Values,
): void {
  for (let i = 0; i < norms.length; i++) {
    const o = i * d;
    // Below ε the divisor is the constant ε: no projection.
    let dot = 0;
    if (norms[i] > EPS) for (let k = 0; k < d; k++) dot += unit[o + k] * dUnit[o + k];
    for (let k = 0; k < d; k++) dx[o + k] = (dy * (dUnit[o + k] - unit[o + k] * dot)) / norms[i];
  }
}

interface Pass {
  loss: number;
  /** ∂L/∂s `[B, C]`, when asked for. */
  dScores?: Float64Array;
  /** ∂L/∂w `[B]`, when asked for. */
  dWeights?: Float64Array;
}

/**
 * The loss from scores `s` `[B, C]` and weights, and (with `grad`) its derivatives: each row's
 * (or positives column's) −log softmax at the diagonal, weighted.
 */
function crossEntropies(
  s: Float64Array,
  B: number,
  C: number,
  w: Values | null,
  symmetric: boolean,
  grad: boolean,
): Pass {
  let wSum = 0;
  for (let i = 0; i < B; i++) wSum += w ? w[i] : 1;
  const half = symmetric ? 0.5 : 1;
  const dScores = grad ? new Float64Array(B * C) : undefined;
  const fwd = new Float64Array(B);
  const bwd = new Float64Array(B);
  // Forward: row i over all candidates.
  for (let i = 0; i < B; i++) {
    let max = -Infinity;
    for (let j = 0; j < C; j++) max = Math.max(max, s[i * C + j]);
    let sum = 0;
    for (let j = 0; j < C; j++) sum += Math.exp(s[i * C + j] - max);
    const lse = max + Math.log(sum);
    fwd[i] = lse - s[i * C + i];
    if (dScores) {
      const c = (half * (w ? w[i] : 1)) / wSum;
      for (let j = 0; j < C; j++) dScores[i * C + j] = c * Math.exp(s[i * C + j] - lse);
      dScores[i * C + i] -= c;
    }
  }
  // Backward (symmetric): positive j over all anchors, the positives block's column j.
  if (symmetric)
    for (let j = 0; j < B; j++) {
      let max = -Infinity;
      for (let i = 0; i < B; i++) max = Math.max(max, s[i * C + j]);
      let sum = 0;
      for (let i = 0; i < B; i++) sum += Math.exp(s[i * C + j] - max);
      const lse = max + Math.log(sum);
      bwd[j] = lse - s[j * C + j];
      if (dScores) {
        const c = (half * (w ? w[j] : 1)) / wSum;
        for (let i = 0; i < B; i++) dScores[i * C + j] += c * Math.exp(s[i * C + j] - lse);
        dScores[j * C + j] -= c;
      }
    }
  let lf = 0;
  let lb = 0;
  for (let i = 0; i < B; i++) {
    lf += (w ? w[i] : 1) * fwd[i];
    lb += (w ? w[i] : 1) * bwd[i];
  }
  lf /= wSum;
  lb /= wSum;
  const loss = symmetric ? (lf + lb) / 2 : lf;
  if (!grad || !w) return { loss, dScores };
  const dWeights = new Float64Array(B);
  for (let i = 0; i < B; i++)
    dWeights[i] = symmetric ? (fwd[i] - lf + bwd[i] - lb) / (2 * wSum) : (fwd[i] - lf) / wSum;
  return { loss, dScores, dWeights };
}

/** Splits the kernel inputs: anchors, candidate blocks, weights. */
function parts(inputs: ArrayTensor[], weighted: boolean) {
  const [a, ...rest] = inputs;
  const w = weighted ? rest.pop()!.values : null;
  return { a, cs: rest, w };
}

/** Both passes: the normalised rows, the scores, the loss and (with `grad`) ∂L/∂s, ∂L/∂w. */
function evaluate(
  a: ArrayTensor,
  cs: ArrayTensor[],
  w: Values | null,
  attrs: MnrlAttrs,
  grad: boolean,
) {
  const [B, D] = a.shape;
  const C = cs.reduce((n, c) => n + c.shape[0], 0);
  const candidates = new Float32Array(C * D);
  let offset = 0;
  for (const c of cs) {
    candidates.set(c.values, offset);
    offset += c.values.length;
  }
  const an = normalizeRows(a.values, B, D);
  const cn = normalizeRows(candidates, C, D);
  const scale = Math.fround(attrs.scale);
  const s = new Float64Array(B * C);
  for (let i = 0; i < B; i++)
    for (let j = 0; j < C; j++) {
      let dot = 0;
      for (let k = 0; k < D; k++) dot += an.unit[i * D + k] * cn.unit[j * D + k];
      s[i * C + j] = scale * dot;
    }
  return { B, C, D, an, cn, scale, ...crossEntropies(s, B, C, w, attrs.symmetric, grad) };
}

registerArrayKernel<MnrlAttrs>({
  name: MNRL,
  outputs: () => [{ shape: [], dtype: 'float32' }],
  compute(inputs, [out], attrs) {
    const { a, cs, w } = parts(inputs, attrs.weighted);
    out[0] = evaluate(a, cs, w, attrs, false).loss;
  },
});

registerArrayKernel<MnrlAttrs>({
  name: MNRL_GRAD,
  // inputs: dy, then the forward's; outputs: ∂a, ∂c for each block, ∂w if weighted.
  outputs: ([, ...inputs]) => inputs.map((t) => ({ shape: t.shape, dtype: 'float32' as const })),
  compute([dyT, ...inputs], outputs, attrs) {
    const dy = dyT.values[0];
    const { a, cs, w } = parts(inputs, attrs.weighted);
    const { B, C, D, an, cn, scale, dScores, dWeights } = evaluate(a, cs, w, attrs, true);
    const g = dScores!;
    // ∂â = scale · G·ĉ [B, D];  ∂ĉ = scale · Gᵀ·â [C, D].
    const dA = new Float64Array(B * D);
    const dCand = new Float64Array(C * D);
    for (let i = 0; i < B; i++)
      for (let j = 0; j < C; j++) {
        const gij = scale * g[i * C + j];
        if (gij === 0) continue;
        for (let k = 0; k < D; k++) {
          dA[i * D + k] += gij * cn.unit[j * D + k];
          dCand[j * D + k] += gij * an.unit[i * D + k];
        }
      }
    normalizeBackward(an.unit, an.norms, dA, D, dy, outputs[0]);
    const dc = new Float32Array(C * D);
    normalizeBackward(cn.unit, cn.norms, dCand, D, dy, dc);
    let offset = 0;
    cs.forEach((c, k) => {
      outputs[1 + k].set(dc.subarray(offset, offset + c.values.length));
      offset += c.values.length;
    });
    if (dWeights) outputs[outputs.length - 1].set(dWeights.map((v) => v * dy));
  },
});

tf.registerGradient({
  kernelName: MNRL,
  saveAllInputs: true,
  gradFunc: (dy, saved, attrs) => {
    const grads = tf
      .engine()
      .runKernel(
        MNRL_GRAD,
        [dy as tf.Tensor, ...saved] as unknown as tf.NamedTensorMap,
        attrs as tf.NamedAttrMap,
      ) as tf.Tensor[];
    return Object.fromEntries(grads.map((g, i) => [i, () => g]));
  },
});

export interface FusedMnrlOptions {
  scale: number;
  symmetric?: boolean;
  weights?: tf.Tensor1D;
}

/**
 * The MNRL loss of `anchors` `[B, D]` against `candidates` (positives, then each negative
 * column, each `[B, D]`) in one dispatch, or null where the fused kernel does not serve the
 * active backend and route (the caller then runs the stock chain).
 */
export function fusedMnrlLoss(
  anchors: tf.Tensor2D,
  candidates: tf.Tensor2D[],
  opts: FusedMnrlOptions,
): tf.Scalar | null {
  if (!fused(MNRL)) return null;
  const attrs: MnrlAttrs = {
    scale: opts.scale,
    symmetric: opts.symmetric ?? false,
    weighted: opts.weights !== undefined,
  };
  // A list, not a map: the candidate count varies, and the gradient saves every input.
  const inputs = [anchors, ...candidates, ...(opts.weights ? [opts.weights] : [])];
  return tf
    .engine()
    .runKernel(
      MNRL,
      inputs as unknown as tf.NamedTensorMap,
      attrs as unknown as tf.NamedAttrMap,
    ) as tf.Scalar;
}
