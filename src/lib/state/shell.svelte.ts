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
  /** The server did not answer the service worker's update check. */
  offline = $state(false);
  dbNotice = $state<DbNotice | null>(null);

  private registration: ServiceWorkerRegistration | undefined;

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
    const workbox = new Workbox(`${import.meta.env.BASE_URL}sw.js`, {
      scope: import.meta.env.BASE_URL,
    });
    workbox.addEventListener('controlling', () => {
      this.cached = true;
      this.isolateOnce();
    });
    this.registration = await workbox.register();
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

  /** The update check fetches the worker script from the server: it fails when the server is gone. */
  private async checkServer(): Promise<void> {
    try {
      await this.registration?.update();
      this.offline = false;
    } catch {
      this.offline = true;
    }
  }
}

export const shell = new ShellState();
