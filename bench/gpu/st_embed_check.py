"""Issue 17's sentence-transformers check: the exported folder loads in sentence-transformers and
embeds as `npm run cli -- embed` did on it.

    python3 bench/gpu/st_embed_check.py FOLDER TEXTS OURS.json [--tolerance 1e-4]

FOLDER: the fine-tuned export (merged weights; its PEFT adapter in FOLDER/lora-adapter/ when the
run used LoRA). TEXTS: one text per line, as given to the CLI. OURS.json: the CLI's
{"embeddings": [[...], ...]}. With `--base BASE`, the adapter is also loaded unmerged on BASE
through PEFT (sentence-transformers' `load_adapter`), which must embed as the merged folder does.
Prints one line per check and exits 1 when a check is off by more than the tolerance.
"""

import argparse
import json
import sys
from pathlib import Path

import numpy as np

try:
    from sentence_transformers import SentenceTransformer
except ImportError:
    sys.exit("sentence-transformers is not installed: run this where it is (the GPU machine's image)")


def encode(model, texts):
    return model.encode(texts, batch_size=32, convert_to_numpy=True, show_progress_bar=False)


def report(name, theirs, ours, tolerance):
    diff = float(np.abs(theirs - ours).max())
    ok = theirs.shape == ours.shape and diff <= tolerance
    print(f"{name}: {theirs.shape[0]} texts × {theirs.shape[1]}, max |Δ| {diff:.2e} "
          f"(tolerance {tolerance:g}) {'ok' if ok else 'FAILED'}")
    return ok


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("folder")
    parser.add_argument("texts")
    parser.add_argument("ours")
    parser.add_argument("--base", help="the base folder the adapter was trained on")
    parser.add_argument("--tolerance", type=float, default=1e-4)
    args = parser.parse_args()

    texts = [t for t in Path(args.texts).read_text().splitlines() if t.strip()]
    ours = np.asarray(json.loads(Path(args.ours).read_text())["embeddings"], dtype=np.float32)
    merged = encode(SentenceTransformer(args.folder, device="cpu"), texts)
    ok = report("sentence-transformers on the merged export vs the CLI", merged, ours,
                args.tolerance)

    adapter = Path(args.folder) / "lora-adapter"
    if args.base:
        if not (adapter / "adapter_config.json").is_file():
            sys.exit(f"{adapter}/adapter_config.json is missing: the run did not use LoRA")
        model = SentenceTransformer(args.base, device="cpu")
        model.load_adapter(str(adapter))
        unmerged = encode(model, texts)
        ok = report("base + PEFT adapter (unmerged) vs the merged export", unmerged, merged,
                    args.tolerance) and ok
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
