/**
 * The kit's `report.html`: one self-contained page (no script, style sheet, font or image from
 * anywhere else; the charts are inline SVG) a reader can open offline. It shows the method, both
 * metric sets with their intervals, the paired tests with Holm-adjusted p-values, effect sizes
 * and wins/ties/losses, the biggest regressions and the per-query table, and it carries every
 * figure as JSON (`<script type="application/json" id="figures">`) for `reproduce.py` to check.
 * It holds ids and numbers only: no text of a query or a document.
 */
import { TREC_EVAL_ARGS } from '../trec.ts';
import { QUERY_FIGURES, SOURCES, type KitFigures, type Role } from './figures.ts';

const ROLE_NAMES: Record<Role, string> = { base: 'Base', compared: 'Compared' };

const escapeHtml = (text: string) =>
  text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );

const f4 = (x: number) => x.toFixed(4);
const signed = (x: number) => (x > 0 ? '+' : x < 0 ? '\u2212' : '') + Math.abs(x).toFixed(4);
const pText = (p: number) => (p < 0.001 ? '&lt; 0.001' : p.toFixed(3));
const ci = (c: { mean: number; lower: number; upper: number }, f = f4) =>
  `${f(c.mean)} [${f(c.lower)}, ${f(c.upper)}]`;

const STYLE = `body{font:15px/1.5 system-ui,sans-serif;margin:2rem auto;max-width:68rem;padding:0 1rem;color:#1b1f24}
table{border-collapse:collapse;margin:0.5rem 0 1.5rem}th,td{padding:0.25rem 0.6rem;border-bottom:1px solid #d0d7de;text-align:left}
td{font-variant-numeric:tabular-nums;white-space:nowrap}.better{color:#1d6b4f;font-weight:600}.worse{color:#a0271e;font-weight:600}
dt{font-weight:600}dd{margin:0 0 0.5rem 1rem}code{background:#f3f4f6;padding:0 0.2rem}svg{max-width:100%}`;

function methodSection(f: KitFigures): string {
  const { dataset, models, resampling, depth } = f.method;
  const model = (m: KitFigures['method']['models'][number]) =>
    `<dd>${ROLE_NAMES[m.role]}: <code>${escapeHtml(m.model)}</code>; weights SHA-256 <code>${m.weightsSha256 ?? 'not recorded'}</code></dd>`;
  return `<h2>Method</h2><dl>
<dt>Data</dt><dd><code>${escapeHtml(dataset.name)}</code>, split <code>${escapeHtml(dataset.split)}</code>; SHA-256 <code>${dataset.sha256 ?? 'not recorded'}</code>${dataset.splitSeed === null ? '' : `; held-out queries chosen with split seed ${dataset.splitSeed}`}</dd>
<dd>${dataset.documents} documents, ${dataset.queries} queries; ${dataset.evaluated} with a relevant document (${dataset.dropped.length} without one, dropped by sentence-transformers, kept at 0 by trec_eval)</dd>
<dt>Models</dt>${models.map(model).join('')}
<dt>Retrieval</dt><dd>Exact search of the whole corpus by cosine similarity; the top ${depth} documents per query are in the run files.</dd>
<dt>Metrics</dt><dd><b>sentence-transformers</b> (<code>InformationRetrievalEvaluator</code>): binary, grade ≥ 1 is relevant, ranked as the run's rank column says; queries without a relevant document dropped; MAP@k divides by min(k, relevant).</dd>
<dd><b>trec_eval 10.0</b>: graded; ranking re-sorted by score, ties by document id descending; nDCG uses the grade as gain and the ideal from every judged grade; every judged query counts; <code>trec_eval ${TREC_EVAL_ARGS.join(' ')} qrels.txt runs/…</code> prints the same means.</dd>
<dt>Statistics</dt><dd>Percentile bootstrap intervals (${Math.round(resampling.level * 100)}%) over queries, ${resampling.resamples} resamples, seed ${resampling.seed}; paired two-sided randomisation test with the same number of resamples and seed; p-values Holm-adjusted over every metric of the comparison, called significant below 0.05 adjusted; effect size Cohen's d<sub>z</sub> = mean(Δ) / sd(Δ).</dd>
<dt>Check</dt><dd><code>python3 reproduce.py</code> (Python 3 and numpy) recomputes every figure on this page from <code>qrels.txt</code> and the runs and prints <code>reproduced</code>.</dd>
</dl>`;
}

