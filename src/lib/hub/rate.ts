/** Milliseconds since some fixed origin; `performance.now` in the app, a fake clock in tests. */
export type Clock = () => number;

/**
 * Download speed over a sliding window: bytes added in the last `windowMs` divided by the time
 * they span, so the figure follows the connection rather than averaging over the whole file.
 */
export class RateMeter {
  /** [time ms, bytes added at that time], oldest first. */
  private samples: [number, number][] = [];

  constructor(
    private readonly now: Clock = () => performance.now(),
    private readonly windowMs = 2000,
  ) {}

  add(bytes: number): void {
    const t = this.now();
    this.samples.push([t, bytes]);
    // Keep one sample older than the window: it marks where the window's span begins.
    while (this.samples.length > 2 && this.samples[1][0] <= t - this.windowMs) this.samples.shift();
  }

  /** 0 until two samples span some time. The oldest sample only marks the start of the span. */
  get bytesPerSecond(): number {
    if (this.samples.length < 2) return 0;
    const span = this.samples[this.samples.length - 1][0] - this.samples[0][0];
    if (span <= 0) return 0;
    let bytes = 0;
    for (let i = 1; i < this.samples.length; i++) bytes += this.samples[i][1];
    return (bytes * 1000) / span;
  }
}
