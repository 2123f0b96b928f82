import { describe, expect, it } from 'vitest';
import { RateMeter } from '../../../src/lib/hub/rate.ts';

/** A meter fed `samples`, each (time in ms, bytes), on a clock the test moves by hand. */
function fed(samples: [number, number][], windowMs?: number): RateMeter {
  let now = 0;
  const meter = new RateMeter(() => now, windowMs);
  for (const [t, bytes] of samples) {
    now = t;
    meter.add(bytes);
  }
  return meter;
}

describe('RateMeter', () => {
  it('is 0 before any time has passed', () => {
    expect(fed([]).bytesPerSecond).toBe(0);
    expect(
      fed([
        [0, 0],
        [0, 500],
      ]).bytesPerSecond,
    ).toBe(0);
  });

  it('divides the bytes after the first sample by the time they span', () => {
    const samples: [number, number][] = [
      [0, 0],
      [500, 1000],
      [1000, 1000],
    ];
    // (1000 + 1000) bytes over 1000 ms
    expect(fed(samples, 2000).bytesPerSecond).toBe(2000);
  });

  it('forgets samples older than the window, keeping one to mark its start', () => {
    const samples: [number, number][] = [
      [0, 0],
      [500, 1000],
      [1000, 1000],
      [3500, 500],
    ];
    // The window reaches back to 1500 ms; the 1000 ms sample is kept as the start of the span,
    // so only the 500 bytes at 3500 ms count: 500 bytes over 2500 ms.
    expect(fed(samples, 2000).bytesPerSecond).toBe(200);
  });
});
