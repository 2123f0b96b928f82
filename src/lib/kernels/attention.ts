import * as tf from '@tensorflow/tfjs';
import { registerArrayKernel, runKernel, type Values } from './arrays.ts';
import { dropThreshold, hash, randomSeed } from './dropout.ts';
import { at, gemmNT } from './gemm.ts';
import { fused } from './route.ts';
import { scratch } from './simd.ts';
import { rangeTask } from './threads/pool.ts';

/**
 * BERT self-attention after the projections, for every (sequence b, head h) at once, reading the
 * heads straight out of the `[B·L, H]` projections (no head transposes):
 *
 *   S = scale · Q_h K_hᵀ + m_b       (m: 0 for attended keys, −1e9 for padding)
 *   P = softmax_rows(S)               P' = dropout(P)          C_h = P' V_h
 *
 * and backward, from P (saved as the second output) and the regenerated dropout mask D:
 *
 *   dP' = dC_h V_hᵀ    dV_h = P'ᵀ dC_h    dP = dP' ⊙ D
 *   dS = P ⊙ (dP − rowsum(dP ⊙ P))       dQ_h = scale · dS K_h    dK_h = scale · dSᵀ Q_h
 */
const ATTENTION = 'AttuneAttention';
const ATTENTION_GRAD = 'AttuneAttentionGrad';

interface Attrs {
  heads: number;
  scale: number;
  /** Dropout on P; 0 = none. */
  rate: number;
  seed: number;
}

interface Geometry {
  B: number;
  L: number;
  H: number;
  nh: number;
  hd: number;
}

/** q `[B·L, H]`, mask `[B, 1, 1, L]`. */
function geometry(q: { shape: number[] }, mask: { shape: number[] }, heads: number): Geometry {
  const B = mask.shape[0];
  const L = mask.shape[mask.shape.length - 1];
  const H = q.shape[1];
  return { B, L, H, nh: heads, hd: H / heads };
}

/** Copies head h of sequence b out of a `[B·L, H]` tensor into `[L, hd]`. */
function gatherHead(src: Float32Array, g: Geometry, b: number, h: number, dst: Float32Array) {
  const { L, H, hd } = g;
  for (let i = 0; i < L; i++) {
    const s = (b * L + i) * H + h * hd;
    for (let d = 0; d < hd; d++) dst[i * hd + d] = src[s + d];
  }
}

/** The same head transposed, `[hd, L]`: the products below take both operands along rows. */
function gatherHeadT(src: Float32Array, g: Geometry, b: number, h: number, dst: Float32Array) {
  const { L, H, hd } = g;
  for (let i = 0; i < L; i++) {
    const s = (b * L + i) * H + h * hd;
    for (let d = 0; d < hd; d++) dst[d * L + i] = src[s + d];
  }
}

function scatterHead(src: Float32Array, g: Geometry, b: number, h: number, dst: Float32Array) {
  const { L, H, hd } = g;
  for (let i = 0; i < L; i++) {
    const s = (b * L + i) * H + h * hd;
    for (let d = 0; d < hd; d++) dst[s + d] = src[i * hd + d];
  }
}

/**
 * The mask applied inside the loops below: P' = P · scale where `hash(seed, index of P) ≥
 * threshold`, else 0. The scale is rounded to float32, as a stored mask of scales would hold it.
 */
interface Mask {
  on: boolean;
  seed: number;
  threshold: number;
  scale: number;
}

const maskOf = ({ rate, seed }: Attrs): Mask => ({
  on: rate !== 0,
  seed,
  threshold: dropThreshold(rate),
  scale: Math.fround(1 / (1 - rate)),
});

/** exp(d) for d ≤ 0; below −746 exp rounds to 0 in float64, so a masked key's weight skips the call. */
const expNonPositive = (d: number) => (d < -746 ? 0 : Math.exp(d));

/** A task's params: the geometry, then the attention attributes. */
const taskParams = (g: Geometry, a: Attrs) => [g.B, g.L, g.H, g.nh, a.scale, a.rate, a.seed];

function fromParams([B, L, H, nh, scale, rate, seed]: number[]) {
  return { g: { B, L, H, nh, hd: H / nh }, attrs: { heads: nh, scale, rate, seed } };
}

