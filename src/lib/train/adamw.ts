import * as tf from '@tensorflow/tfjs';
import { adamwUpdate, type AdamWSlot } from '../kernels/index.ts';

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

  /**
   * One update with learning rate `lr` on the gradients times `gradScale` (gradient clipping's
   * coefficient, applied as the update reads them); consumes nothing (the caller disposes `grads`).
   */
  apply(grads: Map<string, tf.Tensor>, lr: number, gradScale = 1): void {
    this.step++;
    const slots: AdamWSlot[] = [...grads].map(([name, grad]) => {
      const param = this.params.get(name);
      if (!param) throw new Error(`AdamW: gradient for unknown parameter "${name}"`);
      const { m, v } = this.momentsOf(name, param);
      const weightDecay = isDecayed(name, this.config.decayAll) ? this.config.weightDecay : 0;
      return { param, grad, m, v, weightDecay };
    });
    const [beta1, beta2] = this.config.betas;
    adamwUpdate(slots, { lr, beta1, beta2, eps: this.config.eps, step: this.step, gradScale });
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
