import { Workbox } from 'workbox-window';
import { onDbNotice, type DbNotice } from '../store/db.ts';

/** Set before the one reload that puts the page under the service worker; cleared once isolated. */
const RELOAD_KEY = 'attune.isolation-reload';

/**
 * The app shell as the header reports it: whether the page is cross-origin isolated, whether the
 * service worker holds a copy of the studio (it starts without network) and whether this start
 * came from that copy because the server could not be reached; and what another tab's version of
 * Attune asks of this one (the database notices).
 */
class ShellState {
  isolated = $state(globalThis.crossOriginIsolated === true);
  /** The service worker controls the page: the studio's files are in this browser. */
  cached = $state(false);
  /** The server did not answer: this start came from the service worker's copy. */
  offline = $state(false);
  dbNotice = $state<DbNotice | null>(null);

  private readonly scriptUrl = `${import.meta.env.BASE_URL}sw.js`;

  constructor() {
    onDbNotice((notice) => void (this.dbNotice = notice));
  }

  /**
   * Registers the service worker (built apps only; the dev server sends the headers itself).
   * A page that is not isolated reloads once when the worker takes control, to be served with
   * its headers; the session flag stops a host that defeats it from reloading forever.
   */
  async start(): Promise<void> {
    if (import.meta.env.DEV || !('serviceWorker' in navigator)) return;
    if (this.isolated) sessionStorage.removeItem(RELOAD_KEY);
    const workbox = new Workbox(this.scriptUrl, { scope: import.meta.env.BASE_URL });
    workbox.addEventListener('controlling', () => {
      this.cached = true;
      this.isolateOnce();
    });
    await workbox.register();
    if (navigator.serviceWorker.controller) {
      this.cached = true;
      this.isolateOnce();
    }
    await this.checkServer();
    addEventListener('online', () => void this.checkServer());
    addEventListener('offline', () => void (this.offline = true));
  }

  private isolateOnce(): void {
    if (this.isolated || sessionStorage.getItem(RELOAD_KEY)) return;
    sessionStorage.setItem(RELOAD_KEY, '1');
    location.reload();
  }

  /**
   * Asks the server for the worker script's headers, past every cache (the service worker does
   * not serve it): a network error means the studio started from the browser's copy.
   */
  private async checkServer(): Promise<void> {
    try {
      await fetch(this.scriptUrl, { method: 'HEAD', cache: 'no-store' });
      this.offline = false;
    } catch {
      this.offline = true;
    }
  }
}

export const shell = new ShellState();
