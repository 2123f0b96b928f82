import { describe, expect, it } from 'vitest';
import { describeComputeTarget, type AdapterSummary } from '../../../src/lib/env/adapter.ts';

const adapter = (over: Partial<AdapterSummary>): AdapterSummary => ({
  vendor: '',
  architecture: '',
  device: '',
  description: '',
  isFallback: false,
  ...over,
});

describe('describeComputeTarget', () => {
  it('names a hardware adapter by vendor and architecture, with no warning', () => {
    const t = describeComputeTarget(adapter({ vendor: 'nvidia', architecture: 'hopper' }));
    expect(t).toEqual({
      backend: 'webgpu',
      label: 'WebGPU · nvidia / hopper',
      adapterName: 'nvidia / hopper',
      software: false,
    });
  });

  it('flags SwiftShader as software and warns', () => {
    const t = describeComputeTarget(adapter({ vendor: 'google', architecture: 'swiftshader' }));
    expect(t.label).toBe('WebGPU · google / swiftshader');
    expect(t.adapterName).toBe('google / swiftshader');
    expect(t.software).toBe(true);
    expect(t.warning).toMatch(/emulated in software/);
  });

  it('flags a fallback adapter and lavapipe as software', () => {
    expect(describeComputeTarget(adapter({ vendor: 'x', isFallback: true })).software).toBe(true);
    expect(describeComputeTarget(adapter({ description: 'llvmpipe (LLVM 15)' })).software).toBe(
      true,
    );
  });

  it('falls back to the CPU with a warning when there is no WebGPU', () => {
    const t = describeComputeTarget(null);
    expect(t.backend).toBe('cpu');
    expect(t.warning).toMatch(/no WebGPU/);
  });
});
