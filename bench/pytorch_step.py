"""The PyTorch side of `npm run bench`: the same contrastive BERT training step in plain PyTorch.

Reads a JSON spec on stdin: {"threads": n, "device": "cpu" | "cuda", "matmul": [m, k, n], "cases": [{"id",
"layers", "hidden", "heads", "intermediate", "vocab", "columns": [{"ids": [[...]], "mask": [[...]]}, ...],
"warmup", "steps"}]} (the token batches are the ones tfjs trains on), and prints one JSON object with a
result per case, the BLAS this torch computes with (library, OpenBLAS's core type) and the plain
[m, k] · [k, n] product's GFLOP/s at the same thread count.
On "cuda" the step runs eager fp32 with TF32 off (the precision WebGPU computes in), timed with a
device synchronisation after each step; without CUDA it exits 3.

The step mirrors Attune's: HF BertModel maths (post-LN, exact-erf GELU, additive mask, dropout 0.1),
mean pooling, MultipleNegativesRankingLoss (scale 20, cosine), gradient clipping at 1, AdamW
(lr 2e-5, weight decay 0.01 except biases and LayerNorm weights). Random weights: the shape is what
is timed. Ops are counted with the autograd profiler: ATen ops called from Python or from the
autograd engine, not the ops they call in turn (aten::linear counts once, not with its aten::t and
aten::addmm).
"""

import ctypes
import json
import math
import os
import re
import statistics
import sys
import time

import torch
import torch.nn.functional as F
from torch import nn


class Layer(nn.Module):
    def __init__(self, h, heads, inter):
        super().__init__()
        self.heads = heads
        self.query, self.key, self.value = nn.Linear(h, h), nn.Linear(h, h), nn.Linear(h, h)
        self.attn_out, self.attn_norm = nn.Linear(h, h), nn.LayerNorm(h, eps=1e-12)
        self.inter, self.out = nn.Linear(h, inter), nn.Linear(inter, h)
        self.out_norm = nn.LayerNorm(h, eps=1e-12)

    def forward(self, x, mask_add):
        b, l, h = x.shape
        hd = h // self.heads

        def split(t):  # (B, nh, L, hd)
            return t.view(b, l, self.heads, hd).transpose(1, 2)

        q, k, v = split(self.query(x)), split(self.key(x)), split(self.value(x))
        scores = q @ k.transpose(-1, -2) / math.sqrt(hd) + mask_add
        probs = F.dropout(scores.softmax(-1), 0.1, self.training)
        ctx = (probs @ v).transpose(1, 2).reshape(b, l, h)
        x = self.attn_norm(F.dropout(self.attn_out(ctx), 0.1, self.training) + x)
        y = F.dropout(self.out(F.gelu(self.inter(x))), 0.1, self.training)
        return self.out_norm(y + x)


class Bert(nn.Module):
    def __init__(self, c):
        super().__init__()
        h = c["hidden"]
        self.words = nn.Embedding(c["vocab"], h)
        self.positions = nn.Embedding(512, h)
        self.types = nn.Embedding(2, h)
        self.norm = nn.LayerNorm(h, eps=1e-12)
        self.layers = nn.ModuleList(
            Layer(h, c["heads"], c["intermediate"]) for _ in range(c["layers"])
        )

    def forward(self, ids, mask):
        l = ids.shape[1]
        x = self.words(ids) + self.positions.weight[:l] + self.types.weight[0]
        x = F.dropout(self.norm(x), 0.1, self.training)
        mask_add = ((1.0 - mask.float()) * -1e9)[:, None, None, :]
        for layer in self.layers:
            x = layer(x, mask_add)
        m = mask.unsqueeze(-1).float()
        return (x * m).sum(1) / m.sum(1).clamp(min=1e-9)  # mean pooling


def mnrl(anchors, candidates, scale=20.0):
    scores = F.normalize(anchors, dim=1) @ F.normalize(candidates, dim=1).t() * scale
    return F.cross_entropy(scores, torch.arange(anchors.shape[0], device=anchors.device))


def make_step(model, columns):
    no_decay = [p for n, p in model.named_parameters() if "bias" in n or "norm" in n]
    decay = [p for n, p in model.named_parameters() if not ("bias" in n or "norm" in n)]
    opt = torch.optim.AdamW(
        [{"params": decay, "weight_decay": 0.01}, {"params": no_decay, "weight_decay": 0.0}],
        lr=2e-5,
        eps=1e-6,
    )

    def step():
        opt.zero_grad(set_to_none=True)
        emb = [model(ids, mask) for ids, mask in columns]
        loss = mnrl(emb[0], torch.cat(emb[1:]))
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        return loss.item()  # .item() waits for the device: the step is over when it returns

    return step


