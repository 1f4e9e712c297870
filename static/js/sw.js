// Service worker, served at /sw.js (root scope) with VERSION and SHELL (the app shell's current
// hashed URLs and /offline) prepended by the server. Plain JavaScript, no framework.
// - App shell: never downloaded twice. At install, a file already kept (an earlier release with
//   the same hashed name) stays; one the page just loaded is copied from the browser's HTTP cache
//   (`only-if-cached`: nothing on the wire); on a first visit the rest (and every other hashed
//   file) is kept as the pages load it (cache as you go). On a new release, only the files whose
//   name changed are fetched, and /offline (it names the new files). Served cache-first (hashed
//   URLs never change).
// - Lessons, quizzes, course pages and resources the learner opened: network first, the last
//   copy kept for offline reading. The first page of a visit, loaded before this worker, is not
//   fetched again: the page sends its own HTML.
// - Other pages: network first, the French "Vous êtes hors connexion" page when it fails.
// - Never: anything but GET, /admin, /payments, streams (SSE), sockets, partial (Range) requests.
// - Whole courses (packs, asked by static/js/offline.js): every page and chosen resource of a
//   course, fetched one by one into the same cache, the progress kept in PACKS so that it
//   survives a page change and resumes when a page says the connection is back.
// - Signing out drops both caches: nothing of one learner stays for the next on a shared phone.
/* global VERSION, SHELL */
'use strict';
var STATIC = 'tlj-static';
var PAGES = 'tlj-pages';
var PACKS = 'tlj-packs';
var KEEP = /^\/courses\/[^/]+(\/(lessons|quizzes|resources)\/\d+)?$|^\/offline\/courses$/;
var NEVER = /^\/(admin|payments|notifications\/stream|chat|live|sw\.js)(\/|$)|\/stream$/;
// A content-hashed (immutable) static file: /static/js/app.1a2b3c4d5e.js
var HASHED = /^\/static\/.+\.[0-9a-f]{10}(\.[a-z0-9]+)?$/;

function fetchOk(req) {
  return fetch(req).then(function (res) {
    if (!res.ok) throw new Error('HTTP ' + res.status);
    return res;
  });
}

