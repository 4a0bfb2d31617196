/* mspboard service worker: precached static files, the phone pages network-first with the
   last copy as a fallback, and an honest "not available offline" page for a page it never
   kept. Served from /sw.js with CONFIG filled in by the server. The precached files are
   listed under their versioned addresses (?v=<hash>), the ones the pages use, so a deploy
   that changes one changes its address, the worker's version and so its cache name. */
"use strict";

const CONFIG = /*CONFIG*/{};
const VERSION = CONFIG.version || "dev";
const STATIC_CACHE = "mspboard-static-" + VERSION;
const PAGES_CACHE = "mspboard-pages-" + VERSION;
const PHONE_PREFIX = "/m/";

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches.open(STATIC_CACHE)
      .then((cache) => Promise.all([
        cache.addAll(CONFIG.precache || []),
        CONFIG.offlinePage && CONFIG.offlineHtml && cache.put(CONFIG.offlinePage, new Response(
          CONFIG.offlineHtml, { headers: { "Content-Type": "text/html; charset=utf-8" } })),
      ]))
      .then(() => self.skipWaiting())
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    const keep = new Set([STATIC_CACHE, PAGES_CACHE]);
    for (const name of await caches.keys()) {
      if (name.startsWith("mspboard-") && !keep.has(name)) await caches.delete(name);
    }
    await self.clients.claim();
    await warmPages();
  })());
});

/* Keep the pages the signed-in tech works with (the server lists them: the main pages, the
   SRs in the queue and the week, the entry form, recent entries' edit forms) so they open
   with no signal later. They come in one answer, each page as the tech would have fetched it,
   and are kept one cache entry each. Pages no longer listed go, so an old form is not served
   as current. */
async function warmPages() {
  let pages;
  try {
    const response = await fetch(CONFIG.pagesUrl, {
      credentials: "same-origin", redirect: "manual", headers: { Accept: "application/json" },
    });
    if (response.type === "opaqueredirect" || response.status === 401 || response.status === 403) {
      await caches.delete(PAGES_CACHE); // nobody is signed in: keep nobody's pages
      return;
    }
    if (!response.ok) return;
    pages = (await response.json()).pages || [];
  } catch (_offline) {
    return; // next time
  }
  const cache = await caches.open(PAGES_CACHE);
  const wanted = new Set(pages.map((page) => new URL(page.url, self.location.origin).href));
  for (const request of await cache.keys()) {
    if (!wanted.has(request.url)) await cache.delete(request);
  }
  await Promise.all(pages.map(async (page) => {
    const headers = { "Content-Type": "text/html; charset=utf-8" };
    const etag = await etagOf(page);
    if (etag) headers.ETag = etag;
    return cache.put(new URL(page.url, self.location.origin).href,
      new Response(page.body, { status: 200, headers }));
  }));
}

/* The page's tag as the server gave it; left out, it is the usual one: the SHA-1 of the body. */
async function etagOf(page) {
  if (page.etag !== undefined) return page.etag;
  const digest = await crypto.subtle.digest("SHA-1", new TextEncoder().encode(page.body));
  return '"' + Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("") + '"';
}

self.addEventListener("message", (event) => {
  if (event.data === "warm-pages") event.waitUntil(warmPages());
});

function isCacheablePage(response) {
  return response && response.ok && response.type === "basic" && !response.redirected &&
    (response.headers.get("Content-Type") || "").startsWith("text/html");
}

function isPhonePage(request, url) {
  return request.method === "GET" && url.origin === self.location.origin &&
    url.pathname.startsWith(PHONE_PREFIX) && request.headers.get("Accept") !== "application/json" &&
    !url.pathname.startsWith(PHONE_PREFIX + "csrf");
}

/* Mark a cached copy so the page can say it is showing what it last saw. */
async function markedAsCached(response) {
  const html = await response.text();
  const headers = new Headers(response.headers);
  headers.set("X-Served-From", "cache");
  return new Response(html.replace('data-served="network"', 'data-served="cache"'), {
    status: 200, headers,
  });
}

async function networkFirst(request) {
  const cache = await caches.open(PAGES_CACHE);
  const key = request.url.split("#")[0];
  let response;
  try {
    response = await fetch(request);
  } catch (offline) {
    return (await lastSeen(cache, key, request)) || Promise.reject(offline);
  }
  if (response.type === "opaqueredirect" || (response.redirected && isLogin(response.url))) {
    // The session is gone: the pages kept for that person must not be shown to the next one.
    await caches.delete(PAGES_CACHE);
    return response;
  }
  if (response.status >= 500) {
    // The server (or a proxy in front of it) is down: what the tech last saw beats an error.
    return (await lastSeen(cache, key, request)) || response;
  }
  if (isCacheablePage(response) && !request.headers.get("HX-Request")) {
    await cache.put(key, response.clone());
  }
  return response;
}

function isLogin(url) {
  return !!CONFIG.loginPath && new URL(url).pathname === CONFIG.loginPath;
}

/* The copy kept of this page; for a page never kept, the page that says so (never another
   page at this address). */
async function lastSeen(cache, key, request) {
  const cached = await cache.match(key, { ignoreVary: true });
  if (cached) return markedAsCached(cached);
  if (request.mode !== "navigate" || !CONFIG.offlinePage) return null;
  const notKept = await caches.match(CONFIG.offlinePage);
  if (!notKept) return null;
  return new Response(await notKept.text(), {
    status: 503, headers: { "Content-Type": "text/html; charset=utf-8", "X-Served-From": "cache" },
  });
}

async function cacheFirst(request) {
  const cached = await caches.match(request, { ignoreSearch: false });
  return cached || fetch(request);
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin || request.method !== "GET") return;
  if (isPhonePage(request, url)) {
    event.respondWith(networkFirst(request));
  } else if ((CONFIG.precache || []).includes(url.pathname + url.search) ||
             url.pathname === "/manifest.webmanifest") {
    event.respondWith(cacheFirst(request));
  }
});