def count_ops(step):
    with torch.autograd.profiler.profile() as prof:
        step()
    events = prof.function_events
    top = 0
    for e in events:
        if not e.name.startswith("aten::"):
            continue
        parent = e.cpu_parent
        while parent is not None and not parent.name.startswith("aten::"):
            parent = parent.cpu_parent
        if parent is None:
            top += 1
    return top


def run_case(c, device):
    torch.manual_seed(0)
    model = Bert(c).train().to(device)
    columns = [
        (
            torch.tensor(col["ids"], dtype=torch.long, device=device),
            torch.tensor(col["mask"], dtype=torch.long, device=device),
        )
        for col in c["columns"]
    ]
    step = make_step(model, columns)
    for _ in range(c["warmup"]):
        step()
    ops = count_ops(step)
    samples, cpu = [], []
    started = time.perf_counter()
    while len(samples) < c["steps"] and (not samples or time.perf_counter() - started < c["budget_s"]):
        t, t_cpu = time.perf_counter(), time.process_time()
        step()
        samples.append((time.perf_counter() - t) * 1000)
        cpu.append((time.process_time() - t_cpu) * 1000)
    ms = statistics.median(samples)
    return {
        "id": c["id"],
        "msPerStep": ms,
        "samplesMs": samples,
        "cpuMsPerStep": statistics.median(cpu),
        "pairsPerSecond": len(c["columns"][0]["ids"]) * 1000 / ms,
        "opsPerStep": ops,
    }


def blas():
    try:
        return os.path.realpath("/etc/alternatives/libblas.so.3-x86_64-linux-gnu")
    except OSError:
        return "unknown"


def openblas_core():
    """OpenBLAS's kernel choice (`openblas_get_corename`): `OPENBLAS_CORETYPE` overrides its CPU probe."""
    for name in ("libopenblas.so.0", "libblas.so.3"):
        try:
            lib = ctypes.CDLL(name)
            lib.openblas_get_corename.restype = ctypes.c_char_p
            return lib.openblas_get_corename().decode()
        except (OSError, AttributeError):
            continue
    return None


def blas_config():
    """The BLAS lines of `torch.__config__.show()` (Debian's build says `BLAS_INFO=generic`: libblas.so.3)."""
    shown = torch.__config__.show()
    found = re.findall(r"(BLAS_INFO=[^,]*|CPU capability usage: \S+)", shown)
    return ", ".join(found) or shown.strip().splitlines()[0]


def matmul_gflops(m, k, n, device):
    """Median GFLOP/s of a plain [m, k] · [k, n] float32 product, after warm-up."""
    a = torch.randn(m, k, device=device)
    b = torch.randn(k, n, device=device)
    for _ in range(5):
        (a @ b).sum().item()
    samples = []
    for _ in range(30):
        t = time.perf_counter()
        (a @ b)[0, 0].item()
        samples.append(time.perf_counter() - t)
    return 2 * m * k * n / statistics.median(samples) / 1e9


def main():
    spec = json.load(sys.stdin)
    torch.set_num_threads(spec["threads"])
    device = spec.get("device", "cpu")
    if device == "cuda":
        if not torch.cuda.is_available():
            print("this torch has no CUDA device", file=sys.stderr)
            sys.exit(3)
        torch.backends.cuda.matmul.allow_tf32 = False
        torch.backends.cudnn.allow_tf32 = False
    m, k, n = spec.get("matmul", [512, 384, 1536])
    matmul = {"shape": [m, k, n], "gflops": matmul_gflops(m, k, n, device)}
    results = [run_case(c, device) for c in spec["cases"]]
    print(
        json.dumps(
            {
                "torch": torch.__version__,
                "threads": torch.get_num_threads(),
                "blas": blas(),
                "blasConfig": blas_config(),
                "openblasCore": openblas_core(),
                "coretypeEnv": os.environ.get("OPENBLAS_CORETYPE"),
                "matmul": matmul,
                "device": torch.cuda.get_device_name() if device == "cuda" else "cpu",
                "results": results,
            }
        )
    )


if __name__ == "__main__":
    main()
