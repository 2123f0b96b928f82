import { SettingError } from '../util/setting-error.ts';
import type { TrainingPair } from '../data/pairs.ts';
import { Random } from '../util/random.ts';

/**
 * sentence-transformers' `NoDuplicatesDataLoader`: walk the (shuffled) pairs with a pointer and
 * fill a batch, skipping a pair any of whose texts (stripped, lowercased) is already in the batch,
 * so a text is never its own in-batch negative. At the end of the list the pointer wraps and the
 * order is reshuffled. Its whole state is (order, pointer, rng), so a checkpoint resumes it exactly.
 */
export interface SamplerState {
  order: number[];
  pointer: number;
  rngState: number;
  epoch: number;
}

export class NoDuplicatesSampler {
  private state: SamplerState;
  private readonly rng: Random;

  constructor(
    private readonly pairs: TrainingPair[],
    private readonly batchSize: number,
    private readonly shuffle: boolean,
    seed: number,
    resume?: SamplerState,
  ) {
    if (pairs.length === 0) throw new SettingError('no training pairs');
    if (resume) {
      this.rng = Random.fromState(resume.rngState);
      this.state = { ...resume, order: [...resume.order] };
    } else {
      this.rng = new Random(seed);
      const order = pairs.map((_, i) => i);
      if (shuffle) this.rng.shuffle(order);
      this.state = { order, pointer: 0, rngState: this.rng.state, epoch: 0 };
    }
  }

  /** Batches per epoch, as `len(NoDuplicatesDataLoader)`: ⌊pairs / batch⌋ (at least 1). */
  get batchesPerEpoch(): number {
    return Math.max(1, Math.floor(this.pairs.length / this.batchSize));
  }

  snapshot(): SamplerState {
    return { ...this.state, order: [...this.state.order], rngState: this.rng.state };
  }

  /** Indices of the next batch's pairs. */
  next(): number[] {
    const batch: number[] = [];
    const seen = new Set<string>();
    let sinceLastAdd = 0;
    while (batch.length < this.batchSize) {
      const index = this.state.order[this.state.pointer];
      const pair = this.pairs[index];
      const texts = [pair.query, pair.positive, ...pair.negatives].map((t) =>
        t.trim().toLowerCase(),
      );
      if (texts.every((t) => !seen.has(t))) {
        batch.push(index);
        texts.forEach((t) => seen.add(t));
        sinceLastAdd = 0;
      } else if (++sinceLastAdd > this.pairs.length) {
        throw new SettingError(
          `cannot fill a batch of ${this.batchSize} without repeating a text: the data has too few distinct pairs; lower the batch size`,
        );
      }
      this.state.pointer++;
      if (this.state.pointer >= this.state.order.length) {
        this.state.pointer = 0;
        this.state.epoch++;
        if (this.shuffle) this.rng.shuffle(this.state.order);
      }
    }
    return batch;
  }
}
