import type { ModelFileCache } from './cache.ts';
import { hubFileUrl } from './url.ts';

/**
 * The cache holds files, not 404s, so without a note of which optional files a revision lacks,
 * every load would ask for them again. The note sits in the same cache under a path no Hub
 * client requests: `<host>/<repo>/resolve/<revision>/.attune/absent.json`, `{"absent": [...]}`.
 */
const ABSENT_NOTE = '.attune/absent.json';

export async function readAbsent(
  cache: ModelFileCache,
  host: string,
  repo: string,
  revision: string,
): Promise<Set<string>> {
  const bytes = await cache.match(hubFileUrl(host, repo, revision, ABSENT_NOTE));
  if (!bytes) return new Set();
  try {
    const note = JSON.parse(new TextDecoder().decode(bytes)) as { absent?: unknown };
    return new Set(Array.isArray(note.absent) ? note.absent.map(String) : []);
  } catch {
    // A note we cannot read only costs requests: the files are asked for again.
    return new Set();
  }
}

export async function writeAbsent(
  cache: ModelFileCache,
  host: string,
  repo: string,
  revision: string,
  absent: ReadonlySet<string>,
): Promise<void> {
  const note = JSON.stringify({ absent: [...absent].sort() });
  await cache.put(hubFileUrl(host, repo, revision, ABSENT_NOTE), new TextEncoder().encode(note));
}
