import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { marginMseLoss } from '../../../src/lib/train/losses/margin-mse.ts';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('marginMseLoss', () => {
  it('is the mean squared error between dot-product margins and teacher margins', () => {
    // q·p = [1·2 + 0·1, 0·1 + 2·1] = [2, 2]; q·n = [1·0 + 0·1, 0·3 + 2·0] = [0, 0]
    // margins [2, 2], labels [1.5, 3]: ((2 − 1.5)² + (2 − 3)²) / 2 = (0.25 + 1) / 2 = 0.625
    const loss = marginMseLoss(
      tf.tensor2d([
        [1, 0],
        [0, 2],
      ]),
      tf.tensor2d([
        [2, 1],
        [1, 1],
      ]),
      [
        tf.tensor2d([
          [0, 1],
          [3, 0],
        ]),
      ],
      tf.tensor1d([1.5, 3]),
    );
    expect(loss.dataSync()[0]).toBeCloseTo(0.625, 6);
  });

  it('averages over every negative column', () => {
    // q = [1, 1], p = [2, 0]: q·p = 2; n1 = [1, 0] → 1, n2 = [0, 3] → 3
    // margins [1, −1], labels [0, 1]: (1² + (−2)²) / 2 = 2.5
    const loss = marginMseLoss(
      tf.tensor2d([[1, 1]]),
      tf.tensor2d([[2, 0]]),
      [tf.tensor2d([[1, 0]]), tf.tensor2d([[0, 3]])],
      tf.tensor2d([[0, 1]]),
    );
    expect(loss.dataSync()[0]).toBeCloseTo(2.5, 6);
  });

  it('uses cosine similarity when asked', () => {
    // cos(q, p) = cos([3, 4], [3, 4]) = 1; cos(q, n) = cos([3, 4], [4, −3]) = 0
    // margin 1, label 0.5: (1 − 0.5)² = 0.25
    const loss = marginMseLoss(
      tf.tensor2d([[3, 4]]),
      tf.tensor2d([[6, 8]]),
      [tf.tensor2d([[4, -3]])],
      tf.tensor1d([0.5]),
      { similarity: 'cosine' },
    );
    expect(loss.dataSync()[0]).toBeCloseTo(0.25, 6);
  });

  it('rejects labels that do not match queries × negatives', () => {
    expect(() =>
      marginMseLoss(
        tf.tensor2d([[1, 0]]),
        tf.tensor2d([[1, 0]]),
        [tf.tensor2d([[0, 1]])],
        tf.tensor1d([1, 2]),
      ),
    ).toThrow('labels have 2 values, expected 1 queries × 1 negatives');
  });
});