function metricsSection(f: KitFigures): string {
  const roles = (Object.keys(f.systems) as Role[]).filter((r) => f.systems[r]);
  const level = Math.round(f.method.resampling.level * 100);
  return SOURCES.map((source) => {
    const metrics = Object.keys(f.systems.base![source]);
    const head = roles.map((r) => `<th>${ROLE_NAMES[r]} [${level}% CI]</th>`).join('');
    const rows = metrics
      .map(
        (m) =>
          `<tr><th>${m}</th>${roles.map((r) => `<td>${ci(f.systems[r]![source][m])}</td>`).join('')}</tr>`,
      )
      .join('\n');
    return `<h3>${source === 'trec_eval' ? 'Graded: trec_eval 10.0' : 'Binary: sentence-transformers'}</h3>
<table aria-label="${source} metrics"><thead><tr><th>Metric</th>${head}</tr></thead><tbody>
${rows}</tbody></table>`;
  }).join('\n');
}

/** Δ of every comparison with its interval, on one axis through 0. */
function forestPlot(f: KitFigures): string {
  const entries = Object.entries(f.comparisons);
  const lo = Math.min(0, ...entries.map(([, c]) => c.difference.lower));
  const hi = Math.max(0, ...entries.map(([, c]) => c.difference.upper));
  const span = hi - lo || 1;
  const [left, width, rowH] = [230, 400, 18];
  const x = (v: number) => left + ((v - lo) / span) * width;
  const rows = entries
    .map(([key, c], i) => {
      const y = 20 + i * rowH;
      const colour = c.significant ? (c.difference.mean > 0 ? '#1d6b4f' : '#a0271e') : '#57606a';
      return `<text x="${left - 8}" y="${y + 4}" text-anchor="end" font-size="11">${escapeHtml(key)}</text><line x1="${x(c.difference.lower).toFixed(1)}" x2="${x(c.difference.upper).toFixed(1)}" y1="${y}" y2="${y}" stroke="${colour}" stroke-width="2"/><circle cx="${x(c.difference.mean).toFixed(1)}" cy="${y}" r="3.5" fill="${colour}"/>`;
    })
    .join('');
  const height = 30 + entries.length * rowH;
  return `<svg role="img" aria-label="Difference of every metric with its interval" width="${left + width + 20}" height="${height}" viewBox="0 0 ${left + width + 20} ${height}"><line x1="${x(0).toFixed(1)}" x2="${x(0).toFixed(1)}" y1="8" y2="${height - 8}" stroke="#8c959f" stroke-dasharray="3 3"/>${rows}<text x="${left}" y="${height - 2}" font-size="10">${signed(lo)}</text><text x="${left + width}" y="${height - 2}" font-size="10" text-anchor="end">${signed(hi)}</text></svg>`;
}

function testsSection(f: KitFigures): string {
  const entries = Object.entries(f.comparisons);
  if (entries.length === 0) return '';
  const level = Math.round(f.method.resampling.level * 100);
  const rows = entries
    .map(([key, c]) => {
      const [source, metric] = key.split(' ');
      const verdict = c.significant
        ? c.difference.mean > 0
          ? 'better'
          : 'worse'
        : 'no difference shown';
      const cls = c.significant ? ` class="${c.difference.mean > 0 ? 'better' : 'worse'}"` : '';
      return `<tr><td>${source}</td><th>${metric}</th><td>${ci(c.difference, signed)}</td><td>${pText(c.p)}</td><td>${pText(c.pHolm)}</td><td>${c.effectSize === null ? '—' : c.effectSize.toFixed(2)}</td><td>${c.wins} / ${c.ties} / ${c.losses}</td><td${cls}>${verdict}</td></tr>`;
    })
    .join('\n');
  return `<h2>Paired tests: compared against base</h2>
<p>${entries.length} p-values in one family, Holm-adjusted; a verdict uses the adjusted p-value.</p>
<table aria-label="Paired tests"><thead><tr><th>Source</th><th>Metric</th><th>Δ [${level}% CI]</th><th>p</th><th>p (Holm)</th><th>d<sub>z</sub></th><th>wins / ties / losses</th><th>verdict</th></tr></thead><tbody>
${rows}</tbody></table>
${forestPlot(f)}`;
}

