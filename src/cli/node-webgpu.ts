import { existsSync, readdirSync } from 'node:fs';
import { isSoftwareAdapter, summariseAdapter } from '../lib/env/adapter.ts';
import { registerWebGPUBackend } from '../lib/env/webgpu-device.ts';

/**
 * WebGPU in Node through Dawn (the `webgpu` package), so the CLI, the bench and the kernel tests
 * run the same WGSL kernels as the studio's worker. Dawn drives the machine's Vulkan driver: the
 * GPU's own where one is installed (or named by `VK_DRIVER_FILES` / `VK_ICD_FILENAMES`), else
 * Chromium's SwiftShader, the software Vulkan that Debian's chromium package ships — slow, but it
 * runs every kernel on a machine without a GPU (CI).
 */

/** Where the Vulkan loader looks for drivers when no variable names one. */
const ICD_DIRS = ['/usr/share/vulkan/icd.d', '/etc/vulkan/icd.d', '/usr/local/share/vulkan/icd.d'];
/** Chromium's SwiftShader driver, from Debian's chromium package. */
export const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';

const driversNamed = () => Boolean(process.env.VK_DRIVER_FILES ?? process.env.VK_ICD_FILENAMES);

function pointAtSoftwareVulkanWhenNoDriver(): void {
  if (driversNamed()) return;
  if (ICD_DIRS.some((dir) => existsSync(dir) && readdirSync(dir).some((f) => f.endsWith('.json'))))
    return;
  if (existsSync(SWIFTSHADER_ICD)) process.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
}

/**
 * The installed drivers' adapter, or SwiftShader's when none of them qualifies: Debian 12's
 * lavapipe (mesa-vulkan-drivers, pulled in by many packages) lacks a feature Dawn requires, and
 * the loader reads the variable again on each new instance.
 */
async function requestAnyAdapter(dawn: typeof import('webgpu')): Promise<GPU | null> {
  const gpu = dawn.create([]);
  if (await gpu.requestAdapter()) return gpu;
  if (driversNamed() || !existsSync(SWIFTSHADER_ICD)) return null;
  process.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
  const software = dawn.create([]);
  return (await software.requestAdapter()) ? software : null;
}

let installed: Promise<boolean> | null = null;

/**
 * Gives this process `navigator.gpu` and registers the `webgpu` backend on it; false (with the
 * reason on `why`) when Dawn or a Vulkan driver is missing. Idempotent.
 */
export function installNodeWebGPU(why?: (reason: string) => void): Promise<boolean> {
  installed ??= (async () => {
    pointAtSoftwareVulkanWhenNoDriver();
    try {
      const dawn = await import('webgpu');
      Object.assign(globalThis, dawn.globals);
      const gpu = await requestAnyAdapter(dawn);
      if (!gpu) {
        why?.('no Vulkan driver answered (install libvulkan1 and a GPU driver, or Chromium)');
        return false;
      }
      Object.defineProperty(globalThis, 'navigator', {
        value: { ...(globalThis.navigator ?? {}), gpu },
        configurable: true,
      });
    } catch (e) {
      why?.(`Dawn could not load: ${(e as Error).message.split('\n')[0]}`);
      return false;
    }
    // The backend package decides at import time whether WebGPU exists, so it comes after.
    await import('@tensorflow/tfjs-backend-webgpu');
    registerWebGPUBackend();
    return true;
  })();
  return installed;
}

/** Whether the adapter Dawn gives this process emulates a GPU on the CPU (SwiftShader, lavapipe). */
export async function adapterIsSoftware(): Promise<boolean> {
  const adapter = await navigator.gpu.requestAdapter();
  return !adapter || isSoftwareAdapter(summariseAdapter(adapter));
}
