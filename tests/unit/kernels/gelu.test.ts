import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { gelu } from '../../../src/lib/kernels/index.ts';
import { erf } from '../../../src/lib/kernels/gelu.ts';
import { BACKENDS, expectSameAsStock, kernelsUsed, randn, useBackend } from './routes.ts';

describe('erf', () => {
  it('matches tabulated values to float64 precision', () => {
    // Abramowitz & Stegun, Table 7.1.
    const table: [number, number][] = [
      [0.1, 0.1124629160182849],
      [0.5, 0.5204998778130465],
      [1, 0.8427007929497149],
      [2, 0.9953222650189527],
      [3, 0.9999779095030014],
    ];
    for (const [z, want] of table) {
      expect(Math.abs(erf(z) - want), `erf(${z})`).toBeLessThan(1e-15);
      expect(erf(-z)).toBe(-erf(z));
    }
  });
});

describe.each([...BACKENDS, 'webgpu'])('gelu on %s', (backend) => {
  it('x·Φ(x) and its derivative equal the erf composition, tails included', async () => {
    await useBackend(backend);
    // σ = 4 reaches past the ±8 table edge.
    const x = randn([64, 50], 1, 4);
    await expectSameAsStock((x) => gelu(x), [x], 2e-6);
    expect(await kernelsUsed((x) => gelu(x), [x])).toEqual(
      expect.arrayContaining(['AttuneGelu', 'AttuneGeluGrad']),
    );
    x.dispose();
  });

  it('is exact at the points where GELU is known in closed form', async () => {
    await useBackend(backend);
    const points = [0, 1, -1, 10, -10];
    const x = tf.tensor1d(points);
    const g = gelu(x);
    const y = await g.data();
    // gelu(±1) = ±Φ(±1)·1: Φ(1) = 0.841344746068543.
    const want = [0, 0.841344746068543, -0.158655253931457, 10, -0];
    want.forEach((w, i) => expect(Math.abs(y[i] - w), `x=${points[i]}`).toBeLessThan(1e-7));
    tf.dispose([x, g]);
  });
});