/** Per-query nDCG@10 (sentence-transformers), base on x and compared on y. */
function scatter(f: KitFigures): string {
  const size = 260;
  const points = Object.entries(f.perQuery.base!)
    .filter(([, v]) => v[QUERY_FIGURES['sentence-transformers']] !== null)
    .map(([id, v]) => {
      const a = v['ndcg@10']!;
      const b = f.perQuery.compared![id]['ndcg@10']!;
      return `<circle cx="${(20 + a * size).toFixed(1)}" cy="${(10 + (1 - b) * size).toFixed(1)}" r="3" fill="#0969da" fill-opacity="0.5"><title>${escapeHtml(id)}</title></circle>`;
    })
    .join('');
  return `<svg role="img" aria-label="Per-query nDCG@10, base (x) against compared (y)" width="${size + 30}" height="${size + 30}" viewBox="0 0 ${size + 30} ${size + 30}"><rect x="20" y="10" width="${size}" height="${size}" fill="none" stroke="#d0d7de"/><line x1="20" y1="${10 + size}" x2="${20 + size}" y2="10" stroke="#8c959f" stroke-dasharray="3 3"/>${points}<text x="20" y="${size + 26}" font-size="10">base nDCG@10 →</text></svg>`;
}

function queriesSection(f: KitFigures): string {
  const compared = f.perQuery.compared;
  const value = (x: number | null | undefined) => (x === null || x === undefined ? '—' : f4(x));
  const rows = Object.entries(f.perQuery.base!)
    .map(([id, base]) => {
      const other = compared?.[id];
      const cells = [value(base['ndcg@10'])];
      if (other) {
        cells.push(value(other['ndcg@10']));
        const a = base['ndcg@10'];
        const b = other['ndcg@10'];
        cells.push(a === null || b === null ? '—' : signed(b - a));
      }
      cells.push(value(base.ndcg_cut_10));
      if (other)
        cells.push(value(other.ndcg_cut_10), signed(other.ndcg_cut_10! - base.ndcg_cut_10!));
      return `<tr><th>${escapeHtml(id)}</th>${cells.map((c) => `<td>${c}</td>`).join('')}</tr>`;
    })
    .join('\n');
  const head = compared
    ? '<th>base nDCG@10</th><th>compared nDCG@10</th><th>change</th><th>base ndcg_cut_10</th><th>compared ndcg_cut_10</th><th>change</th>'
    : '<th>nDCG@10</th><th>ndcg_cut_10</th>';
  const regressions = compared
    ? `<h2>Biggest regressions</h2>${
        f.regressions.length === 0
          ? '<p>No query lost nDCG@10.</p>'
          : `<ol>${f.regressions
              .map((id) => {
                const a = f.perQuery.base![id]['ndcg@10']!;
                const b = compared[id]['ndcg@10']!;
                return `<li><code>${escapeHtml(id)}</code>: nDCG@10 ${f4(a)} → ${f4(b)} (${signed(b - a)})</li>`;
              })
              .join('')}</ol>`
      }${scatter(f)}`
    : '';
  return `${regressions}<h2>Per query</h2>
<p>nDCG@10 of sentence-transformers (— where it dropped the query) and trec_eval's graded ndcg_cut_10. All metrics of every query are in <code>per-query.tsv</code>.</p>
<table aria-label="Per-query results"><thead><tr><th>Query</th>${head}</tr></thead><tbody>
${rows}</tbody></table>`;
}

/** The figures as JSON safe inside a script element (no `</script>` can close it early). */
function embedded(f: KitFigures): string {
  return JSON.stringify(f).replace(/</g, '\\u003c');
}

export function reportHtml(f: KitFigures): string {
  const title = `Retrieval evaluation on ${escapeHtml(f.method.dataset.name)}`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${title}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>${STYLE}</style></head>
<body><h1>${title}</h1>
<p>Written by Attune on ${escapeHtml(f.method.created)}.</p>
${methodSection(f)}
<h2>Metrics</h2>
${metricsSection(f)}
${testsSection(f)}
${queriesSection(f)}
<script type="application/json" id="figures">${embedded(f)}</script>
</body></html>
`;
}
