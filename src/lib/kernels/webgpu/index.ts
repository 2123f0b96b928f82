/**
 * Attune's kernels for the webgpu backend: WGSL under the same kernel names as the cpu/wasm
 * kernels, so `fused(name)` routes the model's ops to them when webgpu is active. Importing this
 * module registers them; it loads without a GPU (nothing runs until a kernel is dispatched).
 */
import './linear.ts';
import './gelu.ts';
import './layer-norm.ts';
import './embedding.ts';
import './attention.ts';
import './pooling.ts';
import './mnrl.ts';
import './grad-norm.ts';
import './adamw.ts';
