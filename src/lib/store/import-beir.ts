import {
  BeirFormatError,
  beirSplit,
  documentText,
  parseBeirCorpus,
  parseBeirQrels,
  parseBeirQueries,
} from '../data/beir.ts';
import type { TrainingPair } from '../data/pairs.ts';
import { Sha256 } from '../data/sha256.ts';
import { datasetRecord } from './dataset-record.ts';
import { DatasetImport } from './datasets.ts';
import type { Db } from './db.ts';
import { NOTHING_SAVED, refusalOf, type ImportHooks, type ImportOutcome } from './imports.ts';

/** A file of a dropped or chosen folder, by its path inside the folder ("scifact/qrels/test.tsv"). */
export interface FolderFile {
  path: string;
  file: Blob;
}

const QRELS = /(?:^|\/)qrels\/([^/]+)\.tsv$/;
/** The split to evaluate on when a folder has several: BEIR reports its test split. */
const SPLIT_PREFERENCE = ['test', 'dev', 'validation', 'val', 'train'];

/** The least nested file called `name`. */
function findFile(files: FolderFile[], name: string): FolderFile | undefined {
  const depth = (f: FolderFile) => f.path.split('/').length;
  return files
    .filter((f) => f.path === name || f.path.endsWith(`/${name}`))
    .sort((a, b) => depth(a) - depth(b))[0];
}

function chooseQrels(files: FolderFile[]): { split: string; file: FolderFile } | undefined {
  const found = files.flatMap((file) => {
    const m = QRELS.exec(file.path);
    return m ? [{ split: m[1], file }] : [];
  });
  const rank = (split: string) => {
    const i = SPLIT_PREFERENCE.indexOf(split);
    return i === -1 ? SPLIT_PREFERENCE.length : i;
  };
  return found.sort((a, b) => rank(a.split) - rank(b.split) || a.split.localeCompare(b.split))[0];
}

const refuse = (message: string): ImportOutcome => ({
  ok: false,
  refusal: { code: 'beir', message: `${message}. ${NOTHING_SAVED}` },
  report: null,
});

/**
 * Imports a BEIR folder (corpus.jsonl, queries.jsonl, qrels/<split>.tsv) as an evaluation set:
 * a `kind: 'beir'` dataset whose pairs are the relevant (query, document) judgements, for the
 * preview, and an EvalSetRecord with the corpus, the split's queries and the judgements. The
 * test split is used when there are several. Atomic, as `importPairs`.
 */
export async function importBeir(
  db: Db,
  folder: string,
  files: FolderFile[],
  hooks: ImportHooks = {},
): Promise<ImportOutcome> {
  const { signal, onProgress } = hooks;
  const corpusFile = findFile(files, 'corpus.jsonl');
  const queriesFile = findFile(files, 'queries.jsonl');
  const qrels = chooseQrels(files);
  const lacking = [
    corpusFile ? null : 'corpus.jsonl',
    queriesFile ? null : 'queries.jsonl',
    qrels ? null : 'qrels/test.tsv (or another qrels/<split>.tsv)',
  ].filter((x) => x !== null);
  if (!corpusFile || !queriesFile || !qrels) {
    return refuse(
      `"${folder}" is not a BEIR folder: it has no ${lacking.join(', no ')}; a BEIR folder holds corpus.jsonl, queries.jsonl and qrels/test.tsv`,
    );
  }

  const started = performance.now();
  const totalBytes = corpusFile.file.size + queriesFile.file.size + qrels.file.file.size;
  const hash = new Sha256();
  const decoder = new TextDecoder('utf-8');
  let read = 0;
  const readText = async (f: FolderFile) => {
    const bytes = new Uint8Array(await f.file.arrayBuffer());
    hash.update(bytes);
    read += bytes.length;
    onProgress?.({
      bytes: read,
      totalBytes,
      rows: 0,
      accepted: 0,
      rejected: 0,
      duplicates: 0,
      seconds: (performance.now() - started) / 1000,
    });
    signal?.throwIfAborted();
    return decoder.decode(bytes);
  };

  let job: DatasetImport | null = null;
  try {
    const qrelsName = `qrels/${qrels.split}.tsv`;
    const corpus = parseBeirCorpus(await readText(corpusFile));
    const queries = parseBeirQueries(await readText(queriesFile));
    const split = beirSplit(
      corpus,
      queries,
      parseBeirQrels(await readText(qrels.file), qrelsName),
      qrelsName,
    );

    const docs = new Map(corpus.map((d) => [d.id, documentText(d)]));
    const queryText = new Map(split.queries.map((q) => [q.id, q.text]));
    const judgements: [string, string][] = [];
    const pairs: TrainingPair[] = [];
    for (const [queryId, ids] of split.relevant) {
      for (const docId of ids) {
        judgements.push([queryId, docId]);
        const positive = docs.get(docId);
        if (positive !== undefined) {
          pairs.push({ query: queryText.get(queryId)!, positive, negatives: [] });
        }
      }
    }

    job = await DatasetImport.begin(
      db,
      datasetRecord({
        id: crypto.randomUUID(),
        name: folder,
        source: { fileName: `${folder}/`, size: totalBytes, sha256: hash.hex() },
        created: Date.now(),
        columns: { query: 'query', positive: 'document', negatives: [] },
        counts: { pairs: pairs.length, warnings: split.missingDocIds.length },
        kind: 'beir',
      }),
    );
    await job.add(pairs);
    await db.put('evalSets', {
      datasetId: job.record.id,
      corpus: corpus.map((d) => ({ id: d.id, text: docs.get(d.id)! })),
      queries: split.queries,
      qrels: judgements,
      judgements: [...split.judgements].flatMap(([queryId, grades]) =>
        [...grades].map(([docId, grade]): [string, string, number] => [queryId, docId, grade]),
      ),
    });
    signal?.throwIfAborted();
    const dataset = await job.commit();
    return {
      ok: true,
      dataset,
      report: null,
      beir: {
        split: qrels.split,
        documents: corpus.length,
        queries: split.queries.length,
        judgements: judgements.length,
        missingDocuments: split.missingDocIds.length,
      },
    };
  } catch (e) {
    await job?.abort().catch(() => undefined);
    if (e instanceof BeirFormatError) return refuse(`${folder}/${e.message}`);
    return refusalOf(e, `${folder}/`, signal);
  }
}
