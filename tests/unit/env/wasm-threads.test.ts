import { describe, expect, it } from 'vitest';
import {
  clampThreads,
  defaultThreads,
  describeThreads,
  MAX_WASM_THREADS,
  parseStoredThreads,
  threadOptions,
  threadsFromWorkerName,
  workerName,
} from '../../../src/lib/env/wasm-threads.ts';
import { contentSecurityPolicy } from '../../../src/lib/env/content-security-policy.ts';

describe('defaultThreads', () => {
  it('takes every core the browser reports', () => {
    expect(defaultThreads(2)).toBe(2);
    expect(defaultThreads(6)).toBe(6);
  });

  it('stops at the 8 pthread workers tfjs creates', () => {
    expect(MAX_WASM_THREADS).toBe(8);
    expect(defaultThreads(64)).toBe(8);
  });

  it('takes one thread when the browser reports no cores (hardwareConcurrency 0 or undefined)', () => {
    expect(defaultThreads(0)).toBe(1);
    expect(defaultThreads(NaN)).toBe(1);
  });
});

describe('threadOptions', () => {
  it('offers 1 up to every core', () => {
    expect(threadOptions(4)).toEqual([1, 2, 3, 4]);
    expect(threadOptions(1)).toEqual([1]);
  });

  it('offers at most 8 on a larger machine', () => {
    expect(threadOptions(32)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });
});

describe('clampThreads', () => {
  it('keeps a count the machine has', () => {
    expect(clampThreads(3, 4)).toBe(3);
  });

  it('lifts 0 and negatives to one thread and cuts a count above the cores to the cores', () => {
    expect(clampThreads(0, 4)).toBe(1);
    expect(clampThreads(-2, 4)).toBe(1);
    expect(clampThreads(12, 4)).toBe(4);
    expect(clampThreads(12, 16)).toBe(8);
  });

  it('rounds a fraction and takes every core for a non-number', () => {
    expect(clampThreads(2.6, 4)).toBe(3);
    expect(clampThreads(NaN, 4)).toBe(4);
  });
});

describe('parseStoredThreads', () => {
  it('reads a stored count', () => {
    expect(parseStoredThreads('1', 4)).toBe(1);
    expect(parseStoredThreads('3', 4)).toBe(3);
  });

  it('takes every core when nothing is stored or the value is not a whole number', () => {
    expect(parseStoredThreads(null, 4)).toBe(4);
    expect(parseStoredThreads('', 4)).toBe(4);
    expect(parseStoredThreads('two', 4)).toBe(4);
    expect(parseStoredThreads('2.5', 4)).toBe(4);
    expect(parseStoredThreads('-1', 4)).toBe(4);
  });

  it('cuts a count stored on a machine with more cores to this one’s', () => {
    expect(parseStoredThreads('8', 2)).toBe(2);
  });

  it('lifts a stored 0 to one thread', () => {
    expect(parseStoredThreads('0', 4)).toBe(1);
  });
});

describe('workerName and threadsFromWorkerName', () => {
  it('round-trips every count a worker can use', () => {
    for (const n of threadOptions(8)) expect(threadsFromWorkerName(workerName(n))).toBe(n);
    expect(workerName(4)).toBe('attune-wasm-threads=4');
  });

  it('gives one thread to a worker whose name carries no count', () => {
    expect(threadsFromWorkerName('')).toBe(1);
    expect(threadsFromWorkerName('bench')).toBe(1);
    expect(threadsFromWorkerName('attune-wasm-threads=')).toBe(1);
    expect(threadsFromWorkerName('attune-wasm-threads=0')).toBe(1);
    expect(threadsFromWorkerName('attune-wasm-threads=x')).toBe(1);
  });

  it('never gives a worker more than 8', () => {
    expect(threadsFromWorkerName('attune-wasm-threads=20')).toBe(8);
  });
});

describe('describeThreads', () => {
  it('names the count in an isolated page, singular for one', () => {
    expect(describeThreads(2, true)).toBe('wasm · 2 threads');
    expect(describeThreads(1, true)).toBe('wasm · 1 thread');
  });

  it('says why a page that is not isolated has one thread', () => {
    expect(describeThreads(1, false)).toBe('wasm · 1 thread (page not isolated)');
  });
});

describe('the Content-Security-Policy and the threaded wasm build', () => {
  it('lets blob: scripts run (the pthread workers’ importScripts) and still connects nowhere new', () => {
    const policy = contentSecurityPolicy({ dev: false });
    expect(policy).toContain("script-src 'self' 'wasm-unsafe-eval' blob:");
    expect(policy).toContain(
      "connect-src 'self' https://huggingface.co https://*.huggingface.co https://*.hf.co;",
    );
  });
});
