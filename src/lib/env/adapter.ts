/** What a WebGPU adapter says about itself (`GPUAdapter.info`), reduced to plain data. */
export interface AdapterSummary {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  /** `GPUAdapterInfo.isFallbackAdapter`: the browser's own software implementation. */
  isFallback: boolean;
}

/** The adapter's own description, as plain data a worker can post. */
export function summariseAdapter(adapter: GPUAdapter): AdapterSummary {
  const info = adapter.info;
  return {
    vendor: info.vendor,
    architecture: info.architecture,
    device: info.device,
    description: info.description,
    isFallback: Boolean(
      (info as GPUAdapterInfo & { isFallbackAdapter?: boolean }).isFallbackAdapter,
    ),
  };
}

/** Where training will run, in the words the header shows. */
export interface ComputeTarget {
  backend: 'webgpu' | 'cpu';
  label: string;
  /** "vendor / architecture" of the WebGPU adapter; absent without one. */
  adapterName?: string;
  software: boolean;
  /** Plain-words warning when training will be slow; absent when it will use a real GPU. */
  warning?: string;
}

/** Software rasterisers that expose WebGPU without a GPU (Chromium's SwiftShader, Mesa's llvmpipe/lavapipe). */
const SOFTWARE_ADAPTERS = /swiftshader|llvmpipe|lavapipe|software|microsoft basic render/i;

export function isSoftwareAdapter(adapter: AdapterSummary): boolean {
  return (
    adapter.isFallback ||
    SOFTWARE_ADAPTERS.test(
      [adapter.vendor, adapter.architecture, adapter.device, adapter.description].join(' '),
    )
  );
}

/** Name the adapter as "WebGPU · vendor / architecture" and say plainly what a missing or software GPU means. */
export function describeComputeTarget(adapter: AdapterSummary | null): ComputeTarget {
  if (!adapter) {
    return {
      backend: 'cpu',
      label: 'CPU (no WebGPU)',
      software: true,
      warning:
        'This browser exposes no WebGPU, so training runs on the CPU: expect minutes where a GPU takes seconds.',
    };
  }
  const name = [adapter.vendor, adapter.architecture].filter(Boolean).join(' / ') || 'unknown GPU';
  if (isSoftwareAdapter(adapter)) {
    return {
      backend: 'webgpu',
      label: `WebGPU · ${name}`,
      adapterName: name,
      software: true,
      warning:
        'WebGPU here is emulated in software (no GPU was found), so training runs on the CPU and will be slow. Enable hardware acceleration or use a machine with a GPU for real runs.',
    };
  }
  return { backend: 'webgpu', label: `WebGPU · ${name}`, adapterName: name, software: false };
}
