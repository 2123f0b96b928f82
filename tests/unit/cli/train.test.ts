import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { embedWithCli } from '../../support/cli.ts';
import { REFERENCE_PAIRS, trainReference, trainTinyBert } from '../../support/train-cli.ts';
import { describe, expect, it } from 'vitest';
import { directorySource } from '../../../src/cli/fs-source.ts';
import { SentenceEncoder } from '../../../src/lib/model/encoder.ts';
import { loadSentenceModel } from '../../../src/lib/model/folder.ts';
import { reference, TINY_BERT } from '../model/reference.ts';

describe('cli train', () => {
  // 1: tfjs's single-threaded wasm build; 2: its threaded build, XNNPACK on two threads.
  it.each([1, 2])(
    'reproduces the reference losses on %i wasm thread(s) and writes a loadable folder with a model card',
    async (threads) => {
      const dir = mkdtempSync(join(tmpdir(), 'attune-train-'));
      const out = join(dir, 'model');
      const report = join(dir, 'report.json');
      const r = trainReference(out, report, '--threads', String(threads));
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      const json = JSON.parse(readFileSync(report, 'utf8'));
      expect(json.steps).toBe(6);
      // No --backend: wasm, the faster CPU backend, reproduces the reference.
      expect(json.backend).toBe('wasm');
      expect(json.threads).toBe(threads);
      expect(r.stdout).toContain(`(${json.backend})`);
      expect(json.pairsPerSecond).toBeGreaterThan(0);
      json.losses.forEach((l: number, i: number) =>
        expect(Math.abs(l - reference.losses[i])).toBeLessThan(1e-5),
      );
      expect(readFileSync(join(out, 'README.md'), 'utf8')).toContain('| steps | 6 |');
      const trained = await loadSentenceModel(directorySource(out));
      const w = trained.weights.get('embeddings.LayerNorm.bias')!.data;
      const want = reference.final_params['embeddings.LayerNorm.bias'].values as number[];
      want.forEach((v, i) => expect(Math.abs(w[i] - v)).toBeLessThan(1e-4));
    },
  );

  it('checkpoints, and a resumed run ends where an uninterrupted one does', () => {
    const dir = mkdtempSync(join(tmpdir(), 'attune-resume-'));
    const train = (out: string, ...extra: string[]) =>
      trainTinyBert(
        REFERENCE_PAIRS,
        out,
        '--batch-size',
        '4',
        '--lr',
        '1e-3',
        '--seed',
        '3',
        '--steps',
        '4',
        ...extra,
      );
    expect(train(join(dir, 'full'), '--report', join(dir, 'full.json')).status).toBe(0);
    expect(train(join(dir, 'a'), '--checkpoint-every', '2').status).toBe(0);
    expect(readdirSync(join(dir, 'a', 'checkpoints'))).toEqual(['step-2.safetensors']);
    const resumed = train(
      join(dir, 'b'),
      '--resume',
      join(dir, 'a', 'checkpoints'),
      '--report',
      join(dir, 'b.json'),
    );
    expect(resumed.status).toBe(0);
    expect(resumed.stdout).toContain('resuming at step 2');
    const full = JSON.parse(readFileSync(join(dir, 'full.json'), 'utf8')).losses;
    expect(JSON.parse(readFileSync(join(dir, 'b.json'), 'utf8')).losses).toEqual(full.slice(2));
    expect(readFileSync(join(dir, 'b', 'model.safetensors'))).toEqual(
      readFileSync(join(dir, 'full', 'model.safetensors')),
    );
  });

  it('trains the same steps on cpu, wasm and the measured choice; refuses a backend that does not exist', () => {
    const dir = mkdtempSync(join(tmpdir(), 'attune-backends-'));
    const losses = (backend: string) => {
      const report = join(dir, `${backend}.json`);
      const r = trainReference(join(dir, backend), report, '--backend', backend);
      expect(r.status).toBe(0);
      const json = JSON.parse(readFileSync(report, 'utf8'));
      // auto reports what it measured to be faster.
      expect(backend === 'auto' ? ['cpu', 'wasm'] : [backend]).toContain(json.backend);
      return json.losses as number[];
    };
    const cpu = losses('cpu');
    const wasm = losses('wasm');
    cpu.forEach((l, i) => expect(Math.abs(l - wasm[i])).toBeLessThan(1e-5));
    const auto = losses('auto');
    cpu.forEach((l, i) => expect(Math.abs(l - auto[i])).toBeLessThan(1e-5));

    const r = trainTinyBert('x.csv', join(dir, 'gpu'), '--backend', 'tpu');
    expect(r.status).toBe(64);
    expect(r.stderr).toContain('--backend expects wasm, webgpu, cpu or auto, got "tpu"');
    const zero = trainTinyBert('x.csv', join(dir, 'z'), '--threads', '0');
    expect(zero.status).toBe(64);
    expect(zero.stderr).toContain('--threads expects a whole number of threads ≥ 1, got "0"');
  });

  it('refuses a batch larger than the data in one line, not a crash', () => {
    const dir = mkdtempSync(join(tmpdir(), 'attune-two-'));
    writeFileSync(
      join(dir, 'two.csv'),
      'query,positive\nhello there,hi friend\nbig bolt,large screw\n',
    );
    const r = trainTinyBert(join(dir, 'two.csv'), join(dir, 'out'));
    expect(r.status).toBe(2);
    expect(r.stderr.trim()).toBe(
      'train: cannot fill a batch of 32 without repeating a text: the data has too few distinct pairs; lower the batch size',
    );
  });

  it('refuses a bad flag value with its name', () => {
    const r = trainTinyBert('x.csv', '/tmp/x', '--schedule', 'cosine');
    expect(r.status).toBe(64);
    expect(r.stderr).toContain('--schedule expects linear or constant, got "cosine"');
  });
});

describe('cli embed', () => {
  it('writes the embeddings the encoder computes', async () => {
    const texts = ['How do I reset my password?', '', 'database query is slow'];
    // The backend this process embeds on below, so the numbers are equal bit for bit.
    const { run, embeddings } = embedWithCli(TINY_BERT, texts, '--backend', 'cpu');
    expect(run.status).toBe(0);
    await tf.setBackend('cpu');
    const encoder = new SentenceEncoder(await loadSentenceModel(directorySource(TINY_BERT)));
    const want = await encoder.embed([texts[0], texts[2]]);
    expect(embeddings).toEqual(want.map((e) => Array.from(e)));
    encoder.dispose();
  });
});
