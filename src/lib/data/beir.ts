/**
 * Parsers for a BEIR folder (Thakur et al. 2021; the layout `beir.datasets.data_loader`
 * reads): `corpus.jsonl` with `{"_id", "title", "text"}` per line, `queries.jsonl` with
 * `{"_id", "text"}`, and `qrels/<split>.tsv` with the header `query-id corpus-id score`. They
 * take file text, not paths, so the CLI and the browser share them.
 *
 * As in BEIR's evaluation (pytrec_eval), a qrels row is relevant when its score is above 0; the
 * split's queries are the queries that appear in its qrels, so a query whose rows are all 0
 * stays in the split with no relevant document (the metrics drop and count it). The scores
 * themselves are kept as graded judgements (0–3 in most BEIR sets) for trec_eval's graded nDCG.
 */

/** Where a BEIR file is wrong, with the 1-based line (and column when known). */
export class BeirFormatError extends Error {
  override name = 'BeirFormatError';
  constructor(
    readonly file: string,
    readonly line: number,
    readonly detail: string,
    readonly column?: number,
  ) {
    super(`${file}, line ${line}${column === undefined ? '' : `, column ${column}`}: ${detail}`);
  }
}

export interface BeirDocument {
  id: string;
  title: string;
  text: string;
}

export interface BeirQuery {
  id: string;
  text: string;
}

/** The text a document is embedded as: `title + " " + text` when it has a title, else `text`. */
export function documentText(doc: BeirDocument): string {
  return doc.title === '' ? doc.text : `${doc.title} ${doc.text}`;
}

/** Non-empty lines with their 1-based numbers; tolerates a BOM and CRLF line ends. */
function lines(text: string): { line: number; content: string }[] {
  return text
    .replace(/^\uFEFF/, '')
    .split('\n')
    .map((content, i) => ({ line: i + 1, content: content.replace(/\r$/, '') }))
    .filter(({ content }) => content.trim() !== '');
}

type JsonObject = Record<string, unknown>;

function parseObject(file: string, line: number, content: string): JsonObject {
  let value: unknown;
  try {
    value = JSON.parse(content);
  } catch (e) {
    // V8 names the offending character's offset: "... in JSON at position 12 ...".
    const position = /position (\d+)/.exec((e as Error).message);
    throw new BeirFormatError(
      file,
      line,
      `not valid JSON (${(e as Error).message}); each line must be one JSON object`,
      position ? Number(position[1]) + 1 : undefined,
    );
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new BeirFormatError(file, line, 'expected a JSON object such as {"_id": "d1", …}');
  }
  return value as JsonObject;
}

/** `_id` as a string: BEIR ids are strings, but an integer id is accepted as its decimal text. */
function idField(file: string, line: number, record: JsonObject): string {
  const id = record._id;
  if (typeof id === 'string' && id !== '') return id;
  if (typeof id === 'number' && Number.isInteger(id)) return String(id);
  throw new BeirFormatError(
    file,
    line,
    id === undefined
      ? 'missing "_id": every record needs a non-empty string id'
      : `"_id" must be a non-empty string, got ${JSON.stringify(id)}`,
  );
}

function stringField(
  file: string,
  line: number,
  record: JsonObject,
  name: string,
  optional = false,
): string {
  const value = record[name];
  if (typeof value === 'string') return value;
  if (value === undefined && optional) return '';
  throw new BeirFormatError(
    file,
    line,
    value === undefined
      ? `missing "${name}": expected a string`
      : `"${name}" must be a string, got ${JSON.stringify(value)}`,
  );
}

/** Each line of a JSONL file of records with unique `_id`s, made into a `T` by `build`. */
function recordsWithUniqueIds<T>(
  text: string,
  file: string,
  build: (id: string, record: JsonObject, line: number) => T,
): T[] {
  const seen = new Map<string, number>();
  return lines(text).map(({ line, content }) => {
    const record = parseObject(file, line, content);
    const id = idField(file, line, record);
    const first = seen.get(id);
    if (first !== undefined) {
      throw new BeirFormatError(file, line, `duplicate _id "${id}" (first on line ${first})`);
    }
    seen.set(id, line);
    return build(id, record, line);
  });
}

/** Parses `corpus.jsonl`; a missing `title` counts as empty. Ids must be unique. */
export function parseBeirCorpus(text: string, file = 'corpus.jsonl'): BeirDocument[] {
  return recordsWithUniqueIds(text, file, (id, record, line) => ({
    id,
    title: stringField(file, line, record, 'title', true),
    text: stringField(file, line, record, 'text'),
  }));
}