self.addEventListener('install', function (ev) {
  // An update (a worker is already active): this visitor had the earlier release's files.
  var update = !!self.registration.active;
  ev.waitUntil(caches.open(STATIC).then(function (c) {
    return Promise.all(SHELL.map(function (u) {
      var hashed = u !== '/offline';
      return (hashed ? c.match(u) : Promise.resolve(null)).then(function (hit) {
        if (hit) return null;
        var copy = hashed ? fetchOk(new Request(u, { cache: 'only-if-cached', mode: 'same-origin' })) : Promise.reject(0);
        return copy.catch(function () {
          // Not loaded by the page: the offline page always (a few KB), the files on an update.
          if (hashed && !update) return null;
          // The offline page is fetched signed out: no one's name stays in it on a shared phone.
          return fetchOk(hashed ? new Request(u) : new Request(u, { cache: 'no-store', credentials: 'omit' }));
        }).then(function (res) { return res && c.put(u, res); });
      }).catch(function () { /* kept later, as pages load it */ });
    }));
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
  if (!res || res.status !== 200 || (res.type !== 'basic' && res.type !== 'default')) return Promise.resolve(false);
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
    if (req.method === 'POST' && path === '/logout') ev.waitUntil(Promise.all([caches.delete(PAGES), caches.delete(PACKS)]));
    return;
  }
  var navigate = req.mode === 'navigate';
  // Nothing of these is ever kept; a page of them opened offline still gets the offline page.
  if ((NEVER.test(path) && !navigate) || req.headers.has('range') ||
      (req.headers.get('accept') || '').indexOf('text/event-stream') >= 0) return;
  if (path.indexOf('/static/') === 0) {
    ev.respondWith(caches.match(req, { ignoreVary: true }).then(function (hit) {
      if (hit) return hit;
      return fetch(req).then(function (res) {
        // Cache as you go: a hashed file never changes, so one copy serves every later page.
        if (HASHED.test(path) && res.status === 200 && res.type === 'basic' && !url.search) {
          var copy = res.clone();
          ev.waitUntil(caches.open(STATIC).then(function (c) { return c.put(path, copy); }).catch(function () {}));
        }
        return res;
      });
    }));
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

// A page asks whether its URL is kept for offline reading, and to keep it if not yet. A page the
// browser loaded without this worker (the first of a visit) sends its own HTML along, so it is
// not downloaded again. Answer: {kept: path, ok}.
self.addEventListener('message', function (ev) {
  var path = ev.data && ev.data.keep;
  if (typeof path !== 'string' || !KEEP.test(path) || !ev.source) return;
  var html = ev.data.html;
  var answer = function (ok) { ev.source.postMessage({ kept: path, ok: ok }); };
  ev.waitUntil((pending[path] || Promise.resolve(false)).then(function () {
    return caches.match(path, { cacheName: PAGES, ignoreVary: true });
  }).then(function (hit) {
    if (hit) return true;
    if (typeof html === 'string' && html.length > 100) {
      return keep(path, new Response(html, { headers: { 'Content-Type': 'text/html; charset=utf-8' } }));
    }
    return fetch(path, { credentials: 'same-origin' }).then(function (res) { return keep(path, res); }, function () { return false; });
  }).then(answer));
});

// ---------------------------------------------------------------- whole courses (packs) ---
// A pack: {slug, title, user, state: running|paused|done, limit: largest resource to add on a
// refresh, skip: [resources the learner left out], checked / updated: when last compared with the
// server / last changed by it, items: [{p: path, b: bytes expected, got: bytes kept, or -1 when
// the server no longer has it, e / m: its ETag / Last-Modified}]}, kept as JSON in PACKS.

function packKey(slug) { return '/__pack/' + encodeURIComponent(slug); }

function readPack(slug) {
  return caches.open(PACKS).then(function (c) { return c.match(packKey(slug)); })
    .then(function (r) { return r ? r.json() : null; });
}

function writePack(p) {
  var body = new Response(JSON.stringify(p), { headers: { 'Content-Type': 'application/json' } });
  return caches.open(PACKS).then(function (c) { return c.put(packKey(p.slug), body); });
}

function allPacks() {
  return caches.open(PACKS).then(function (c) {
    return c.keys().then(function (keys) {
      return Promise.all(keys.map(function (k) { return c.match(k).then(function (r) { return r.json(); }); }));
    });
  });
}

function summary(p) {
  var done = 0;
  var bytes = 0;
  p.items.forEach(function (i) {
    if (i.got !== undefined) done++;
    if (i.got > 0) bytes += i.got;
  });
  return { slug: p.slug, title: p.title, user: p.user, state: p.state, done: done, total: p.items.length, bytes: bytes, updated: p.updated || null };
}

function tell(p) {
  return self.clients.matchAll({ includeUncontrolled: true }).then(function (cs) {
    cs.forEach(function (c) { c.postMessage({ pack: summary(p) }); });
  });
}

// Only what a page would show: the type and the name of a download, nothing of the encoding.
function stored(res, blob) {
  var h = new Headers();
  ['content-type', 'content-disposition'].forEach(function (n) { if (res.headers.get(n)) h.set(n, res.headers.get(n)); });
  return new Response(blob, { status: 200, headers: h });
}

var running = {};

// Keeps a downloaded page or file of a pack, with the validators to ask for it again.
function put(item, res) {
  return res.blob().then(function (blob) {
    return caches.open(PAGES).then(function (c) { return c.put(item.p, stored(res, blob)); })
      .then(function () {
        item.got = blob.size;
        item.e = res.headers.get('etag') || undefined;
        item.m = res.headers.get('last-modified') || undefined;
      });
  });
}

function download(slug) {
  if (running[slug]) return running[slug];
  var p;
  function step() {
    var next = null;
    for (var i = 0; i < p.items.length; i++) if (p.items[i].got === undefined) { next = p.items[i]; break; }
    if (!next) { p.state = 'done'; return writePack(p).then(function () { return tell(p); }); }
    return fetch(next.p, { credentials: 'same-origin', cache: 'no-store' }).then(function (res) {
      // Signed out meanwhile (the log-in page came back), or a server error: try again later.
      if (res.redirected || res.status >= 500 || res.status === 401 || res.status === 429) throw new Error('HTTP ' + res.status);
      if (!res.ok) { next.got = -1; return null; }
      return put(next, res);
    }).then(function () { return writePack(p); }).then(function () { return tell(p); }).then(step);
  }
  running[slug] = readPack(slug).then(function (found) {
    if (!found || found.state === 'done') return null;
    p = found;
    p.state = 'running';
    return tell(p).then(step).catch(function () {
      p.state = 'paused';
      return writePack(p).then(function () { return tell(p); });
    });
  }).then(function () { delete running[slug]; }, function () { delete running[slug]; });
  return running[slug];
}

function startPack(ask) {
  return readPack(ask.slug).then(function (old) {
    var got = {};
    if (old && old.user === ask.user) old.items.forEach(function (i) { got[i.p] = i.got; });
    var p = {
      slug: ask.slug, title: ask.title, user: ask.user, state: 'running',
      limit: typeof ask.limit === 'number' ? ask.limit : null,
      skip: Array.isArray(ask.skip) ? ask.skip.filter(function (s) { return typeof s === 'string'; }) : [],
      items: ask.items.filter(function (i) { return KEEP.test(i.p); })
        .map(function (i) { return { p: i.p, b: i.b, got: got[i.p] > 0 ? got[i.p] : undefined }; }),
    };
    return writePack(p).then(function () { return download(p.slug); });
  });
}

// Staying current: when the connection comes back (or at most every REFRESH_EVERY on the pages
// loaded online), a kept course is compared with the server. Its list of items now says what
// was added (downloaded, resources only up to the learner's limit and not those she left out)
// and removed (dropped); every item kept is asked again with the tag it was kept with
// (If-None-Match, or If-Modified-Since): an unchanged one answers 304 with no body, a changed one
// replaces the copy. A pack changed this way is marked updated and the pages say « Mis à jour ».
var REFRESH_EVERY = 10 * 60 * 1000;

function refresh(slug, force) {
  if (running[slug]) return running[slug];
  var p;
  var changed = 0;
  function ask(item) {
    var h = {};
    if (item.e) h['If-None-Match'] = item.e;
    else if (item.m) h['If-Modified-Since'] = item.m;
    return fetch(item.p, { credentials: 'same-origin', cache: 'no-store', headers: h }).then(function (res) {
      if (res.status === 304) return null;
      if (res.redirected || res.status >= 500 || res.status === 401 || res.status === 429) throw new Error('HTTP ' + res.status);
      // Gone meanwhile (the list was read a moment ago): the copy stays until the next refresh.
      if (!res.ok) return null;
      changed++;
      return put(item, res);
    });
  }
  running[slug] = readPack(slug).then(function (found) {
    if (!found || found.state !== 'done') return null;
    if (!force && found.checked && Date.now() - found.checked < REFRESH_EVERY) return null;
    p = found;
    var url = '/courses/' + encodeURIComponent(slug) + '/offline/items';
    return fetch(url, { credentials: 'same-origin', cache: 'no-store' }).then(function (res) {
      // Signed out, or no longer allowed to study it: what is kept stays readable as it is.
      if (res.redirected || !res.ok) throw new Error('HTTP ' + res.status);
      return res.json();
    }).then(function (list) {
      var now = {};
      list.items.forEach(function (i) { if (KEEP.test(i.p)) now[i.p] = i; });
      var gone = p.items.filter(function (i) { return !now[i.p]; });
      var have = {};
      p.items = p.items.filter(function (i) { have[i.p] = true; return !!now[i.p]; });
      Object.keys(now).forEach(function (path) {
        var i = now[path];
        if (have[path] || p.skip.indexOf(path) >= 0) return;
        if (i.k === 'resource' && p.limit !== null && i.b > p.limit) return;
        p.items.push({ p: path, b: i.b });
        changed++;
      });
      changed += gone.length;
      return caches.open(PAGES).then(function (c) {
        return Promise.all(gone.map(function (i) { return c.delete(i.p); }));
      });
    }).then(function () {
      return p.items.reduce(function (chain, item) {
        return chain.then(function () { return item.got > 0 ? ask(item) : null; });
      }, Promise.resolve());
    }).then(function () {
      p.checked = Date.now();
      if (changed) {
        p.updated = p.checked;
        // New items are downloaded like the first time.
        if (p.items.some(function (i) { return i.got === undefined; })) p.state = 'paused';
      }
      return writePack(p);
    }).then(function () {
      if (!changed) return null;
      return tell(p).then(function () {
        return self.clients.matchAll().then(function (cs) {
          cs.forEach(function (c) { c.postMessage({ packUpdated: summary(p) }); });
        });
      });
    }).catch(function () { /* tried again at the next connection */ });
  }).then(function () {
    delete running[slug];
    return p && p.state === 'paused' ? download(slug) : null;
  }, function () { delete running[slug]; });
  return running[slug];
}

function deletePack(slug) {
  return readPack(slug).then(function (p) {
    if (!p) return null;
    return caches.open(PAGES).then(function (c) {
      return Promise.all(p.items.map(function (i) { return c.delete(i.p); }));
    }).then(function () { return caches.open(PACKS); }).then(function (c) { return c.delete(packKey(slug)); });
  });
}

self.addEventListener('message', function (ev) {
  var m = ev.data || {};
  var reply = function () {
    return allPacks().then(function (ps) { if (ev.source) ev.source.postMessage({ packs: ps.map(summary) }); });
  };
  if (m.pack && typeof m.pack.slug === 'string' && Array.isArray(m.pack.items)) ev.waitUntil(startPack(m.pack));
  else if (m.packResume) {
    // Downloads cut short go on; the courses kept are brought up to date (forced when the
    // connection has just come back). Only the signed-in learner's: never with another's cookies.
    ev.waitUntil(allPacks().then(function (ps) {
      return Promise.all(ps.filter(function (p) { return p.user === m.user; }).map(function (p) {
        return p.state === 'done' ? refresh(p.slug, m.fresh === true) : download(p.slug);
      }));
    }));
  } else if (m.packs) ev.waitUntil(reply());
  else if (typeof m.packDelete === 'string') ev.waitUntil(deletePack(m.packDelete).then(reply));
});
