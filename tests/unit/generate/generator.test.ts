import { env } from '@huggingface/transformers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateForCorpus, type DocumentQueries } from '../../../src/lib/generate/generator.ts';
import { DEFAULT_SAMPLING } from '../../../src/lib/generate/settings.ts';
import { TransformersGenerator } from '../../../src/lib/generate/transformers-generator.ts';
import { FIXTURES } from '../model/reference.ts';

const CORPUS = ['router admin password pin', 'vat zero rated books', 'wsus sync port 8530'];
const EXAMPLES = [{ query: 'router pw reset' }, { query: 'kb5034441 0x80070643' }];
const SETTINGS = { ...DEFAULT_SAMPLING, perDocument: 2, maxNewTokens: 16, seed: 7 };

let generator: TransformersGenerator;

beforeAll(async () => {
  env.allowRemoteModels = false;
  env.localModelPath = `${FIXTURES}hub/`;
  generator = await TransformersGenerator.load('attune-testing/tiny-causal-lm', {
    device: 'cpu',
    dtype: 'fp32',
  });
});

afterAll(() => generator.dispose());

async function collect(start = 0): Promise<DocumentQueries[]> {
  const out: DocumentQueries[] = [];
  for await (const step of generateForCorpus(generator, CORPUS, EXAMPLES, SETTINGS, { start }))
    out.push(step);
  return out;
}

describe('generation loop on the fixture model', () => {
  it('yields each document once, with perDocument continuations accounted for', async () => {
    const steps = await collect();
    expect(steps.map((s) => s.document)).toEqual([0, 1, 2]);
    for (const s of steps) {
      expect(s.queries.length + s.unparsable).toBe(2);
      for (const q of s.queries) expect(q.document).toBe(s.document);
    }
  });

  it('samples the same queries for the same seed, and a resumed run matches an uninterrupted one', async () => {
    const whole = await collect();
    expect(await collect()).toEqual(whole);
    expect(await collect(1)).toEqual(whole.slice(1));
  });

  it('stops between continuations once aborted', async () => {
    const controller = new AbortController();
    const seen: number[] = [];
    const steps = generateForCorpus(generator, CORPUS, EXAMPLES, SETTINGS, {
      signal: controller.signal,
    });
    for await (const step of steps) {
      seen.push(step.document);
      controller.abort();
    }
    expect(seen).toEqual([0]);
  });
});