/** Items [start, end) of the (sequence, head) pairs, b·nh + h, each independent of the others. */
const forwardHeads = rangeTask(ATTENTION, (arrays: Values[], params, start, end) => {
  const [q, k, v, mask, ctx, probs] = arrays as Float32Array[];
  const { g, attrs } = fromParams(params);
  const { L, hd } = g;
  const drop = maskOf(attrs);
  const [qh, kh, vht, ch, s, pd] = scratch([L * hd, L * hd, hd * L, L * hd, L * L, L * L]);
  for (let item = start; item < end; item++) {
    const b = Math.floor(item / g.nh);
    const h = item % g.nh;
    gatherHead(q, g, b, h, qh);
    gatherHead(k, g, b, h, kh);
    gatherHeadT(v, g, b, h, vht);
    gemmNT(at(qh), at(kh), at(s), L, hd, L, attrs.scale);
    const offset = item * L * L;
    for (let i = 0; i < L; i++) {
      const row = i * L;
      let max = -Infinity;
      for (let j = 0; j < L; j++) {
        const x = s[row + j] + mask[b * L + j];
        s[row + j] = x;
        if (x > max) max = x;
      }
      let sum = 0;
      for (let j = 0; j < L; j++) {
        const e = expNonPositive(s[row + j] - max);
        s[row + j] = e;
        sum += e;
      }
      // P, then P' = dropout(P) from the stored (float32) P.
      for (let j = 0; j < L; j++) {
        const ix = offset + row + j;
        probs[ix] = s[row + j] / sum;
        pd[row + j] = drop.on
          ? hash(drop.seed, ix) >= drop.threshold
            ? probs[ix] * drop.scale
            : 0
          : probs[ix];
      }
    }
    gemmNT(at(pd), at(vht), at(ch), L, L, hd);
    scatterHead(ch, g, b, h, ctx);
  }
});

registerArrayKernel<Attrs>({
  name: ATTENTION,
  outputs: ([q, , , mask], { heads }) => {
    const g = geometry(q, mask, heads);
    return [
      { shape: q.shape, dtype: 'float32' },
      { shape: [g.B, g.nh, g.L, g.L], dtype: 'float32' },
    ];
  },
  compute([q, k, v, mask], [ctx, probs], attrs) {
    const g = geometry(q, mask, attrs.heads);
    const arrays = [q.values, k.values, v.values, mask.values, ctx, probs];
    const items = g.B * g.nh;
    forwardHeads.run(arrays, taskParams(g, attrs), items, 2 * items * g.L * g.L * g.hd);
  },
});

/** The backward pass for items [start, end) of the (sequence, head) pairs. */
const backwardHeads = rangeTask(ATTENTION_GRAD, (arrays: Values[], params, start, end) => {
  const [dc, q, k, v, probs, dqOut, dkOut, dvOut] = arrays as Float32Array[];
  const { g, attrs } = fromParams(params);
  const { L, hd, nh } = g;
  const drop = maskOf(attrs);
  const n = L * hd;
  const [qht, kht, vh, dch, dcht, tmp, pdt, dp, ds, dst, keep] = scratch([
    ...Array.from({ length: 6 }, () => n),
    ...Array.from({ length: 5 }, () => L * L),
  ]);
  for (let item = start; item < end; item++) {
    const b = Math.floor(item / nh);
    const h = item % nh;
    gatherHeadT(q, g, b, h, qht);
    gatherHeadT(k, g, b, h, kht);
    gatherHead(v, g, b, h, vh);
    gatherHead(dc, g, b, h, dch);
    gatherHeadT(dc, g, b, h, dcht);
    const offset = item * L * L;
    // P'ᵀ, for dV_h = P'ᵀ dC_h; the mask's scales kept for dP below.
    for (let i = 0; i < L; i++)
      for (let j = 0; j < L; j++) {
        const ix = offset + i * L + j;
        if (drop.on) {
          const m = hash(drop.seed, ix) >= drop.threshold ? drop.scale : 0;
          keep[i * L + j] = m;
          pdt[j * L + i] = probs[ix] * m;
        } else pdt[j * L + i] = probs[ix];
      }
    gemmNT(at(pdt), at(dcht), at(tmp), L, L, hd);
    scatterHead(tmp, g, b, h, dvOut);
    // dP' = dC_h V_hᵀ, then through the dropout mask (P' = 0 exactly where dropped); dS and dSᵀ.
    gemmNT(at(dch), at(vh), at(dp), L, hd, L);
    for (let i = 0; i < L; i++) {
      const row = i * L;
      let dot = 0;
      for (let j = 0; j < L; j++) {
        if (drop.on) dp[row + j] *= keep[row + j];
        dot += probs[offset + row + j] * dp[row + j];
      }
      for (let j = 0; j < L; j++) {
        ds[row + j] = probs[offset + row + j] * (dp[row + j] - dot);
        dst[j * L + i] = ds[row + j];
      }
    }
    // dQ_h = scale · dS K_h, dK_h = scale · dSᵀ Q_h
    gemmNT(at(ds), at(kht), at(tmp), L, L, hd, attrs.scale);
    scatterHead(tmp, g, b, h, dqOut);
    gemmNT(at(dst), at(qht), at(tmp), L, L, hd, attrs.scale);
    scatterHead(tmp, g, b, h, dkOut);
  }
});

