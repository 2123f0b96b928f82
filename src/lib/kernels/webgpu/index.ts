/**
 * Attune's kernels for the webgpu backend, under the names of the cpu/wasm kernels: importing
 * this module registers them, and `fused(name)` then routes the model's ops to them on webgpu.
 * The module only registers kernel functions; nothing here touches a GPU until one runs.
 */
import './attention.ts';
import './pooling.ts';
import './mnrl.ts';
import './grad-norm.ts';
import './adamw.ts';
