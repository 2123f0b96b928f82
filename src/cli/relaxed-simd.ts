import v8 from 'node:v8';
import { hasRelaxedSimd } from '../lib/kernels/simd.ts';

/**
 * Relaxed SIMD (our gemm's fused multiply-add) is on in V8 from 11.4 (Node 22, Chromium 114);
 * Node 20's V8 11.3 has it behind a flag. Importing this module sets it, before any of our wasm
 * is compiled, wherever it does not validate already: the CLI and the unit tests (a setup file),
 * so that both compute the same numbers.
 */
if (!hasRelaxedSimd()) v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
