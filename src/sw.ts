/// <reference lib="webworker" />
/**
 * The studio's service worker, for any static host:
 * 1. precaches the built app (Workbox, the list injected at build), so after one visit the studio
 *    starts with no network;
 * 2. adds COOP/COEP to the page and worker scripts it serves (the coi-serviceworker pattern), so
 *    the page is cross-origin isolated where the host sends no such headers, and the CSP, so the
 *    workers get the policy the page's meta tag gives the page.
 * Requests to other origins (Hub downloads) are left to the browser.
 */
import { clientsClaim, type WorkboxPlugin } from 'workbox-core';
import {
  addPlugins,
  cleanupOutdatedCaches,
  precacheAndRoute,
  type PrecacheEntry,
} from 'workbox-precaching';
import { registerRoute } from 'workbox-routing';
import { CacheFirst, NetworkOnly } from 'workbox-strategies';
import { contentSecurityPolicy, ISOLATION_HEADERS } from './lib/env/content-security-policy.ts';

declare let self: ServiceWorkerGlobalScope & { __WB_MANIFEST: (string | PrecacheEntry)[] };

const CSP = contentSecurityPolicy({ dev: false });

/** The response with the isolation and CSP headers; opaque responses cannot be rewritten. */
const isolate: WorkboxPlugin = {
  handlerWillRespond: async ({ response }) => {
    if (response.status === 0) return response;
    const headers = new Headers(response.headers);
    for (const [name, value] of Object.entries(ISOLATION_HEADERS)) headers.set(name, value);
    headers.set('Content-Security-Policy', CSP);
    return new Response(response.body, {
      status: response.status,
      statusText: response.statusText,
      headers,
    });
  },
};

self.skipWaiting();
clientsClaim();
cleanupOutdatedCaches();
addPlugins([isolate]);
precacheAndRoute(self.__WB_MANIFEST);
// A navigation the precache does not hold (another path, a query string) still gets the headers.
registerRoute(
  ({ request, url }) => request.mode === 'navigate' && url.origin === self.location.origin,
  new NetworkOnly({ plugins: [isolate] }),
);
// Built files left out of the precache for their size (onnxruntime's WebAssembly): kept on first use.
registerRoute(
  ({ url }) => url.origin === self.location.origin && url.pathname.endsWith('.wasm'),
  new CacheFirst({ cacheName: 'attune-large-assets', plugins: [isolate] }),
);
