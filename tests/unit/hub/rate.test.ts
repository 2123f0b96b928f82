import { describe, expect, it } from 'vitest';
import { RateMeter } from '../../../src/lib/hub/rate.ts';

/** A clock the test moves by hand. */
function fakeClock() {
  const clock = { t: 0, now: () => clock.t };
  return clock;
}

describe('RateMeter', () => {
  it('is 0 before any time has passed', () => {
    const clock = fakeClock();
    const meter = new RateMeter(clock.now);
    expect(meter.bytesPerSecond).toBe(0);
    meter.add(0);
    meter.add(500);
    expect(meter.bytesPerSecond).toBe(0);
  });

  it('divides the bytes after the first sample by the time they span', () => {
    const clock = fakeClock();
    const meter = new RateMeter(clock.now, 2000);
    meter.add(0);
    clock.t = 500;
    meter.add(1000);
    clock.t = 1000;
    meter.add(1000);
    // (1000 + 1000) bytes over 1000 ms
    expect(meter.bytesPerSecond).toBe(2000);
  });

  it('forgets samples older than the window, keeping one to mark its start', () => {
    const clock = fakeClock();
    const meter = new RateMeter(clock.now, 2000);
    meter.add(0);
    clock.t = 500;
    meter.add(1000);
    clock.t = 1000;
    meter.add(1000);
    clock.t = 3500;
    meter.add(500);
    // The window reaches back to 1500 ms; the 1000 ms sample is kept as the start of the span,
    // so only the 500 bytes at 3500 ms count: 500 bytes over 2500 ms.
    expect(meter.bytesPerSecond).toBe(200);
  });
});
