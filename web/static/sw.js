// The contractors' pages without signal. A page of an order (a work-order email's link, or
// the console's own order) is kept each time it is opened online and served from this cache
// when the phone has no signal; the scripts and styles it needs are kept beside it. Reports
// and check-ins made offline are not this worker's: offline.js queues them in IndexedDB and
// sends them when the phone is online again.
"use strict";
var PAGES = "ww-pages-1", FILES = "ww-files-2";  // FILES renamed when the scripts change together: install fetches them all at once
var KEPT = ["/static/offline.js", "/static/checkin.js", "/static/vendor/jsQR.js", "/static/console.css"];

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(FILES).then(function (cache) { return cache.addAll(KEPT); }).then(function () {
    return self.skipWaiting();
  }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (names) {
    return Promise.all(names.filter(function (n) { return n !== PAGES && n !== FILES; }).map(function (n) {
      return caches.delete(n);
    }));
  }).then(function () { return self.clients.claim(); }));
});

function orderPage(url) {
  return /^\/wo\/[^/]+\/(acknowledge|done)$/.test(url.pathname) || /^\/my\/orders\/[^/]+$/.test(url.pathname);
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") return;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (url.pathname.startsWith("/static/")) {
    // The kept copy at once, refreshed from the network for next time.
    var fresh = caches.open(FILES).then(function (cache) {
      return fetch(request).then(function (response) {
        return response.ok ? cache.put(request, response.clone()).then(function () { return response; }) : response;
      });
    });
    event.waitUntil(fresh.catch(function () {}));
    event.respondWith(caches.match(request).then(function (kept) { return kept || fresh; }));
  } else if (request.mode === "navigate" && orderPage(url)) {
    // The network first (the order may have moved on); the page as last seen without it.
    // Kept before it is shown: a page on the screen is a page the phone has without signal.
    event.respondWith(fetch(request).then(function (response) {
      if (!response.ok) return response;
      var copy = response.clone();
      return caches.open(PAGES).then(function (cache) { return cache.put(request, copy); }).then(function () {
        return response;
      });
    }).catch(function () {
      return caches.open(PAGES).then(function (cache) { return cache.match(request); }).then(function (kept) {
        return kept || Response.error();
      });
    }));
  }
});
