import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TrainingPair } from '../../../src/lib/data/pairs.ts';
import type { DatasetReport } from '../../../src/lib/data/report.ts';

export const FIXTURES = join(import.meta.dirname, '../../fixtures/data');

/** One entry of `tests/fixtures/data/expected.json`. */
export interface FixtureCase {
  file: string;
  about: string;
  options?: { maxChars?: number };
  exitCode: number;
  report: DatasetReport;
  pairs?: TrainingPair[];
}

export const cases: FixtureCase[] = JSON.parse(
  readFileSync(join(FIXTURES, 'expected.json'), 'utf8'),
).cases;

export const fixtureBytes = (file: string) => new Uint8Array(readFileSync(join(FIXTURES, file)));
