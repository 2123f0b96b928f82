#!/usr/bin/env bash
# Builds .gpu-kit/, what bench/gpu/nvidia.sh and st-lora.sh need on a GPU server that has neither
# Node nor an npm registry (the device machine): this machine's Node binary, the CLI, the bench and
# the bge-base folder writer bundled with esbuild (tfjs and our kernels inside; the wasm backend is
# not in the kit, the GPU runs use webgpu), the `webgpu` package with Linux x64's dawn.node only,
# PyTorch's side of the bench, and Debian's Vulkan loader. About 40 MB, under the 64 MiB a device
# call carries. Run from the repository root after `npm ci`; then carry `.gpu-kit`:
#   device run: bash bench/gpu/nvidia.sh   (carry: .gpu-kit)
set -euo pipefail
cd "$(dirname "$0")/../.."
kit=.gpu-kit
rm -rf "$kit"
mkdir -p "$kit/node_modules/webgpu/dist/linux-x64"

# An ES module bundle has no `require`; tfjs's Node paths and dawn.node's loader use it.
banner="import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);"
for entry in src/cli/main.ts:cli bench/run.ts:bench bench/bge-base-folder.ts:bge-base-folder; do
  npx esbuild "${entry%%:*}" --bundle --platform=node --format=esm --target=node20 \
    --outfile="$kit/${entry##*:}.mjs" --external:webgpu --external:onnxruntime-node \
    --external:'*/browser.ts' --log-level=error --banner:js="$banner"
  gzip -9 "$kit/${entry##*:}.mjs"
done
# bench/pytorch.ts finds PyTorch's step beside the bench's module.
cp bench/pytorch_step.py "$kit/"
cp node_modules/webgpu/index.js node_modules/webgpu/package.json "$kit/node_modules/webgpu/"
gzip -9 -c node_modules/webgpu/dist/linux-x64/dawn.node \
  > "$kit/node_modules/webgpu/dist/linux-x64/dawn.node.gz"
xz -T0 -6 -c "$(readlink -f "$(command -v node)")" > "$kit/node.xz"
(cd "$kit" && apt-get download -qq libvulkan1)
du -sh "$kit"
