import { Random } from '../../../src/lib/util/random.ts';

/** A topic: the queries a person may type for it (in reformulation order) and its documents. */
export interface Topic {
  queries: string[];
  /** Document ids with their true relevance γ (the chance a reader who examines it clicks it). */
  docs: { id: string; relevance: number }[];
}

export interface SimulationOptions {
  seed: number;
  topics: Topic[];
  sessions: number;
  /** Results shown per list. */
  depth: number;
  /** True examination probability θ_k at position k (index k − 1). */
  examination: number[];
  /** Standard deviation of the ranker's noise on relevance: how much positions vary. */
  rankNoise: number;
  /** Chance that a session without a satisfied click goes on with the next query of its topic. */
  reformulate: number;
}

/** One row of the simulated log, as the CSV has it. */
export interface SimulatedRow {
  session_id: string;
  timestamp: string;
  query: string;
  doc_id: string;
  position: number;
  clicked: 0 | 1;
  dwell_ms: number | '';
}

/** Box–Muller: one standard normal draw from two uniform ones. */
function normal(r: Random): number {
  return Math.sqrt(-2 * Math.log(1 - r.next())) * Math.cos(2 * Math.PI * r.next());
}

const START = Date.UTC(2025, 0, 6, 9, 0, 0);

/**
 * A click log drawn from the position-based model with known θ: each session picks a topic and
 * issues its first query; the ranker orders the topic's documents by relevance plus noise (so a
 * document lands at different positions across lists); a row at position k is clicked with
 * probability θ_k·γ. A click on a relevant document is a satisfied click (dwell 40–160 s, and the
 * session ends); otherwise the reader bounces (dwell 2–20 s). A session with no satisfied click
 * reformulates with probability `reformulate`, 10–40 s after its list, while queries remain.
 */
export function simulateClickLog(options: SimulationOptions): SimulatedRow[] {
  const r = new Random(options.seed);
  const rows: SimulatedRow[] = [];
  for (let s = 0; s < options.sessions; s++) {
    const topic = options.topics[r.int(options.topics.length)];
    let time = START + s * 600_000 + r.int(300_000);
    for (let q = 0; q < topic.queries.length; q++) {
      const ranked = topic.docs
        .map((d) => ({ d, score: d.relevance + options.rankNoise * normal(r) }))
        .sort((a, b) => b.score - a.score)
        .slice(0, options.depth);
      let satisfied = false;
      ranked.forEach(({ d }, k) => {
        const clicked = r.next() < options.examination[k] * d.relevance;
        const good = clicked && r.next() < d.relevance;
        satisfied ||= good;
        rows.push({
          session_id: `s${String(s + 1).padStart(4, '0')}`,
          timestamp: new Date(time).toISOString(),
          query: topic.queries[q],
          doc_id: d.id,
          position: k + 1,
          clicked: clicked ? 1 : 0,
          dwell_ms: !clicked ? '' : good ? 40_000 + r.int(120_000) : 2_000 + r.int(18_000),
        });
      });
      if (satisfied || r.next() >= options.reformulate) break;
      time += 10_000 + r.int(30_000);
    }
  }
  return rows;
}

/** The rows as CSV with a header (no field needs quoting: ids and queries hold no commas). */
export function toCsv(rows: SimulatedRow[]): string {
  const header = ['session_id', 'timestamp', 'query', 'doc_id', 'position', 'clicked', 'dwell_ms'];
  const lines = rows.map((row) =>
    header.map((k) => String(row[k as keyof SimulatedRow])).join(','),
  );
  return [header.join(','), ...lines].join('\n') + '\n';
}

/** Topics with synthetic ids and relevance spread over [0.05, 0.95]. */
export function syntheticTopics(seed: number, count: number, docsPerTopic: number): Topic[] {
  const r = new Random(seed);
  return Array.from({ length: count }, (_, t) => ({
    queries: [`topic ${t}`, `topic ${t} again`],
    docs: Array.from({ length: docsPerTopic }, (_, j) => ({
      id: `t${t}d${j}`,
      relevance: 0.05 + 0.9 * r.next(),
    })),
  }));
}
