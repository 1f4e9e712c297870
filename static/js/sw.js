// Service worker, served at /sw.js (root scope) with VERSION and SHELL (the app shell's current
// hashed URLs and /offline) prepended by the server. Plain JavaScript, no framework.
// - App shell: precached at install, served cache-first (hashed URLs never change).
// - Lessons, quizzes, course pages and resources the learner opened: network first, the last
//   copy kept for offline reading.
// - Other pages: network first, the French "Vous êtes hors connexion" page when it fails.
// - Never: anything but GET, /admin, /payments, streams (SSE), sockets, partial (Range) requests.
/* global VERSION, SHELL */
'use strict';
var STATIC = 'tlj-static';
var PAGES = 'tlj-pages';
var KEEP = /^\/courses\/[^/]+(\/(lessons|quizzes|resources)\/\d+)?$/;
var NEVER = /^\/(admin|payments|notifications\/stream|chat|live|sw\.js)(\/|$)|\/stream$/;

self.addEventListener('install', function (ev) {
  ev.waitUntil(caches.open(STATIC).then(function (c) {
    return c.addAll(SHELL.map(function (u) { return new Request(u, { cache: 'reload' }); }));
  }).then(function () { return self.skipWaiting(); }));
});

self.addEventListener('activate', function (ev) {
  // Older shells stay (pages kept offline name their files) unless the cache grows too big.
  ev.waitUntil(caches.open(STATIC).then(function (c) {
    return c.keys().then(function (keys) {
      if (keys.length <= 40) return;
      return Promise.all(keys.map(function (r) {
        var p = new URL(r.url).pathname;
        return SHELL.indexOf(p) < 0 ? c.delete(r) : null;
      }));
    });
  }).then(function () { return self.clients.claim(); }));
});

// Puts in progress, by path: a page asking "are you kept?" waits for them instead of refetching.
var pending = {};

function keep(path, res) {
  if (!res || res.status !== 200 || res.type !== 'basic') return Promise.resolve(false);
  var done = caches.open(PAGES)
    .then(function (c) { return c.put(path, res); })
    .then(function () { return true; }, function () { return false; });
  pending[path] = done;
  return done.then(function (ok) { delete pending[path]; return ok; });
}

function offlinePage() {
  return caches.match('/offline').then(function (r) {
    return r || new Response('Vous êtes hors connexion.', {
      status: 503, headers: { 'Content-Type': 'text/plain; charset=utf-8' },
    });
  });
}

self.addEventListener('fetch', function (ev) {
  var req = ev.request;
  var url = new URL(req.url);
  if (url.origin !== self.location.origin) return;
  var path = url.pathname;
  if (req.method !== 'GET') {
    // Signing out: the pages kept for this learner must not stay on the phone.
    if (req.method === 'POST' && path === '/logout') ev.waitUntil(caches.delete(PAGES));
    return;
  }
  var navigate = req.mode === 'navigate';
  // Nothing of these is ever kept; a page of them opened offline still gets the offline page.
  if ((NEVER.test(path) && !navigate) || req.headers.has('range') ||
      (req.headers.get('accept') || '').indexOf('text/event-stream') >= 0) return;
  if (path.indexOf('/static/') === 0) {
    ev.respondWith(caches.match(req, { ignoreVary: true }).then(function (hit) { return hit || fetch(req); }));
    return;
  }
  // htmx fragments (hx-get on part of a page) are not pages: only full pages are kept.
  var fragment = req.headers.get('hx-request') === 'true' && req.headers.get('hx-boosted') !== 'true';
  var kept = KEEP.test(path) && !url.search && !fragment;
  if (!kept && !navigate) return;
  ev.respondWith(fetch(req).then(function (res) {
    if (kept) ev.waitUntil(keep(path, res.clone()));
    return res;
  }, function (err) {
    var look = kept ? caches.match(path, { cacheName: PAGES, ignoreVary: true }) : Promise.resolve(null);
    return look.then(function (hit) {
      if (hit) return hit;
      if (navigate) return offlinePage();
      throw err;
    });
  }));
});

// A page asks whether its URL is kept for offline reading (and to keep it if not yet: the first
// page a visitor opens is fetched before this worker controls it). Answer: {kept: path, ok}.
self.addEventListener('message', function (ev) {
  var path = ev.data && ev.data.keep;
  if (typeof path !== 'string' || !KEEP.test(path) || !ev.source) return;
  var answer = function (ok) { ev.source.postMessage({ kept: path, ok: ok }); };
  ev.waitUntil((pending[path] || Promise.resolve(false)).then(function () {
    return caches.match(path, { cacheName: PAGES, ignoreVary: true });
  }).then(function (hit) {
    if (hit) return true;
    return fetch(path, { credentials: 'same-origin' }).then(function (res) { return keep(path, res); }, function () { return false; });
  }).then(answer));
});
