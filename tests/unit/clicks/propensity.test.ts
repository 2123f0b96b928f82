import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { prepareLog } from '../../../src/lib/clicks/lists.ts';
import { readClickLog } from '../../../src/lib/clicks/log.ts';
import { estimatePositionBias, powerLawPropensity } from '../../../src/lib/clicks/propensity.ts';
import { FIXTURE_DIR, fixtureFiles } from './fixture.ts';
import { simulateClickLog, syntheticTopics, toCsv } from './simulate.ts';

/** A steep examination curve like those measured on web search (θ_1 < 1: not every list is read). */
const THETA = [0.95, 0.7, 0.55, 0.45, 0.38, 0.32, 0.27, 0.23, 0.2, 0.17];

const prepared = (csv: string) =>
  prepareLog(readClickLog(new TextEncoder().encode(csv), { fileName: 'sim.csv' }).log);

describe('position bias by EM under the position-based model', () => {
  it('recovers the true bias of a simulated log within 10% at every position', () => {
    const rows = simulateClickLog({
      seed: 7,
      topics: syntheticTopics(3, 100, 15),
      sessions: 5000,
      depth: 10,
      examination: THETA,
      rankNoise: 0.3,
      reformulate: 0.5,
    });
    const estimate = estimatePositionBias(prepared(toCsv(rows)))!;
    expect(estimate.converged).toBe(true);
    expect(estimate.impressions).toBe(rows.length);
    // The ranker's noise shows most (query, document) pairs at several positions.
    expect(estimate.variedImpressions / estimate.impressions).toBeGreaterThan(0.9);
    expect(estimate.relative).toHaveLength(10);
    estimate.relative.forEach((got, k) => {
      const truth = THETA[k] / THETA[0];
      expect(Math.abs(got / truth - 1), `position ${k + 1}`).toBeLessThan(0.1);
    });
  });

  it('is undefined on a click-only log: nothing tells a skipped row from an unseen one', () => {
    const csv = 'query,doc_id,position\nq,a,1\nq,b,3\n';
    expect(estimatePositionBias(prepared(csv))).toBeNull();
  });

  it('reports when no pair was ever shown at two positions', () => {
    const csv = 'query,doc_id,position,clicked\nq,a,1,1\nq,b,2,0\nq,a,1,0\nq,b,2,1\n';
    const estimate = estimatePositionBias(prepared(csv))!;
    expect(estimate.impressions).toBe(4);
    expect(estimate.variedImpressions).toBe(0);
  });

  it('power law: θ_k = k^−η', () => {
    expect([1, 2, 4].map((k) => powerLawPropensity(k, 1))).toEqual([1, 0.5, 0.25]);
    expect(powerLawPropensity(4, 0.5)).toBe(0.5);
  });
});

describe('the committed click-log fixture', () => {
  it('is what the simulator writes (regenerate with tests/unit/clicks/write-fixture.ts)', () => {
    for (const [name, text] of Object.entries(fixtureFiles())) {
      expect(readFileSync(`${FIXTURE_DIR}${name}`, 'utf8'), name).toBe(text);
    }
  });
});
