#!/usr/bin/env bash
# The GPU comparison of issue 16, as one script for a machine with an NVIDIA GPU (run from the
# repository root, with node_modules and the Vulkan loader packages carried in .gl/):
#   our training step on WebGPU (Node + Dawn + the NVIDIA Vulkan driver) beside PyTorch CUDA eager
#   fp32 (TF32 off), for the tiny, MiniLM (32 × 128) and bge-base (32 × 128) shapes.
# Writes $OUT/bench.json and $OUT/bench.md (the BENCHMARKS.md table). Prepare the loaders once on a
# machine with Debian's apt:  mkdir -p .gl && (cd .gl && apt-get download libvulkan1)
set -euo pipefail
OUT=${OUT:-/tmp/attune-gpu}
mkdir -p "$OUT"
for f in .gl/*.deb; do [ -e "$f" ] && dpkg -x "$f" /; done
ldconfig
# The container's NVIDIA driver files, where the loader does not look by itself.
icd=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
[ -f "$icd" ] && export VK_DRIVER_FILES=$icd
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv | tee "$OUT/gpu.txt"
# fp32 peak of the card (H100/H200 SXM datasheet: ~67 TFLOP/s without tensor cores).
peak=${FP32_PEAK_TFLOPS:-67}
npm run -s bench -- --only node,pytorch --backends webgpu \
  --shapes tiny,minilm-32x128,bge-base --fp32-peak-tflops "$peak" --json "$OUT/bench.json" |
  tee "$OUT/bench.md"
