/**
 * The kit's `reproduce.py`, verbatim (Python 3 + numpy only). It ports, line for line, the
 * figures of `src/lib/eval`: metrics.ts (sentence-transformers), trec.ts (trec_eval 10.0),
 * bootstrap.ts and significance.ts with util/random.ts's mulberry32, holm.ts and
 * effect-size.ts; a change to any of those must change this too (the kit tests run it).
 */
export const REPRODUCE_PY = String.raw`#!/usr/bin/env python3
"""Recompute every figure of this evaluation kit's report from its qrels and run files.

Needs Python 3 and numpy, nothing else. Reads manifest.json beside this script, the figures
embedded in the report (<script id="figures">), qrels.txt, each run file and per-query.tsv, and
recomputes: sentence-transformers' InformationRetrievalEvaluator metrics (binary: grade >= 1 is
relevant, ranking as the run's rank column gives it, queries without a relevant document
dropped), trec_eval 10.0's graded measures (ranking re-sorted by score, ties by document id
descending, every judged query kept), percentile bootstrap intervals and paired randomisation
p-values drawn from the same seeded generator as Attune (mulberry32), Holm's adjustment over
all p-values of the comparison, Cohen's d_z and wins/ties/losses, and the biggest regressions.
Prints "reproduced" and exits 0 when every figure agrees, else one line per figure that does
not and exits 1.
"""
import json
import math
import os
import re
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
TOLERANCE = 1e-9
EPSILON = sys.float_info.epsilon
SIGNIFICANCE_LEVEL = 0.05
REGRESSIONS_LISTED = 10
ST = "sentence-transformers"
TREC = "trec_eval"
# Attune's metric set, as InformationRetrievalEvaluator's defaults.
ST_METRICS = (
    ["ndcg@10", "mrr@10", "map@100"]
    + ["recall@%d" % k for k in (1, 3, 5, 10)]
    + ["precision@%d" % k for k in (1, 3, 5, 10)]
    + ["accuracy@%d" % k for k in (1, 3, 5, 10)]
)
TREC_MEASURES = ["ndcg_cut_10", "P_10", "recall_100", "map_cut_100", "recip_rank"]
QUERY_FIGURES = {ST: "ndcg@10", TREC: "ndcg_cut_10"}


def read(name):
    with open(os.path.join(HERE, name), encoding="utf-8") as f:
        return f.read()


def read_qrels(text):
    """qid 0 docid grade -> {qid: {docid: grade}}, in file order."""
    qrels = {}
    for line in text.splitlines():
        if line.strip():
            qid, _, docid, grade = line.split()
            qrels.setdefault(qid, {})[docid] = int(grade)
    return qrels


def read_run(text):
    """qid Q0 docid rank score tag -> {qid: [(docid, score)] in rank order}, queries in file order."""
    run = {}
    for line in text.splitlines():
        if line.strip():
            qid, _, docid, rank, score, _ = line.split()
            run.setdefault(qid, []).append((int(rank), docid, float(score)))
    return {q: [(d, s) for _, d, s in sorted(hits, key=lambda h: h[0])] for q, hits in run.items()}


def st_query(relevant, num_relevant):
    """InformationRetrievalEvaluator.compute_metrics for one query; relevant[i]: rank i + 1."""

    def hits(k):
        return sum(1 for r in relevant[:k] if r)

    values = {}
    dcg = sum(1 / math.log2(i + 2) for i, r in enumerate(relevant[:10]) if r)
    ideal = sum(1 / math.log2(i + 2) for i in range(min(10, num_relevant)))
    values["ndcg@10"] = dcg / ideal
    first = next((i + 1 for i, r in enumerate(relevant) if r), None)
    values["mrr@10"] = 1 / first if first is not None and first <= 10 else 0
    found, total = 0, 0.0
    for i, r in enumerate(relevant[:100]):
        if r:
            found += 1
            total += found / (i + 1)
    values["map@100"] = total / min(100, num_relevant)
    for k in (1, 3, 5, 10):
        values["recall@%d" % k] = hits(k) / num_relevant
    for k in (1, 3, 5, 10):
        values["precision@%d" % k] = hits(k) / k
    for k in (1, 3, 5, 10):
        values["accuracy@%d" % k] = 1 if hits(k) > 0 else 0
    return values


def trec_query(grades, judged):
    """trec_eval 10.0 for one query; grades[i]: grade at rank i + 1 in trec order (None: unjudged)."""
    gains = sorted((g for g in judged if g > 0), reverse=True)
    num_relevant = sum(1 for g in judged if g >= 1)
    dcg = 0.0
    for i, g in enumerate(grades[:10]):
        if g is not None and g > 0:
            dcg += g / math.log2(i + 2)
    ideal = 0.0
    for i, g in enumerate(gains[:10]):
        ideal += g / math.log2(i + 2)
    at10, at100, precision_sum = 0, 0, 0.0
    for i, g in enumerate(grades[:100]):
        if g is None or g < 1:
            continue
        at100 += 1
        if i < 10:
            at10 += 1
        precision_sum += at100 / (i + 1)
    first = next((i for i, g in enumerate(grades) if g is not None and g >= 1), None)
    return {
        "ndcg_cut_10": dcg / ideal if ideal > 0 else 0,
        "P_10": at10 / 10,
        "recall_100": at100 / num_relevant if num_relevant > 0 else 0,
        "map_cut_100": precision_sum / num_relevant if num_relevant > 0 else 0,
        "recip_rank": 1 / (first + 1) if first is not None else 0,
    }


def evaluate(run, qrels):
    """Per source: {qid: {metric: value}} in run order."""
    binary, graded = {}, {}
    for qid, hits in run.items():
        judged = qrels.get(qid)
        if judged is None:
            continue
        relevant_ids = {d for d, g in judged.items() if g > 0}
        if relevant_ids:
            binary[qid] = st_query([d in relevant_ids for d, _ in hits], len(relevant_ids))
        # trec_eval: score descending, equal scores by document id descending.
        ordered = sorted(sorted(hits, key=lambda h: h[0], reverse=True), key=lambda h: -h[1])
        graded[qid] = trec_query([judged.get(d) for d, _ in ordered], list(judged.values()))
    missing = [q for q in qrels if q not in run]
    if missing:
        raise SystemExit("judged queries without results: %s" % ", ".join(missing[:5]))
    return {ST: binary, TREC: graded}


def mulberry32(seed, start, count):
    """Draws start+1 .. start+count of Attune's generator (src/lib/util/random.ts), in [0, 1).

    mulberry32's state after k draws is seed + k * 0x6D2B79F5 (mod 2^32), so any stretch of
    the sequence can be computed at once; products of two 32-bit values fit in uint64."""
    mask = np.uint64(0xFFFFFFFF)
    k = np.arange(start + 1, start + count + 1, dtype=np.uint64)
    t = (np.uint64(seed % 2**32) + k * np.uint64(0x6D2B79F5)) & mask
    t = ((t ^ (t >> np.uint64(15))) * (t | np.uint64(1))) & mask
    t = t ^ ((t + (((t ^ (t >> np.uint64(7))) * (t | np.uint64(61))) & mask)) & mask)
    t = (t ^ (t >> np.uint64(14))) & mask
    return t.astype(np.float64) / 4294967296.0


def resample_rows(seed, resamples, n, chunk=None):
    """(first resample, uniforms [rows, n]) in chunks: resample r uses draws r*n+1 .. (r+1)*n."""
    chunk = chunk or max(1, 500_000 // max(n, 1))
    for r0 in range(0, resamples, chunk):
        rows = min(chunk, resamples - r0)
        yield r0, mulberry32(seed, r0 * n, rows * n).reshape(rows, n)


def quantile(ordered, p):
    """Hyndman & Fan type 7, written as Attune writes it (src/lib/eval/bootstrap.ts)."""
    h = (len(ordered) - 1) * p
    lo = math.floor(h)
    hi = min(lo + 1, len(ordered) - 1)
    return float(ordered[lo] + (h - lo) * (ordered[hi] - ordered[lo]))


def mean(values):
    return sum(values) / len(values)


def bootstrap(series, resampling):
    """Percentile intervals of each series' mean, all from the same resampled queries."""
    data = np.array(series, dtype=np.float64)
    n = data.shape[1]
    b = resampling["resamples"]
    means = np.empty((len(series), b))
    for r0, u in resample_rows(resampling["seed"], b, n):
        idx = np.floor(u * n).astype(np.int64)
        means[:, r0 : r0 + len(u)] = data[:, idx].sum(axis=2) / n
    alpha = (1 - resampling["level"]) / 2
    out = []
    for s, values in enumerate(series):
        ordered = np.sort(means[s])
        out.append(
            {"mean": mean(values), "lower": quantile(ordered, alpha), "upper": quantile(ordered, 1 - alpha)}
        )
    return out


def randomisation(diffs, resampling):
    """Two-sided paired randomisation p-values, (1 + #{|sum s_i d_i| >= |sum d_i|}) / (1 + B)."""
    d = np.array(diffs, dtype=np.float64)
    n = d.shape[1]
    b = resampling["resamples"]
    observed = np.array([abs(sum(x)) for x in diffs])
    slack = np.array([n * EPSILON * sum(abs(v) for v in x) for x in diffs])
    at_least = np.zeros(len(diffs), dtype=np.int64)
    for _, u in resample_rows(resampling["seed"], b, n):
        signs = np.where(u < 0.5, -1.0, 1.0)
        sums = np.abs(signs @ d.T)
        at_least += (sums >= observed - slack).sum(axis=0)
    return [(1 + int(c)) / (1 + b) for c in at_least]


def holm(p_values):
    m = len(p_values)
    adjusted = [0.0] * m
    running = 0.0
    for j, i in enumerate(sorted(range(m), key=lambda i: p_values[i])):
        running = max(running, min(1.0, (m - j) * p_values[i]))
        adjusted[i] = running
    return adjusted


def effect(a, b):
    d = [y - x for x, y in zip(a, b)]
    n = len(d)
    wins = sum(1 for x in d if x > 0)
    losses = sum(1 for x in d if x < 0)
    size = None
    if n >= 2 and any(x != d[0] for x in d):
        m = sum(d) / n
        size = m / math.sqrt(sum((x - m) ** 2 for x in d) / (n - 1))
    return {"effectSize": size, "wins": wins, "ties": n - wins - losses, "losses": losses}


def system_figures(per_query, resampling):
    out = {}
    for source, metrics in ((ST, ST_METRICS), (TREC, TREC_MEASURES)):
        ids = list(per_query[source])
        cis = bootstrap([[per_query[source][q][m] for q in ids] for m in metrics], resampling)
        out[source] = dict(zip(metrics, cis))
    return out


def recompute(figures, runs, qrels):
    resampling = figures["method"]["resampling"]
    per_query = {role: evaluate(run, qrels) for role, run in runs.items()}
    result = {"systems": {}, "comparisons": {}, "perQuery": {}, "regressions": []}
    for role, scores in per_query.items():
        result["systems"][role] = system_figures(scores, resampling)
        result["perQuery"][role] = {
            q: {QUERY_FIGURES[ST]: scores[ST].get(q, {}).get(QUERY_FIGURES[ST]), QUERY_FIGURES[TREC]: v[QUERY_FIGURES[TREC]]}
            for q, v in scores[TREC].items()
        }
    if "compared" in per_query:
        base, other = per_query["base"], per_query["compared"]
        rows = []
        for source, metrics in ((ST, ST_METRICS), (TREC, TREC_MEASURES)):
            ids = list(base[source])
            a = [[base[source][q][m] for q in ids] for m in metrics]
            b = [[other[source][q][m] for q in ids] for m in metrics]
            diffs = [[y - x for x, y in zip(sa, sb)] for sa, sb in zip(a, b)]
            cis = bootstrap(diffs, resampling)
            ps = randomisation(diffs, resampling)
            for m, metric in enumerate(metrics):
                rows.append((source + " " + metric, cis[m], ps[m], effect(a[m], b[m])))
        adjusted = holm([p for _, _, p, _ in rows])
        for (key, ci, p, eff), p_holm in zip(rows, adjusted):
            result["comparisons"][key] = dict(
                difference=ci, p=p, pHolm=p_holm, significant=p_holm < SIGNIFICANCE_LEVEL, **eff
            )
        changes = [
            (q, other[ST][q]["ndcg@10"] - base[ST][q]["ndcg@10"]) for q in base[ST]
        ]
        worst = sorted((c for c in changes if c[1] < 0), key=lambda c: c[1])
        result["regressions"] = [q for q, _ in worst[:REGRESSIONS_LISTED]]
    return result, per_query


def compare(path, reported, recomputed, out):
    """Appends a line to out for every leaf where the two differ."""
    if isinstance(reported, dict) and isinstance(recomputed, dict):
        for key in list(reported) + [k for k in recomputed if k not in reported]:
            if key not in recomputed:
                out.append("%s: in the report, not recomputed" % " > ".join(path + [key]))
            elif key not in reported:
                out.append("%s: recomputed, missing from the report" % " > ".join(path + [key]))
            else:
                compare(path + [key], reported[key], recomputed[key], out)
    elif isinstance(reported, list) and isinstance(recomputed, list):
        if reported != recomputed:
            out.append("%s: report %s, recomputed %s" % (" > ".join(path), reported, recomputed))
    elif isinstance(reported, bool) or isinstance(recomputed, bool) or reported is None or recomputed is None:
        if reported != recomputed:
            out.append("%s: report %s, recomputed %s" % (" > ".join(path), reported, recomputed))
    elif isinstance(reported, (int, float)) and isinstance(recomputed, (int, float)):
        if not abs(reported - recomputed) <= TOLERANCE * max(1.0, abs(recomputed)):
            out.append("%s: report %.10g, recomputed %.10g" % (" > ".join(path), reported, recomputed))
    elif reported != recomputed:
        out.append("%s: report %r, recomputed %r" % (" > ".join(path), reported, recomputed))


def read_per_query(text):
    """per-query.tsv -> {role: {source: {qid: {metric: value}}}} (empty cells left out)."""
    lines = text.splitlines()
    header = lines[0].split("\t")
    table = {}
    for line in lines[1:]:
        cells = line.split("\t")
        role, qid = cells[0], cells[1]
        for name, cell in zip(header[2:], cells[2:]):
            if cell != "":
                source, metric = name.split(" ", 1)
                table.setdefault(role, {}).setdefault(source, {}).setdefault(qid, {})[metric] = float(cell)
    return table


def main():
    manifest = json.loads(read("manifest.json"))
    match = re.search(r'<script type="application/json" id="figures">(.*?)</script>', read(manifest["html"]), re.S)
    if not match:
        raise SystemExit("%s holds no figures (<script id=\"figures\">)" % manifest["html"])
    figures = json.loads(match.group(1))
    qrels = read_qrels(read(manifest["qrels"]))
    runs = {run["role"]: read_run(read(run["file"])) for run in manifest["runs"]}
    recomputed, per_query = recompute(figures, runs, qrels)
    mismatches = []
    for key in ("systems", "comparisons", "perQuery", "regressions"):
        compare([key], figures.get(key), recomputed[key], mismatches)
    for run in manifest["runs"]:
        means = {m: mean([v[m] for v in per_query[run["role"]][TREC].values()]) for m in TREC_MEASURES}
        compare(["manifest", run["file"], "trec"], run["trec"], means, mismatches)
    compare(["per-query", manifest["perQuery"]], read_per_query(read(manifest["perQuery"])), per_query, mismatches)
    if mismatches:
        for line in mismatches[:50]:
            print("mismatch: " + line)
        if len(mismatches) > 50:
            print("... and %d more mismatches" % (len(mismatches) - 50))
        return 1
    print("reproduced")
    return 0


if __name__ == "__main__":
    sys.exit(main())
`;