/** Parses `queries.jsonl`. Ids must be unique. */
export function parseBeirQueries(text: string, file = 'queries.jsonl'): BeirQuery[] {
  return recordsWithUniqueIds(text, file, (id, record, line) => ({
    id,
    text: stringField(file, line, record, 'text'),
  }));
}

export interface QrelsRow {
  queryId: string;
  docId: string;
  score: number;
  line: number;
}

const QRELS_HEADER = ['query-id', 'corpus-id', 'score'];
const EXPECTED_HEADER = `the header "${QRELS_HEADER.join('\\t')}" (tab-separated)`;

/**
 * Parses `qrels/<split>.tsv`: the header `query-id<TAB>corpus-id<TAB>score`, then one row per
 * judgement with an integer score.
 */
export function parseBeirQrels(text: string, file = 'qrels/test.tsv'): QrelsRow[] {
  const [header, ...rows] = lines(text);
  if (!header) throw new BeirFormatError(file, 1, `empty file: expected ${EXPECTED_HEADER}`);
  if (header.content.split('\t').join() !== QRELS_HEADER.join()) {
    throw new BeirFormatError(
      file,
      header.line,
      `expected ${EXPECTED_HEADER}, got "${header.content}"`,
    );
  }
  return rows.map(({ line, content }) => {
    const fields = content.split('\t');
    if (fields.length !== 3) {
      throw new BeirFormatError(
        file,
        line,
        `expected 3 tab-separated fields (query-id, corpus-id, score), got ${fields.length}`,
      );
    }
    const [queryId, docId, scoreText] = fields;
    if (queryId === '') throw new BeirFormatError(file, line, 'empty query-id', 1);
    if (docId === '') throw new BeirFormatError(file, line, 'empty corpus-id', queryId.length + 2);
    const score = Number(scoreText);
    if (scoreText.trim() === '' || !Number.isInteger(score)) {
      throw new BeirFormatError(
        file,
        line,
        `score must be an integer, got "${scoreText}"`,
        queryId.length + docId.length + 3,
      );
    }
    return { queryId, docId, score, line };
  });
}

/** One split of a BEIR folder, ready to embed and evaluate. */
export interface BeirSplit {
  corpus: BeirDocument[];
  /** The split's queries (those its qrels name), in `queries.jsonl` order. */
  queries: BeirQuery[];
  /** Query id → ids of its relevant documents (score > 0); every split query has an entry. */
  relevant: Map<string, Set<string>>;
  /** Query id → document id → grade, for every qrels row (grade 0 included), in qrels order. */
  judgements: Map<string, Map<string, number>>;
  /** Relevant ids the corpus lacks: counted in recall's denominator, as BEIR does, yet unfindable. */
  missingDocIds: string[];
}

/**
 * Joins parsed files into one split. A qrels row naming an unknown query is an error (BEIR's
 * loader fails on it too); one naming an unknown document is kept and listed in `missingDocIds`.
 * A repeated (query, document) row overrides the earlier one, as BEIR's loader does.
 */
export function beirSplit(
  corpus: BeirDocument[],
  queries: BeirQuery[],
  qrels: QrelsRow[],
  qrelsFile = 'qrels/test.tsv',
): BeirSplit {
  const queryIds = new Set(queries.map((q) => q.id));
  const docIds = new Set(corpus.map((d) => d.id));
  const judged = new Map<string, Map<string, number>>();
  for (const row of qrels) {
    if (!queryIds.has(row.queryId)) {
      throw new BeirFormatError(
        qrelsFile,
        row.line,
        `query-id "${row.queryId}" is not in queries.jsonl`,
        1,
      );
    }
    const scores = judged.get(row.queryId) ?? new Map<string, number>();
    scores.set(row.docId, row.score);
    judged.set(row.queryId, scores);
  }
  const relevant = new Map<string, Set<string>>();
  const missing = new Set<string>();
  for (const [queryId, scores] of judged) {
    const ids = new Set([...scores].filter(([, score]) => score > 0).map(([docId]) => docId));
    for (const id of ids) if (!docIds.has(id)) missing.add(id);
    relevant.set(queryId, ids);
  }
  return {
    corpus,
    queries: queries.filter((q) => judged.has(q.id)),
    relevant,
    judgements: judged,
    missingDocIds: [...missing],
  };
}
