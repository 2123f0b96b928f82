import { DatasetError } from '../data/errors.ts';

/**
 * What a click-log column holds. One row is one document shown for one query:
 * - `query`: the query text;
 * - `docId` / `docText`: the document shown (an id to look up in a document table, its text, or both);
 * - `position`: where it was shown, 1-based;
 * - `clicked`: 0/1 (true/false, yes/no); without it every row is a click (a click-only log);
 * - `dwell`: milliseconds spent on the document after the click;
 * - `session`: the search session the query belongs to;
 * - `timestamp`: when the result list was shown (ISO 8601, or Unix time in seconds or ms).
 */
export type ClickRole =
  | 'query'
  | 'docId'
  | 'docText'
  | 'position'
  | 'clicked'
  | 'dwell'
  | 'session'
  | 'timestamp'
  | 'ignore';

/** Columns of a document table: an id and the text it stands for. */
export type DocumentRole = 'docId' | 'docText' | 'ignore';

export interface ClickMapping {
  /** Column names: the CSV/TSV header row, or the JSON Lines object keys. */
  header: string[];
  roles: ClickRole[];
}

export interface DocumentMapping {
  header: string[];
  roles: DocumentRole[];
}

/** Column index per role, -1 when the role is not mapped. */
export type ClickColumns = Record<Exclude<ClickRole, 'ignore'>, number>;

export const CLICK_ROLES: { value: ClickRole; label: string }[] = [
  { value: 'query', label: 'query' },
  { value: 'docId', label: 'document id' },
  { value: 'docText', label: 'document text' },
  { value: 'position', label: 'position (1-based)' },
  { value: 'clicked', label: 'clicked (0/1)' },
  { value: 'dwell', label: 'dwell time (ms)' },
  { value: 'session', label: 'session id' },
  { value: 'timestamp', label: 'timestamp' },
  { value: 'ignore', label: 'ignore' },
];

export const DOCUMENT_ROLES: { value: DocumentRole; label: string }[] = [
  { value: 'docId', label: 'document id' },
  { value: 'docText', label: 'document text' },
  { value: 'ignore', label: 'ignore' },
];

/** Header synonyms per role, best first; compared lower-cased with spaces and dashes as underscores. */
const CLICK_SYNONYMS: Record<Exclude<ClickRole, 'ignore'>, string[]> = {
  query: ['query', 'query_text', 'search_query', 'search', 'keywords', 'q'],
  docId: ['doc_id', 'docid', 'document_id', 'result_id', 'item_id', 'url', 'id'],
  docText: ['doc_text', 'document_text', 'document', 'text', 'passage', 'result_text', 'title'],
  position: ['position', 'rank', 'pos', 'result_position', 'item_rank'],
  clicked: ['clicked', 'click', 'is_click', 'is_clicked', 'clicks'],
  dwell: ['dwell_ms', 'dwell_time_ms', 'dwell', 'dwell_time', 'dwell_millis'],
  session: ['session_id', 'session', 'sid', 'search_session'],
  timestamp: ['timestamp', 'time', 'ts', 'query_time', 'datetime', 'date'],
};

const DOCUMENT_SYNONYMS: Record<Exclude<DocumentRole, 'ignore'>, string[]> = {
  docId: ['doc_id', 'docid', 'document_id', '_id', 'id', 'url'],
  docText: ['text', 'doc_text', 'document_text', 'document', 'passage', 'body', 'content', 'title'],
};

const normalise = (name: string) =>
  name
    .trim()
    .toLowerCase()
    .replace(/[\s-]+/g, '_');

/** Gives each role the column whose name is its best synonym; other columns are ignored. */
function detect<R extends string>(header: string[], synonyms: Record<string, string[]>): R[] {
  const names = header.map(normalise);
  const roles = names.map(() => 'ignore') as R[];
  for (const [role, list] of Object.entries(synonyms)) {
    let best = -1;
    let bestRank = Infinity;
    names.forEach((n, i) => {
      const rank = list.indexOf(n);
      if (rank !== -1 && rank < bestRank && roles[i] === 'ignore') {
        best = i;
        bestRank = rank;
      }
    });
    if (best !== -1) roles[best] = role as R;
  }
  return roles;
}

export function detectClickColumns(header: string[]): ClickMapping {
  return { header: [...header], roles: detect<ClickRole>(header, CLICK_SYNONYMS) };
}

export function detectDocumentColumns(header: string[]): DocumentMapping {
  return { header: [...header], roles: detect<DocumentRole>(header, DOCUMENT_SYNONYMS) };
}

const quoteList = (names: string[]) => names.map((n) => `"${n}"`).join(', ');

function countProblems(header: string[], roles: string[], unique: string[]): string[] {
  const problems: string[] = [];
  if (roles.length !== header.length) {
    problems.push(`the mapping gives ${roles.length} roles for ${header.length} columns`);
  }
  for (const role of unique) {
    if (roles.filter((r) => r === role).length > 1) problems.push(`more than one ${role} column`);
  }
  return problems;
}

/** What keeps a click-log mapping from being usable, in words; empty when it is fine. */
export function clickMappingProblems(mapping: ClickMapping): string[] {
  const { header, roles } = mapping;
  const has = (role: ClickRole) => roles.includes(role);
  const columns = `the columns are ${quoteList(header)}`;
  const problems: string[] = [];
  if (!has('query')) problems.push(`no query column (name one "query"); ${columns}`);
  if (!has('docId') && !has('docText')) {
    problems.push(`no document column: map a document id, a document text, or both; ${columns}`);
  }
  if (!has('position')) {
    problems.push(`no position column (name one "position" or "rank"); ${columns}`);
  }
  const unique = CLICK_ROLES.map((r) => r.value).filter((r) => r !== 'ignore');
  return [...problems, ...countProblems(header, roles, unique)];
}

/** What keeps a document-table mapping from being usable; empty when it is fine. */
export function documentMappingProblems(mapping: DocumentMapping): string[] {
  const { header, roles } = mapping;
  const columns = `the columns are ${quoteList(header)}`;
  const problems: string[] = [];
  if (!roles.includes('docId')) problems.push(`no document id column (name one "id"); ${columns}`);
  if (!roles.includes('docText')) problems.push(`no text column (name one "text"); ${columns}`);
  return [...problems, ...countProblems(header, roles, ['docId', 'docText'])];
}

/** Column indices of a usable mapping; a DatasetError naming the first problem otherwise. */
export function resolveClickColumns(mapping: ClickMapping, file: string): ClickColumns {
  const problems = clickMappingProblems(mapping);
  if (problems.length) throw new DatasetError('columns', file, problems[0]);
  const at = (role: ClickRole) => mapping.roles.indexOf(role);
  return {
    query: at('query'),
    docId: at('docId'),
    docText: at('docText'),
    position: at('position'),
    clicked: at('clicked'),
    dwell: at('dwell'),
    session: at('session'),
    timestamp: at('timestamp'),
  };
}
