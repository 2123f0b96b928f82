import { createReadStream, statSync } from 'node:fs';
import { join, normalize } from 'node:path';
import type { IncomingMessage, ServerResponse } from 'node:http';

type Next = (err?: unknown) => void;

/**
 * Serves `<dir>/<owner>/<name>/<file>` at `/<owner>/<name>/resolve/<rev>/<file>`, the Hub's
 * layout, with byte ranges so that an interrupted download can resume. Test support only.
 */
export function hubMirror(dir: string) {
  return (req: IncomingMessage, res: ServerResponse, next: Next): void => {
    const url = new URL(req.url ?? '/', 'http://local');
    const match = /^\/([^/]+)\/([^/]+)\/resolve\/[^/]+\/(.+)$/.exec(
      decodeURIComponent(url.pathname),
    );
    if (!match) return next();
    const [, owner, name, file] = match;
    const path = normalize(join(dir, owner, name, file));
    if (!path.startsWith(normalize(dir))) return next();
    let size: number;
    try {
      const stat = statSync(path);
      if (!stat.isFile()) throw new Error('not a file');
      size = stat.size;
    } catch {
      res.statusCode = 404;
      res.end('Entry not found');
      return;
    }
    res.setHeader('Accept-Ranges', 'bytes');
    res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
    const range = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '');
    if (range) {
      const start = Number(range[1]);
      const end = range[2] ? Number(range[2]) : size - 1;
      res.statusCode = 206;
      res.setHeader('Content-Range', `bytes ${start}-${end}/${size}`);
      res.setHeader('Content-Length', String(end - start + 1));
      createReadStream(path, { start, end }).pipe(res);
      return;
    }
    res.setHeader('Content-Length', String(size));
    createReadStream(path).pipe(res);
  };
}
