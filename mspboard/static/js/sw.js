/* mspboard service worker: precached static files, the phone pages network-first with the
   last copy as a fallback. Served from /sw.js with CONFIG filled in by the server. */
"use strict";

const CONFIG = /*CONFIG*/{};
const VERSION = CONFIG.version || "dev";
const STATIC_CACHE = "mspboard-static-" + VERSION;
const PAGES_CACHE = "mspboard-pages-" + VERSION;
const PHONE_PREFIX = "/m/";

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches.open(STATIC_CACHE).then((cache) => cache.addAll(CONFIG.precache || []))
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

/* Fetch the tech's main pages into the cache so they can be read with no signal later. */
async function warmPages() {
  const cache = await caches.open(PAGES_CACHE);
  await Promise.all((CONFIG.pages || []).map(async (url) => {
    try {
      const response = await fetch(url, { credentials: "same-origin", redirect: "manual" });
      if (isCacheablePage(response)) await cache.put(url, response);
    } catch (_offline) { /* next time */ }
  }));
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
  if (response.status >= 500) {
    // The server (or a proxy in front of it) is down: what the tech last saw beats an error.
    return (await lastSeen(cache, key, request)) || response;
  }
  if (isCacheablePage(response) && !request.headers.get("HX-Request")) {
    await cache.put(key, response.clone());
  }
  return response;
}

async function lastSeen(cache, key, request) {
  const cached = await cache.match(key, { ignoreVary: true });
  if (cached) return markedAsCached(cached);
  const today = await cache.match(PHONE_PREFIX, { ignoreVary: true });
  if (today && request.mode === "navigate") return markedAsCached(today);
  return null;
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
  } else if ((CONFIG.precache || []).includes(url.pathname) || url.pathname === "/manifest.webmanifest") {
    event.respondWith(cacheFirst(request));
  }
});
