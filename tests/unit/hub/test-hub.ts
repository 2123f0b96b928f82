import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import type { CacheLike, CacheStorageLike } from '../../../src/lib/hub/cache.ts';
import { hubMirror } from '../../support/hub-mirror.ts';

/** The Hub-layout fixture folder: `<owner>/<name>/<file>`. */
export const HUB_FIXTURES = resolve(import.meta.dirname, '../../fixtures/hub');

export interface SeenRequest {
  /** Path after the host, e.g. `/owner/name/resolve/main/config.json`. */
  path: string;
  range: string | null;
  /** The status the server set for it (read live: a test may look before the body ends). */
  readonly status: number;
}

/** How the next response for one file misbehaves, to test progress, cancel and resume. */
export interface Misbehaviour {
  /** Wait this long before answering at all. */
  waitMs?: number;
  /** Send the body in pieces of this many bytes … */
  piece?: number;
  /** … waiting this long between them. */
  delayMs?: number;
  /** Drop the connection after this many body bytes. */
  cutAfter?: number;
  /** Answer a Range request with the whole file (200), as a server without range support does. */
  ignoreRange?: boolean;
  /** Answer with this status and headers instead of the file. */
  status?: number;
  headers?: Record<string, string>;
}

export interface TestHub {
  host: string;
  requests: SeenRequest[];
  /** The next request whose path ends with `/${file}` misbehaves as told; later ones are served plainly. */
  misbehaveNext(file: string, how: Misbehaviour): void;
  close(): Promise<void>;
}

/** A real HTTP server over the fixtures through `hubMirror`, which counts and can disturb requests. */
export async function startTestHub(): Promise<TestHub> {
  const mirror = hubMirror(HUB_FIXTURES);
  const requests: SeenRequest[] = [];
  const rules: [string, Misbehaviour][] = [];
  const server = createServer(async (req, res) => {
    const seen: SeenRequest = {
      path: req.url ?? '',
      range: req.headers.range ?? null,
      get status() {
        return res.statusCode;
      },
    };
    requests.push(seen);
    const index = rules.findIndex(([file]) => seen.path.endsWith(`/${file}`));
    const how = index >= 0 ? rules.splice(index, 1)[0][1] : {};
    if (how.waitMs) await new Promise((wait) => setTimeout(wait, how.waitMs));
    if (how.status) {
      res.writeHead(how.status, how.headers);
      res.end();
      return;
    }
    if (how.ignoreRange) delete req.headers.range;
    if (how.piece || how.cutAfter !== undefined) shapeBody(res, how);
    mirror(req, res, () => {
      res.statusCode = 404;
      res.end();
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  return {
    host: `http://127.0.0.1:${port}`,
    requests,
    misbehaveNext: (file, how) => void rules.push([file, how]),
    close: () =>
      new Promise((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}

/**
 * Re-times the body `hubMirror` pipes into `res`: each write is queued and sent in pieces with
 * pauses, and the socket is destroyed once `cutAfter` bytes are out. `write` reports back-pressure
 * (returns false) and 'drain' fires when the queue is empty, so the file stream waits for us.
 */
function shapeBody(res: ServerResponse<IncomingMessage>, how: Misbehaviour): void {
  const write = res.write.bind(res) as (chunk: Uint8Array, done: () => void) => boolean;
  const end = res.end.bind(res) as () => void;
  const piece = how.piece ?? Infinity;
  let sent = 0;
  let queue = Promise.resolve();
  const send = async (chunk: Uint8Array) => {
    for (let at = 0; at < chunk.byteLength && !res.destroyed; at += piece) {
      let part = chunk.subarray(at, Math.min(at + piece, chunk.byteLength));
      const cut = how.cutAfter !== undefined && sent + part.byteLength >= how.cutAfter;
      if (cut) part = part.subarray(0, how.cutAfter! - sent);
      await new Promise<void>((flushed) => write(part, flushed));
      sent += part.byteLength;
      if (cut) {
        res.destroy();
        return;
      }
      if (how.delayMs) await new Promise((wait) => setTimeout(wait, how.delayMs));
    }
  };
  // A client that cancels hangs up mid-body; that is the point of these tests, not an error.
  res.on('error', () => {});
  res.write = ((chunk: Uint8Array) => {
    queue = queue.then(() => send(chunk)).then(() => void res.emit('drain'));
    return false;
  }) as typeof res.write;
  res.end = ((chunk?: string | Uint8Array) => {
    if (chunk !== undefined) res.write(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
    queue = queue.then(() => void (res.destroyed || end()));
    return res;
  }) as typeof res.end;
}

/** Cache Storage as browsers keep it (name → URL → Response), in memory, built on real Responses. */
export class MemoryCacheStorage implements CacheStorageLike {
  readonly stores = new Map<string, Map<string, { body: ArrayBuffer; init: ResponseInit }>>();

  async open(name: string): Promise<CacheLike> {
    let store = this.stores.get(name);
    if (!store) this.stores.set(name, (store = new Map()));
    const entries = store;
    return {
      match: async (url) => {
        const entry = entries.get(url);
        return entry && new Response(entry.body.slice(0), entry.init);
      },
      put: async (url, response) => {
        const init = { status: response.status, headers: [...response.headers] };
        entries.set(url, { body: await response.arrayBuffer(), init });
      },
    };
  }
}
