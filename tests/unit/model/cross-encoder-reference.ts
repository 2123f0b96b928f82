import { readFileSync } from 'node:fs';
import type { TextPair } from '../../../src/lib/model/pair-tokens.ts';
import { FIXTURES } from './reference.ts';

/**
 * `CrossEncoder.predict` on the tiny cross-encoder, REIMPLEMENTED in plain torch (the library is
 * not installed here): tests/fixtures/make_tiny_cross_encoder.py, which checks its tokenizer and
 * encoder against the real library's outputs in tiny-bert.reference.json first.
 */
export interface CrossEncoderRun {
  max_length: number;
  pairs: TextPair[];
  input_ids: number[][];
  token_type_ids: number[][];
  logits: number[];
  scores: number[];
}

export const TINY_CROSS_ENCODER = `${FIXTURES}tiny-cross-encoder`;

/** GPL on the first fixture rows: the cross-encoder's logit margins, then one MarginMSE AdamW step. */
export interface GplReference {
  rows: number;
  labels: number[];
  loss: number;
  params_after_one_step: Record<string, { shape: number[]; values: number[] }>;
}

export const crossReference: { runs: CrossEncoderRun[]; gpl: GplReference } = JSON.parse(
  readFileSync(`${FIXTURES}tiny-cross-encoder.reference.json`, 'utf8'),
);
