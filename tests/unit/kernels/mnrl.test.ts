import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { mnrlLoss } from '../../../src/lib/train/losses/mnrl.ts';
import {
  BACKENDS,
  expectSameAsStock,
  kernelsUsed,
  outcome,
  randn,
  SUITE,
  useBackend,
} from './routes.ts';

/** 6 anchors, their positives and one negative column, 10-d; weights in (0.5, 1.5). */
function inputs(): tf.Tensor[] {
  const weights = tf.tidy(() => tf.add(tf.abs(randn([6], 4, 0.5)), 0.5));
  return [randn([6, 10], 1), randn([6, 10], 2), randn([6, 10], 3), weights];
}

const loss =
  (symmetric: boolean, weighted: boolean) =>
  (a: tf.Tensor, p: tf.Tensor, n: tf.Tensor, w: tf.Tensor) =>
    mnrlLoss(a as tf.Tensor2D, [p as tf.Tensor2D, n as tf.Tensor2D], {
      scale: 20,
      symmetric,
      weights: weighted ? (w as tf.Tensor1D) : undefined,
    });

describe.each([...BACKENDS, 'webgpu'])('fused MNRL on %s', SUITE, (backend) => {
  it.each([
    ['plain', false, false],
    ['symmetric', true, false],
    ['weighted', false, true],
    ['weighted symmetric', true, true],
  ] as const)(
    '%s: the loss and its gradients (weights included) equal the stock chain',
    async (_, symmetric, weighted) => {
      await useBackend(backend);
      const xs = inputs();
      const f = loss(symmetric, weighted);
      // Differentiated w.r.t. the weights only where the loss reads them.
      await expectSameAsStock((a, p, n, w) => f(a, p, n, w), weighted ? xs : xs.slice(0, 3), 2e-6);
      tf.dispose(xs);
    },
  );

  it('takes one kernel forward and one backward', async () => {
    await useBackend(backend);
    const xs = inputs();
    const used = await kernelsUsed(loss(true, true), xs);
    expect(used.filter((k) => k.startsWith('Attune'))).toEqual(['AttuneMnrl', 'AttuneMnrlGrad']);
    for (const stock of ['BatchMatMul', 'Exp', 'Log', 'OneHot', 'Sqrt'])
      expect(used).not.toContain(stock);
    tf.dispose(xs);
  });

  it('a zero anchor scores 0 against every candidate and keeps a finite gradient, as in torch', async () => {
    await useBackend(backend);
    const [, p, n, w] = inputs();
    const zero = tf.zeros([6, 10]);
    const f = (a: tf.Tensor) => loss(false, false)(a, p, n, w);
    const ours = await outcome('attune', f, [zero]);
    // F.normalize divides by max(‖a‖, ε): â = 0, every score 0, the loss log 12.
    expect(Math.abs(ours.value[0] - Math.log(12))).toBeLessThan(1e-6);
    expect(Math.abs(ours.value[0] - (await outcome('stock', f, [zero])).value[0])).toBeLessThan(
      1e-6,
    );
    // The stock chain's norm gradient is 0/0 there; torch's clamp passes none to the norm.
    expect(ours.grads[0].every(Number.isFinite)).toBe(true);
    tf.dispose([p, n, w, zero]);
  });
});
