/** Files that archivers and file browsers add beside the real ones (macOS forks, Finder, Explorer). */
const JUNK = /(^|\/)(__MACOSX\/|\.DS_Store$|Thumbs\.db$|desktop\.ini$)/;

export const isArchiverJunk = (path: string): boolean => JUNK.test(path);

/** A model folder's files by path relative to the folder, and the folder's own name. */
export interface ModelFolder<T> {
  /** The folders every file shared, now removed ("tiny-bert"); "" when the files sat at the top. */
  root: string;
  files: Map<string, T>;
}

/**
 * Paths relative to the model folder: a picked or dropped directory ("tiny-bert/config.json") or
 * a zip holding the folder ("export/tiny-bert/config.json") loses the folders that every file
 * shares. Backslashes become "/"; directories and archiver junk (`.DS_Store`, `__MACOSX/`) go.
 */
export function relativeToFolder<T>(files: Iterable<readonly [string, T]>): ModelFolder<T> {
  const entries = [...files]
    .map(([path, value]) => [path.replace(/\\/g, '/').replace(/^\/+/, ''), value] as const)
    .filter(([path]) => path !== '' && !path.endsWith('/') && !isArchiverJunk(path));
  let prefix = '';
  for (;;) {
    const head = entries[0]?.[0].slice(prefix.length).split('/');
    if (!head || head.length < 2) break;
    const next = `${prefix}${head[0]}/`;
    if (!entries.every(([path]) => path.startsWith(next))) break;
    prefix = next;
  }
  return {
    root: prefix.replace(/\/$/, ''),
    files: new Map(entries.map(([path, value]) => [path.slice(prefix.length), value])),
  };
}
