import { expose } from 'comlink';
import { loadSentenceModel } from '../../src/lib/model/folder.ts';
import { memorySource } from '../../src/lib/model/source.ts';
import {
  allowWasmThreads,
  useBackend,
  wasmThreads,
  type BackendName,
} from '../../src/workers/tf-backend.ts';
import { runCase, type CaseResult, type CaseSpec, type Fixture } from '../cases.ts';
import { matmulFigures, type MatmulFigure } from '../matmul.ts';
import { parseFixturePairs } from '../models.ts';
import { loadSample } from '../sample.ts';

/** Runs bench cases inside a worker, where the studio trains, on the backends Chromium offers. */
const FIXTURE_FILES = [
  'config.json',
  'model.safetensors',
  'tokenizer.json',
  'tokenizer_config.json',
  'special_tokens_map.json',
  'vocab.txt',
  'modules.json',
  'sentence_bert_config.json',
  '1_Pooling/config.json',
];

let fixture: Promise<Fixture> | null = null;

async function loadFixture(): Promise<Fixture> {
  const files = new Map<string, Uint8Array>();
  for (const file of FIXTURE_FILES) {
    const res = await fetch(`/tests/fixtures/tiny-bert/${file}`);
    if (res.ok) files.set(file, new Uint8Array(await res.arrayBuffer()));
  }
  const model = await loadSentenceModel(memorySource('tiny-bert', files));
  const csv = await (await fetch('/tests/fixtures/tiny-bert.pairs.csv')).text();
  const sampleCsv = new Uint8Array(await (await fetch('/samples/fasteners.csv')).arrayBuffer());
  const tokenizerJson: unknown = JSON.parse(new TextDecoder().decode(files.get('tokenizer.json')));
  return { model, pairs: parseFixturePairs(csv), sample: loadSample(sampleCsv, tokenizerJson) };
}

const api = {
  /** How many threads wasm starts (1: the single-threaded build; more needs the CSP the bench serves); call first. */
  configure(options: { wasmThreads: number }): void {
    allowWasmThreads(options.wasmThreads);
  },

  /** Plain matmul GFLOP/s on the wasm backend (XNNPACK on `threads` threads) and our SIMD gemm. */
  async matmul(shape: readonly number[], threads: number): Promise<MatmulFigure[]> {
    if ((await useBackend('wasm')) !== 'wasm') return [];
    return matmulFigures(shape, threads);
  },

  async run(spec: CaseSpec, platform: string): Promise<CaseResult> {
    fixture ??= loadFixture();
    const started = async (name: string) => (await useBackend(name as BackendName)) === name;
    return runCase(spec, await fixture, platform, started);
  },

  /** What the wasm backend runs with here: threads need cross-origin isolation. */
  async wasmThreads(): Promise<number | null> {
    if ((await useBackend('wasm')) !== 'wasm') return null;
    return wasmThreads();
  },

  adapter: async (): Promise<string> => {
    const gpu = (navigator as Navigator & { gpu?: GPU }).gpu;
    const adapter = await gpu?.requestAdapter();
    if (!adapter) return 'none';
    const info = adapter.info;
    return [info.vendor, info.architecture, info.device, info.description]
      .filter(Boolean)
      .join(' ');
  },
};

export type BenchWorkerApi = typeof api;
expose(api);
