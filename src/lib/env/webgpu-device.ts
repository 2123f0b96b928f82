import * as tf from '@tensorflow/tfjs';
import type { WebGPUBackend } from '@tensorflow/tfjs-backend-webgpu';
import { setNarrowWorkgroups } from '../kernels/webgpu/shader.ts';
import { isSoftwareAdapter, summariseAdapter } from './adapter.ts';

/**
 * The WebGPU device Attune computes on, requested by us rather than by tfjs's own factory so that
 * (1) the device gets every limit the adapter offers that a large model needs (buffer and binding
 * sizes, storage buffers per stage, workgroup sizes), not WebGPU's defaults, and (2) a device that
 * is lost mid-run (driver reset, GPU removed, tab backgrounded on some systems) is noticed and
 * reported in plain words instead of as the next op's obscure failure.
 *
 * Works wherever `navigator.gpu` exists: a browser worker, or Node after the CLI has installed
 * Dawn's (`src/cli/node-webgpu.ts`).
 */

/** The limits a bge-base-sized step needs above WebGPU's defaults; each is taken at the adapter's value. */
const LIMITS = [
  'maxBufferSize',
  'maxStorageBufferBindingSize',
  'maxStorageBuffersPerShaderStage',
  'maxComputeWorkgroupStorageSize',
  'maxComputeWorkgroupsPerDimension',
  'maxComputeWorkgroupSizeX',
  'maxComputeWorkgroupSizeY',
  'maxComputeInvocationsPerWorkgroup',
] as const;

/** A GPU device that stopped answering; the run stops at its last checkpoint. */
export class GpuLostError extends Error {
  override readonly name = 'GpuLostError';
  constructor(readonly reason: string) {
    super(
      `the GPU stopped answering (${reason}); the run stopped at its last checkpoint. ` +
        'Resume it on another backend, or reload once the GPU is back.',
    );
  }
}

interface DeviceState {
  device: GPUDevice;
  adapter: GPUAdapter;
  lost: GPUDeviceLostInfo | null;
}

let current: DeviceState | null = null;

/** Why the device was lost, or null while it works (or before one was made). */
export function deviceLoss(): string | null {
  if (!current?.lost) return null;
  return current.lost.message || current.lost.reason || 'device lost';
}

/**
 * Throws GpuLostError when this process computes on WebGPU and its device has been lost: what the
 * device computed since may be garbage (a destroyed device runs nothing, and reads can return
 * stale buffers), so a step or a checkpoint is only trusted while this passes.
 */
export function assertDeviceAlive(): void {
  if (tf.getBackend() !== 'webgpu') return;
  const loss = deviceLoss();
  if (loss !== null) throw new GpuLostError(loss);
}

/**
 * `assertDeviceAlive` once the device's pending news is in: an operation can fail on a lost
 * device (an aborted buffer read) before the `lost` promise has resolved, so an error on WebGPU
 * waits a moment for it before being taken as the error it claims to be.
 */
export async function confirmDeviceAlive(): Promise<void> {
  if (tf.getBackend() !== 'webgpu' || !current) return;
  const state = current;
  await Promise.race([state.device.lost, new Promise((resolve) => setTimeout(resolve, 100))]);
  assertDeviceAlive();
}

/**
 * After a loss: drops the dead backend so that the next `setBackend('webgpu')` asks for a new
 * device (the GPU may be back), and moves this process to `fallback` meanwhile.
 */
export async function replaceLostDevice(fallback: string): Promise<void> {
  if (deviceLoss() === null) return;
  current = null;
  if (tf.getBackend() === 'webgpu') await tf.setBackend(fallback);
  tf.removeBackend('webgpu');
  registerWebGPUBackend();
}

/** The device in use, for kernels that encode their own passes and for tests; null before start. */
export function currentDevice(): GPUDevice | null {
  return current?.device ?? null;
}

/** The adapter's byte limits for one buffer and one storage binding (the memory plan reads them). */
export function deviceLimits(): { maxBufferSize: number; maxStorageBufferBindingSize: number } {
  const limits = current?.device.limits;
  return {
    maxBufferSize: limits?.maxBufferSize ?? 0,
    maxStorageBufferBindingSize: limits?.maxStorageBufferBindingSize ?? 0,
  };
}

async function makeBackend(): Promise<WebGPUBackend> {
  const adapter = await navigator.gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter) throw new Error('no WebGPU adapter');
  const requiredLimits: Record<string, number> = {};
  for (const name of LIMITS) requiredLimits[name] = adapter.limits[name];
  const requiredFeatures = (['timestamp-query'] as const).filter((f) => adapter.features.has(f));
  const device = await adapter.requestDevice({ requiredLimits, requiredFeatures });
  // A CPU-backed adapter runs workgroups invocation by invocation: our kernels go narrow there.
  setNarrowWorkgroups(device, isSoftwareAdapter(summariseAdapter(adapter)));
  const state: DeviceState = { device, adapter, lost: null };
  current = state;
  void device.lost.then((info) => {
    state.lost = info;
  });
  // Loaded here, not at the top: a process that never computes on WebGPU never loads the backend.
  const webgpu = await import('@tensorflow/tfjs-backend-webgpu');
  return new webgpu.WebGPUBackend(device, adapter.info);
}

/**
 * Replaces the `webgpu` backend factory registered by `@tensorflow/tfjs-backend-webgpu` with
 * ours (same backend, our device). Call once after importing that package; a backend already
 * started keeps its device until `tf.removeBackend`.
 */
export function registerWebGPUBackend(): void {
  if (typeof navigator === 'undefined' || !navigator.gpu) return;
  if (tf.findBackendFactory('webgpu')) tf.removeBackend('webgpu');
  tf.registerBackend('webgpu', makeBackend, 3);
}
