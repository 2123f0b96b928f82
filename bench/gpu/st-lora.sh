#!/usr/bin/env bash
# Issue 17's last check, for a machine with sentence-transformers 6 (the GPU machine's image): a
# bge-base-shaped folder trains 2 LoRA steps with the CLI (rank 16, batch 32 × 128 tokens), then
# sentence-transformers loads the export and embeds as `npm run cli -- embed` does (1e-4), and the
# PEFT adapter beside it, loaded unmerged on the base, embeds as the merged weights do.
#   BACKEND=webgpu (default; Dawn + the GPU's Vulkan driver) or wasm (not in the kit)
#   SHAPE=bge-base (default) or tiny (the test fixture: the same steps in seconds, for a dry run)
# On a server without Node or npm, carry `.gpu-kit` (bench/gpu/kit.sh). Writes $OUT/st-lora.log
# and $OUT/train-report.json.
set -euo pipefail
OUT=${OUT:-/tmp/attune-st}
BACKEND=${BACKEND:-webgpu}
SHAPE=${SHAPE:-bge-base}
work=$(mktemp -d)
mkdir -p "$OUT"
exec > >(tee "$OUT/st-lora.log") 2>&1

. bench/gpu/env.sh

if [ "$SHAPE" = tiny ]; then
  base=tests/fixtures/tiny-bert
  cp tests/fixtures/tiny-bert.pairs.csv "$work/pairs.csv"
  batch=8
  tokens=64
else
  base=$work/bge-base
  attune_bge_folder "$base" 64
  cp "$base.pairs.csv" "$work/pairs.csv"
  batch=32
  tokens=128
fi
# The queries of the training file are the texts to embed (its first column, header dropped).
tail -n +2 "$work/pairs.csv" | cut -d, -f1 | head -n 32 > "$work/texts.txt"

attune_cli train --model "$base" --data "$work/pairs.csv" --out "$work/lora" \
  --backend "$BACKEND" --steps 2 --batch-size "$batch" --max-seq-length "$tokens" \
  --lora-rank 16 --report "$OUT/train-report.json"
attune_cli embed --model "$work/lora" --texts "$work/texts.txt" \
  --out "$work/ours.json" --backend "$BACKEND"
python3 bench/gpu/st_embed_check.py "$work/lora" "$work/texts.txt" "$work/ours.json" --base "$base"
