import { z } from 'zod';
import type { AdapterSummary } from './adapter.ts';

/** The TensorFlow.js backends Attune computes on. */
export type BackendName = 'webgpu' | 'wasm' | 'cpu';

/** What the studio's probe tries, in order: cpu first, the reference the others must match. */
export const PROBE_CANDIDATES: readonly BackendName[] = ['cpu', 'wasm', 'webgpu'];

/** What a person picks: a backend, or the fastest one the probe measured here. */
export type BackendPreference = 'auto' | BackendName;

export const BACKEND_PREFERENCES: readonly { value: BackendPreference; label: string }[] = [
  { value: 'auto', label: 'Automatic (fastest measured here)' },
  { value: 'webgpu', label: 'WebGPU' },
  { value: 'wasm', label: 'WebAssembly (CPU, SIMD)' },
  { value: 'cpu', label: 'Plain JavaScript (CPU)' },
];

/** One backend's probe: its timed step, or why it has none. */
export interface BackendTrial<Name extends string = string> {
  backend: Name;
  /** Milliseconds of the timed step; absent when the backend failed. */
  ms?: number;
  loss?: number;
  error?: string;
}

export interface BackendChoice<Name extends string = string> {
  backend: Name;
  /** Why, in one line: every backend's probe time or failure, the chosen one first. */
  reason: string;
  trials: BackendTrial<Name>[];
}

/** Loss agreement required with the reference backend (float32 on another device: ~1e-6 apart). */
const LOSS_TOLERANCE = 1e-3;

/**
 * The fastest trial whose loss agrees with the first that computed one (the reference: list cpu
 * first), with a one-line reason naming every backend's time or failure. A trial whose loss
 * disagrees loses its time and gets the disagreement as its error.
 */
export function rankTrials<Name extends string>(
  measured: BackendTrial<Name>[],
): BackendChoice<Name> {
  const trials = measured.map((t) => ({ ...t }));
  const reference = trials.find((t) => t.loss !== undefined);
  for (const t of trials) {
    if (t.loss === undefined || reference?.loss === undefined) continue;
    if (!Number.isFinite(t.loss) || Math.abs(t.loss - reference.loss) > LOSS_TOLERANCE) {
      t.error = `loss ${t.loss} differs from ${reference.backend}'s ${reference.loss}`;
      delete t.ms;
    }
  }
  const ranked = trials.filter((t) => t.ms !== undefined).sort((a, b) => a.ms! - b.ms!);
  if (!ranked.length) throw new Error('no TensorFlow.js backend can train here');
  const best = ranked[0];
  const others = ranked
    .slice(1)
    .map((t) => `${t.ms!.toFixed(0)} ms on ${t.backend}`)
    .join(', ');
  const failed = trials.filter((t) => t.error).map((t) => `${t.backend}: ${t.error}`);
  const reason =
    `a probe training step took ${best.ms!.toFixed(0)} ms on ${best.backend}` +
    (others ? ` (${others})` : '') +
    (failed.length ? `; ${failed.join('; ')}` : '');
  return { backend: best.backend, reason, trials };
}

/**
 * Bump when the kernels or the probe change: a cached ranking measured with other code says
 * nothing about this one.
 */
const PROBE_VERSION = 1;

/**
 * The probe's ranking holds for one browser build on one adapter, with wasm on one thread count;
 * a new browser, driver or GPU, or another thread count, gets measured again.
 */
export function probeCacheKey(
  userAgent: string,
  adapter: AdapterSummary | null,
  wasmThreads: number,
): string {
  const gpu = adapter
    ? [adapter.vendor, adapter.architecture, adapter.device, adapter.description].join('/')
    : 'no-webgpu';
  return `v${PROBE_VERSION}|${userAgent}|${gpu}|wasm-threads=${wasmThreads}`;
}

const choiceSchema = z.object({
  key: z.string(),
  choice: z.object({
    backend: z.enum(['webgpu', 'wasm', 'cpu']),
    reason: z.string(),
    trials: z.array(
      z.object({
        backend: z.enum(['webgpu', 'wasm', 'cpu']),
        ms: z.number().optional(),
        loss: z.number().optional(),
        error: z.string().optional(),
      }),
    ),
  }),
});

export function serializeChoice(key: string, choice: BackendChoice<BackendName>): string {
  return JSON.stringify({ key, choice });
}

/** The cached choice for `key`; null when there is none, it is for another key, or it is damaged. */
export function cachedChoice(text: string | null, key: string): BackendChoice<BackendName> | null {
  if (!text) return null;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return null;
  }
  const parsed = choiceSchema.safeParse(json);
  return parsed.success && parsed.data.key === key ? parsed.data.choice : null;
}
