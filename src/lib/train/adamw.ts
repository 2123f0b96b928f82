import * as tf from '@tensorflow/tfjs';

/**
 * AdamW with `torch.optim.AdamW` semantics (Loshchilov & Hutter, decoupled weight decay):
 *
 *   p ← p·(1 − lr·λ)                      (decay first, on the old weights)
 *   m ← β₁m + (1−β₁)g ;  v ← β₂v + (1−β₂)g²
 *   p ← p − lr/(1−β₁ᵗ) · m / (√v/√(1−β₂ᵗ) + ε)   (ε added after the square root)
 *
 * Only parameters that receive a gradient are touched: no decay, no moment, no step for the
 * rest (torch skips `p.grad is None`).
 */
export interface AdamWConfig {
  betas: [number, number];
  eps: number;
  weightDecay: number;
  /** Decay every parameter; by default biases and LayerNorm weights are excluded, as sentence-transformers does. */
  decayAll: boolean;
}

/** sentence-transformers' `no_decay = ['bias', 'LayerNorm.bias', 'LayerNorm.weight']`, matched by substring. */
export function isDecayed(name: string, decayAll: boolean): boolean {
  return decayAll || !(name.includes('bias') || name.includes('LayerNorm.weight'));
}

export interface AdamWState {
  step: number;
  /** First and second moments by parameter name. */
  moments: Map<string, { m: Float32Array; v: Float32Array }>;
}

export class AdamW {
  step = 0;
  private readonly moments = new Map<string, { m: tf.Variable; v: tf.Variable }>();

  constructor(
    private readonly params: Map<string, tf.Variable>,
    private readonly config: AdamWConfig,
  ) {}

  /** One update with learning rate `lr`; consumes nothing (the caller disposes `grads`). */
  apply(grads: Map<string, tf.Tensor>, lr: number): void {
    this.step++;
    const [b1, b2] = this.config.betas;
    const stepSize = lr / (1 - b1 ** this.step);
    const bc2Sqrt = Math.sqrt(1 - b2 ** this.step);
    for (const [name, g] of grads) {
      const p = this.params.get(name);
      if (!p) throw new Error(`AdamW: gradient for unknown parameter "${name}"`);
      const state = this.momentsOf(name, p);
      tf.tidy(() => {
        const decay = isDecayed(name, this.config.decayAll) ? this.config.weightDecay : 0;
        const decayed = decay ? tf.mul(p, 1 - lr * decay) : p;
        const m = tf.add(tf.mul(state.m, b1), tf.mul(g, 1 - b1));
        const v = tf.add(tf.mul(state.v, b2), tf.mul(tf.square(g), 1 - b2));
        const denom = tf.add(tf.div(tf.sqrt(v), bc2Sqrt), this.config.eps);
        state.m.assign(m);
        state.v.assign(v);
        p.assign(tf.sub(decayed, tf.mul(tf.div(m, denom), stepSize)));
      });
    }
  }

  private momentsOf(name: string, p: tf.Variable): { m: tf.Variable; v: tf.Variable } {
    let s = this.moments.get(name);
    if (!s) {
      s = tf.tidy(() => ({
        m: tf.variable(tf.zerosLike(p), false),
        v: tf.variable(tf.zerosLike(p), false),
      }));
      this.moments.set(name, s);
    }
    return s;
  }

  async exportState(): Promise<AdamWState> {
    const moments = new Map<string, { m: Float32Array; v: Float32Array }>();
    for (const [name, s] of this.moments) {
      moments.set(name, {
        m: (await s.m.data()) as Float32Array,
        v: (await s.v.data()) as Float32Array,
      });
    }
    return { step: this.step, moments };
  }

  importState(state: AdamWState): void {
    this.disposeMoments();
    this.step = state.step;
    for (const [name, s] of state.moments) {
      const p = this.params.get(name);
      if (!p) throw new Error(`AdamW state names unknown parameter "${name}"`);
      this.moments.set(
        name,
        tf.tidy(() => ({
          m: tf.variable(tf.tensor(s.m, p.shape), false),
          v: tf.variable(tf.tensor(s.v, p.shape), false),
        })),
      );
    }
  }

  private disposeMoments(): void {
    for (const s of this.moments.values()) {
      s.m.dispose();
      s.v.dispose();
    }
    this.moments.clear();
  }

  dispose(): void {
    this.disposeMoments();
  }
}
