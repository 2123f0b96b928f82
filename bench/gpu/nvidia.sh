#!/usr/bin/env bash
# The GPU comparison of issue 16, as one script for a machine with an NVIDIA GPU (run from the
# repository root): our training step on WebGPU (Node + Dawn + the NVIDIA Vulkan driver) beside
# PyTorch CUDA eager fp32 (TF32 off), for the tiny, MiniLM (32 × 128) and bge-base (32 × 128)
# shapes. On a server without Node or npm (the device machine), build the kit here first with
# bench/gpu/kit.sh and carry `.gpu-kit` (env.sh unpacks it).
# Writes $OUT/bench.json and $OUT/bench.md (the BENCHMARKS.md table).
set -euo pipefail
OUT=${OUT:-/tmp/attune-gpu}
mkdir -p "$OUT"
. bench/gpu/env.sh
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv | tee "$OUT/gpu.txt"
# fp32 peak of the card (H100/H200 SXM datasheet: ~67 TFLOP/s without tensor cores).
peak=${FP32_PEAK_TFLOPS:-67}
attune_bench --only node,pytorch --backends webgpu \
  --shapes tiny,minilm-32x128,bge-base --fp32-peak-tflops "$peak" --json "$OUT/bench.json" |
  tee "$OUT/bench.md"
