/**
 * Attune's fused kernels: typed-array kernels for cpu and wasm, WGSL for webgpu (./webgpu/). Each
 * op below runs one fused kernel where it is registered for the active backend and the route is
 * `attune`, and the plain tfjs op chain otherwise (a kernel not written for that backend yet, or
 * the `stock` route). Importing this module registers the kernels and their gradients.
 */
import './identity.ts';
import './webgpu/index.ts';

export { adamwUpdate, type AdamWHyper, type AdamWSlot } from './adamw.ts';
export { selfAttention, type AttentionOptions } from './attention.ts';
export { embeddingLookup } from './embedding.ts';
export { gelu } from './gelu.ts';
export { globalNorm } from './grad-norm.ts';
export { addLayerNorm, type DropoutSite } from './layer-norm.ts';
export { linear, linear3 } from './linear.ts';
export { fusedMnrlLoss, type FusedMnrlOptions } from './mnrl.ts';
export { fusedMeanPool } from './pooling.ts';
export { setKernelRoute, type KernelRoute } from './route.ts';
