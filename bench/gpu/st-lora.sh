#!/usr/bin/env bash
# Issue 17's last check, for a machine with sentence-transformers 6 (the GPU machine's image): a
# bge-base-shaped folder trains 2 LoRA steps with the CLI (rank 16, batch 32 × 128 tokens), then
# sentence-transformers loads the export and embeds as `npm run cli -- embed` does (1e-4), and the
# PEFT adapter beside it, loaded unmerged on the base, embeds as the merged weights do.
#   BACKEND=webgpu (default; Dawn + the GPU's Vulkan driver, loaders from .gl/ as in nvidia.sh) or wasm
#   SHAPE=bge-base (default) or tiny (the test fixture: the same steps in seconds, for a dry run)
# Writes $OUT/st-lora.log and $OUT/train-report.json.
set -euo pipefail
OUT=${OUT:-/tmp/attune-st}
BACKEND=${BACKEND:-webgpu}
SHAPE=${SHAPE:-bge-base}
work=$(mktemp -d)
mkdir -p "$OUT"
exec > >(tee "$OUT/st-lora.log") 2>&1

if [ "$BACKEND" = webgpu ]; then
  for f in .gl/*.deb; do [ -e "$f" ] && dpkg -x "$f" /; done
  ldconfig
  icd=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
  [ -f "$icd" ] && export VK_DRIVER_FILES=$icd
fi

if [ "$SHAPE" = tiny ]; then
  base=tests/fixtures/tiny-bert
  cp tests/fixtures/tiny-bert.pairs.csv "$work/pairs.csv"
  batch=8
  tokens=64
else
  base=$work/bge-base
  npx tsx bench/bge-base-folder.ts "$base" 64
  cp "$base.pairs.csv" "$work/pairs.csv"
  batch=32
  tokens=128
fi
# The queries of the training file are the texts to embed (its first column, header dropped).
tail -n +2 "$work/pairs.csv" | cut -d, -f1 | head -n 32 > "$work/texts.txt"

npm run -s cli -- train --model "$base" --data "$work/pairs.csv" --out "$work/lora" \
  --backend "$BACKEND" --steps 2 --batch-size "$batch" --max-seq-length "$tokens" \
  --lora-rank 16 --report "$OUT/train-report.json"
npm run -s cli -- embed --model "$work/lora" --texts "$work/texts.txt" \
  --out "$work/ours.json" --backend "$BACKEND"
python3 bench/gpu/st_embed_check.py "$work/lora" "$work/texts.txt" "$work/ours.json" --base "$base"
