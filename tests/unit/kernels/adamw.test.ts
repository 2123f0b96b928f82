import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { adamwUpdate, setKernelRoute, type AdamWSlot } from '../../../src/lib/kernels/index.ts';
import { BACKENDS, maxAbsDiff, randn, SUITE, useBackend } from './routes.ts';

const HYPER = { lr: 1e-2, beta1: 0.9, beta2: 0.999, eps: 1e-6, gradScale: 1 };

/**
 * Three AdamW steps on two parameters (the first decayed), or on `extra` more, from the same
 * start, each gradient times `gradScale` in the update, or `prescale` before it; the final values.
 */
async function run(
  route: 'stock' | 'attune',
  shareFirst = false,
  extra = 0,
  { gradScale = 1, prescale = 1 } = {},
): Promise<Float32Array[]> {
  setKernelRoute(route);
  // Made inside tidy, as the model and AdamW make theirs: each variable owns its buffer.
  const params = tf.tidy(() => [
    tf.variable(randn([30, 7], 1)),
    tf.variable(randn([7], 2)),
    ...Array.from({ length: extra }, (_, i) => tf.variable(randn([3 + 500 * i], 3 + i))),
  ]);
  const moments = tf.tidy(() =>
    params.map((p) => ({
      m: tf.variable(tf.zerosLike(p), false),
      v: tf.variable(tf.zerosLike(p), false),
    })),
  );
  // A second tensor on the first parameter's buffer: an in-place write would change it too.
  const alias = shareFirst ? tf.clone(params[0]) : null;
  const before = alias ? Array.from(await alias.data()) : null;
  for (let step = 1; step <= 3; step++) {
    const grads = params.map((p, i) =>
      tf.tidy(() => tf.mul(randn(p.shape, 10 * step + i), prescale)),
    );
    const slots: AdamWSlot[] = params.map((param, i) => ({
      param,
      grad: grads[i],
      ...moments[i],
      weightDecay: i === 0 ? 0.1 : 0,
    }));
    adamwUpdate(slots, { ...HYPER, step, gradScale });
    tf.dispose(grads);
  }
  if (alias) expect(Array.from(await alias.data())).toEqual(before);
  const out = (await Promise.all(
    [...params, ...moments.flatMap((m) => [m.m, m.v])].map((t) => t.data()),
  )) as Float32Array[];
  tf.dispose([...params, ...moments.flatMap((m) => [m.m, m.v]), ...(alias ? [alias] : [])]);
  setKernelRoute('attune');
  return out;
}

describe.each([...BACKENDS, 'webgpu'])('fused AdamW on %s', SUITE, (backend) => {
  it('gives the parameters and moments of the stock op chain after three steps', async () => {
    await useBackend(backend);
    const stock = await run('stock');
    const ours = await run('attune');
    ours.forEach((t, i) => expect(maxAbsDiff(t, stock[i]), `tensor ${i}`).toBeLessThan(1e-6));
  });

  it("multiplies each gradient by clipping's factor as torch's clipped gradients are", async () => {
    await useBackend(backend);
    // A float32 factor, as clip_grad_norm_'s coefficient is.
    const factor = Math.fround(0.37);
    const clippedFirst = await run('stock', false, 0, { prescale: factor });
    const stock = await run('stock', false, 0, { gradScale: factor });
    const ours = await run('attune', false, 0, { gradScale: factor });
    const unscaled = await run('attune');
    ours.forEach((t, i) => {
      expect(maxAbsDiff(t, stock[i]), `tensor ${i}`).toBeLessThan(1e-6);
      expect(maxAbsDiff(t, clippedFirst[i]), `tensor ${i}`).toBeLessThan(1e-6);
    });
    // The moments see the factor (the parameters barely do: Adam's step is scale-free).
    expect(maxAbsDiff(ours[2], unscaled[2])).toBeGreaterThan(1e-3);
  });

  it('never writes into a buffer another tensor shares', async () => {
    await useBackend(backend);
    const stock = await run('stock');
    const ours = await run('attune', true);
    ours.forEach((t, i) => expect(maxAbsDiff(t, stock[i]), `tensor ${i}`).toBeLessThan(1e-6));
  });

  it('updates more parameters than one shader binds, some spanning several workgroups', async () => {
    await useBackend(backend);
    const stock = await run('stock', false, 12);
    const ours = await run('attune', false, 12);
    ours.forEach((t, i) => expect(maxAbsDiff(t, stock[i]), `tensor ${i}`).toBeLessThan(1e-6));
  });

  it('updates every parameter in one dispatch', async () => {
    await useBackend(backend);
    const slots = tf.tidy(() =>
      [tf.variable(tf.ones([5])), tf.variable(tf.ones([3, 2]))].map((param) => ({
        param,
        grad: tf.keep(tf.onesLike(param)),
        m: tf.variable(tf.zerosLike(param), false),
        v: tf.variable(tf.zerosLike(param), false),
        weightDecay: 0,
      })),
    );
    const profile = await tf.profile(() => adamwUpdate(slots, { ...HYPER, step: 1 }));
    expect(profile.kernels.map((k) => k.name)).toEqual(['AttuneAdamW']);
    tf.dispose(slots.flatMap((s) => [s.param, s.grad, s.m, s.v]));
  });
});
