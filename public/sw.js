// Hearth service worker. The server stamps VERSION with the build's version and ASSETS with
// the build's (content-named) shell files, so every deploy precaches its own files in a new
// cache and the old cache, with the old files, is deleted.
const VERSION = "__HEARTH_BUILD__";
const CACHE = `hearth-shell-${VERSION}`;
const ASSETS = ["__HEARTH_ASSETS__"].filter((a) => a.startsWith("/"));
const SHELL = [
  "/offline.html",
  ...ASSETS,
  "/manifest.webmanifest",
  "/icons/icon-192.png",
  "/icons/icon-512.png",
];

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE).then((c) => c.addAll(SHELL)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys()
      .then((keys) => Promise.all(keys.filter((k) => k.startsWith("hearth-shell-") && k !== CACHE).map((k) => caches.delete(k))))
      .then(() => self.clients.claim())
  );
});

self.addEventListener("fetch", (event) => {
  const req = event.request;
  const url = new URL(req.url);
  // Only same-origin GETs; never server functions, health or metrics.
  if (req.method !== "GET" || url.origin !== self.location.origin) return;
  if (url.pathname.startsWith("/api/") || url.pathname === "/metrics" || url.pathname.endsWith("z")) return;
  if (req.mode === "navigate") {
    // Pages are always fresh from the network; the offline page when there is none.
    event.respondWith(fetch(req).catch(() => caches.match("/offline.html")));
    return;
  }
  if (ASSETS.includes(url.pathname)) {
    // This build's content-named files never change: from the cache, else the network.
    event.respondWith(caches.match(req).then((hit) => hit || fetch(req)));
    return;
  }
  if (url.pathname.startsWith("/pkg/") || url.pathname.startsWith("/icons/") || url.pathname === "/manifest.webmanifest") {
    // Other static files: network first, cache as the fallback.
    event.respondWith(
      fetch(req)
        .then((res) => {
          if (res.ok) {
            const copy = res.clone();
            caches.open(CACHE).then((c) => c.put(req, copy));
          }
          return res;
        })
        .catch(() => caches.match(req))
    );
  }
});