registerArrayKernel<Attrs>({
  name: ATTENTION_GRAD,
  outputs: ([, q, k, v]) => [q, k, v].map((t) => ({ shape: t.shape, dtype: 'float32' })),
  compute([dc, q, k, v, probs], [dq, dk, dv], attrs) {
    const [B, nh, L] = probs.shape;
    const g: Geometry = { B, L, H: q.shape[1], nh, hd: q.shape[1] / nh };
    const arrays = [dc.values, q.values, k.values, v.values, probs.values, dq, dk, dv];
    backwardHeads.run(arrays, taskParams(g, attrs), B * nh, 4 * B * nh * L * L * g.hd);
  },
});

tf.registerGradient({
  kernelName: ATTENTION,
  inputsToSave: ['q', 'k', 'v'],
  outputsToSave: [false, true],
  gradFunc: (dys, saved, attrs) => {
    const [q, k, v, probs] = saved;
    const dc = (dys as tf.Tensor[])[0];
    const [dq, dk, dv] = runKernel(ATTENTION_GRAD, { dc, q, k, v, probs }, attrs);
    return { q: () => dq, k: () => dk, v: () => dv };
  },
});

export interface AttentionOptions {
  heads: number;
  /** Dropout on the attention probabilities; null when not training. */
  dropout: { rate: number; seed?: number } | null;
}

/**
 * Context vectors `[B·L, H]` from the query/key/value projections `[B·L, H]` and the additive
 * key mask `[B, 1, 1, L]`.
 */
export function selfAttention(
  q: tf.Tensor2D,
  k: tf.Tensor2D,
  v: tf.Tensor2D,
  maskAdd: tf.Tensor4D,
  opts: AttentionOptions,
): tf.Tensor2D {
  const [B, , , L] = maskAdd.shape;
  const H = q.shape[1];
  const nh = opts.heads;
  const hd = H / nh;
  const scale = 1 / Math.sqrt(hd);
  if (fused(ATTENTION)) {
    const attrs: Attrs = {
      heads: nh,
      scale,
      rate: opts.dropout?.rate ?? 0,
      seed: opts.dropout?.seed ?? randomSeed(),
    };
    return runKernel(ATTENTION, { q, k, v, mask: maskAdd }, attrs)[0] as tf.Tensor2D;
  }
  const heads = (t: tf.Tensor2D) => tf.transpose(tf.reshape(t, [B, L, nh, hd]), [0, 2, 1, 3]); // [B, nh, L, hd]
  const scores = tf.add(tf.mul(tf.matMul(heads(q), heads(k), false, true), scale), maskAdd); // [B, nh, L, L]
  const softmax = tf.softmax(scores, -1);
  const probs = opts.dropout
    ? tf.dropout(softmax, opts.dropout.rate, undefined, opts.dropout.seed)
    : softmax;
  return tf.reshape(tf.transpose(tf.matMul(probs, heads(v)), [0, 2, 1, 3]), [B * L, H]);
}
