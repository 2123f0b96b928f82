import { describe, expect, it } from 'vitest';
import { flatGroups } from '../../../src/lib/kernels/webgpu/dispatch.ts';
import { packBackward } from '../../../src/lib/kernels/webgpu/linear.ts';
import { matmulGroups } from '../../../src/lib/kernels/webgpu/tiled-matmul.ts';

describe('webgpu dispatch sizes', () => {
  it('cover every unit in one dimension up to the 65,535-workgroup limit', () => {
    expect(flatGroups(1000, 256)).toEqual([4, 1, 1]);
    expect(flatGroups(65535 * 256, 256)).toEqual([65535, 1, 1]);
    expect(flatGroups(0)).toEqual([1, 1, 1]);
  });

  it('fold into two dimensions beyond it, still covering every unit (groupIndex = y·X + x)', () => {
    // bge-base's GELU at batch 32 × 128, two columns: 25.2M elements, 98,304 groups of 256.
    const [x, y, z] = flatGroups(2 * 32 * 128 * 3072, 256);
    expect([x, y, z]).toEqual([65535, 2, 1]);
    expect(x * y).toBeGreaterThanOrEqual(98304);
  });

  it('tile a product 64×64 per workgroup, one job per z', () => {
    // dx [37, 24] and dW [19, 24] of a Linear layer in one dispatch.
    expect(
      matmulGroups([
        [37, 24],
        [19, 24],
      ]),
    ).toEqual([1, 1, 2]);
    expect(matmulGroups([[4096, 1536]])).toEqual([24, 64, 1]);
  });

  it('packs a Linear backward into as few dispatches as the storage-buffer limit allows', () => {
    const outs = (layers: number, limit: number) =>
      packBackward(layers, limit).map((jobs) => jobs.map((j) => j.out));
    // One layer: dx, dW, db, x, W, dy — six bindings.
    expect(outs(1, 8)).toEqual([['dx', 'dw0']]);
    // q, k, v: dx reads three W and three dy (7 bindings); each dW job adds its dW, db, dy and x.
    expect(outs(3, 8)).toEqual([['dx'], ['dw0', 'dw1'], ['dw2']]);
    expect(outs(3, 12)).toEqual([['dx', 'dw0', 'dw1'], ['dw2']]);
    expect(outs(3, 14)).toEqual([['dx', 'dw0', 'dw1', 'dw2']]);
  });
});
