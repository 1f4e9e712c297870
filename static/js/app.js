// Loaded with defer after htmx. Uses event delegation on document so it keeps working when
// hx-boost swaps the <body>. No inline scripts anywhere: CSP is script-src 'self'.
(function () {
  'use strict';
  var KEY = 'tlj-theme';
  var root = document.documentElement;

  // Theme toggle: any [data-theme-toggle] button flips the `dark` class and remembers the choice.
  function syncToggles() {
    var dark = root.classList.contains('dark') ? 'true' : 'false';
    var btns = document.querySelectorAll('[data-theme-toggle]');
    for (var i = 0; i < btns.length; i++) btns[i].setAttribute('aria-pressed', dark);
  }
  document.addEventListener('click', function (ev) {
    var t = ev.target;
    var btn = t && t.closest ? t.closest('[data-theme-toggle]') : null;
    if (!btn) return;
    ev.preventDefault();
    var dark = !root.classList.contains('dark');
    if (dark) root.classList.add('dark'); else root.classList.remove('dark');
    try { localStorage.setItem(KEY, dark ? 'dark' : 'light'); } catch (e) { /* private mode */ }
    syncToggles();
  });
  // The header's account menu (<details>): closes on a click elsewhere and on Escape.
  function closeMenus(except) {
    var open = document.querySelectorAll('details.account-menu[open]');
    for (var i = 0; i < open.length; i++) if (open[i] !== except) open[i].removeAttribute('open');
  }
  document.addEventListener('click', function (ev) {
    var t = ev.target;
    closeMenus(t && t.closest ? t.closest('details.account-menu') : null);
  });
  document.addEventListener('keydown', function (ev) {
    if (ev.key !== 'Escape') return;
    var menu = document.querySelector('details.account-menu[open]');
    if (!menu) return;
    menu.removeAttribute('open');
    var s = menu.querySelector('summary');
    if (s) s.focus();
  });

  // The server cannot know the theme: fix aria-pressed on load, after swaps and system changes.
  document.addEventListener('DOMContentLoaded', syncToggles);
  document.addEventListener('htmx:afterSettle', syncToggles);
  document.addEventListener('htmx:historyRestore', syncToggles);
  document.addEventListener('tlj:themechange', syncToggles);

  // Offline reading (static/js/sw.js): the worker, the offline banner, the "Disponible hors
  // connexion" mark of a lesson, and "lesson done" / quiz answers sent offline: kept in
  // localStorage, sent again (current CSRF token, same quiz client_key) once back online.
  var sw = navigator.serviceWorker;
  var OUTBOX = 'tlj-outbox';
  var QUEUED = /^\/courses\/[^/]+\/(lessons\/\d+\/complete|quizzes\/\d+)$/;
  // Whether the page on screen came through the worker (which then kept it as it passed); if not
  // (the first page of a visit), the page hands the worker its own HTML instead of a second download.
  var viaWorker = !!(sw && sw.controller);
  if (sw) {
    sw.register('/sw.js').catch(function () { /* no worker: pages still work online */ });
    sw.addEventListener('message', function (ev) {
      var m = document.getElementById('offline-ready');
      if (m && ev.data && ev.data.ok && ev.data.kept === m.getAttribute('data-path')) m.classList.remove('hidden');
      // A course kept here was brought up to date by its trainer's changes: « Mis à jour ».
      var up = ev.data && ev.data.packUpdated;
      if (up && up.user === document.body.getAttribute('data-user')) say('pack-updated', null, up.title);
      // Whole courses kept for this learner: their « Disponible hors connexion » marks.
      if (ev.data && ev.data.packs) {
        var me = document.body.getAttribute('data-user');
        ev.data.packs.forEach(function (p) {
          if (p.user !== me || p.state !== 'done') return;
          document.querySelectorAll('[data-pack-mark="' + p.slug + '"]').forEach(function (el) { el.classList.remove('hidden'); });
        });
      }
    });
  }
  function byId(id) { return document.getElementById(id); }
  function outbox(q) {
    try {
      if (q) localStorage.setItem(OUTBOX, JSON.stringify(q));
      return JSON.parse(localStorage.getItem(OUTBOX)) || [];
    } catch (e) { return []; }
  }
  function say(key, where, title) {
    var b = byId('offline-banner');
    var box = where || byId('toast');
    if (!b || !box) return;
    var p = document.createElement('p');
    p.className = 'flash flash-info shadow-lg mt-2';
    p.setAttribute('role', 'status');
    p.setAttribute('data-testid', 'offline-' + key);
    p.textContent = b.getAttribute('data-' + key).replace('{title}', title || '');
    box.appendChild(p);
    if (!where) setTimeout(function () { p.remove(); }, 8000);
  }
  // The CSRF token: a signed-in page's (<body hx-headers>), else the cookie's (a visitor's page
  // holds none: it is the same for every visitor).
  function token() {
    try { return JSON.parse(document.body.getAttribute('hx-headers'))['X-CSRF-Token']; } catch (e) { /* none */ }
    var m = document.cookie.match(/(?:^|;\s*)tlj_csrf=([^;]+)/);
    return m ? m[1] : '';
  }
  document.addEventListener('htmx:configRequest', function (ev) {
    var h = ev.detail.headers;
    if (ev.detail.verb !== 'get' && !h['X-CSRF-Token']) h['X-CSRF-Token'] = token();
  });
  function queue(form, path) {
    var data = new URLSearchParams(new FormData(form));
    data.delete('_csrf');
    // A quiz graded on return is also told in the notifications (the page may have changed).
    if (/quizzes/.test(path)) data.set('offline', '1');
    var item = { u: path, b: data.toString(), t: form.getAttribute('hx-target'), s: form.getAttribute('hx-swap'),
      who: document.body.getAttribute('data-user') };
    var q = outbox().filter(function (i) { return i.u !== item.u || i.b !== item.b; });
    q.push(item);
    outbox(q);
    var btn = form.querySelector('[type=submit]');
    if (btn) btn.disabled = true;
    say(/complete$/.test(path) ? 'queued-lesson' : 'queued-quiz', form.parentNode);
  }
  var flushing = false;
  function flush() {
    var me = document.body.getAttribute('data-user');
    var q = outbox();
    if (flushing || !navigator.onLine || !me || !q.length) return;
    flushing = true;
    var rest = [];
    var sent = 0;
    var csrf = token();
    q.reduce(function (chain, item) {
      return chain.then(function () {
        if (item.who !== me) { rest.push(item); return; }
        return fetch(item.u, {
          method: 'POST', credentials: 'same-origin', body: item.b + '&_csrf=' + encodeURIComponent(csrf),
          headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'X-CSRF-Token': csrf, 'HX-Request': 'true' },
        }).then(function (r) {
          item.n = (item.n || 0) + 1;
          if ((r.status >= 500 || r.status === 429 || r.status === 403) && item.n < 5) { rest.push(item); return; }
          sent++;
          return r.text().then(function (html) {
            // Still on that lesson or quiz: show the server's answer where the form was.
            var el = item.t && item.u.replace(/\/complete$/, '') === location.pathname && document.querySelector(item.t);
            if (!r.ok) { var t = byId('toast'); if (t) t.insertAdjacentHTML('beforeend', html); return; }
            if (!el) return;
            if (item.s === 'outerHTML') el.outerHTML = html; else el.innerHTML = html;
            if (window.htmx) window.htmx.process(document.body);
          });
        }, function () { rest.push(item); });
      });
    }, Promise.resolve()).then(function () {
      outbox(rest.concat(outbox().slice(q.length)));
      flushing = false;
      if (sent) say('synced');
    });
  }
  // The page as the server sent it, near enough for reading offline: without the toasts shown
  // since, the theme applied, htmx's transient classes, nor the offline mark (shown again offline).
  function pageHtml() {
    var copy = root.cloneNode(true);
    copy.classList.remove('dark');
    if (!copy.getAttribute('class')) copy.removeAttribute('class');
    var toast = copy.querySelector('#toast');
    if (toast) toast.textContent = '';
    var mark = copy.querySelector('#offline-ready');
    if (mark) mark.classList.add('hidden');
    var busy = copy.querySelectorAll('[class*="htmx-"]');
    for (var i = 0; i < busy.length; i++) {
      var cls = busy[i].classList;
      ['htmx-request', 'htmx-settling', 'htmx-swapping', 'htmx-added'].forEach(function (c) { cls.remove(c); });
    }
    return '<!doctype html>\n' + copy.outerHTML;
  }
  function offlineState(ev) {
    var b = byId('offline-banner');
    if (b) b.classList.toggle('hidden', navigator.onLine);
    var m = byId('offline-ready');
    if (m && sw) {
      var html = viaWorker ? null : pageHtml();
      sw.ready.then(function (reg) { if (reg.active) reg.active.postMessage({ keep: m.getAttribute('data-path'), html: html }); });
    }
    if (sw && document.body.getAttribute('data-user')) {
      var marks = !!document.querySelector('[data-pack-mark]');
      // A course download cut by a lost connection or a page change goes on.
      sw.ready.then(function (reg) {
        if (!reg.active) return;
        var me = document.body.getAttribute('data-user');
        if (navigator.onLine) reg.active.postMessage({ packResume: true, user: me, fresh: !!ev && ev.type === 'online' });
        if (marks) reg.active.postMessage({ packs: true });
      });
    }
    flush();
  }
  // Capture phase: runs before htmx's own submit handler, which it stops when offline.
  document.addEventListener('submit', function (ev) {
    var f = ev.target;
    var path = f && f.action ? new URL(f.action, location.href).pathname : '';
    if (!QUEUED.test(path) || (f.getAttribute('method') || '').toLowerCase() !== 'post') return;
    if (/quizzes/.test(path)) {
      var k = f.elements.client_key;
      if (!k) {
        k = document.createElement('input');
        k.type = 'hidden';
        k.name = 'client_key';
        f.appendChild(k);
      }
      if (!k.value) k.value = crypto.randomUUID ? crypto.randomUUID() : Date.now().toString(36) + Math.random().toString(36).slice(2);
    }
    if (navigator.onLine) return;
    ev.preventDefault();
    ev.stopPropagation();
    queue(f, path);
  }, true);
  // Online by the browser's word, but the request did not get through: keep it too.
  document.addEventListener('htmx:sendError', function (ev) {
    var d = ev.detail;
    var f = d && d.elt;
    var path = d && d.pathInfo && d.pathInfo.requestPath;
    if (f && f.tagName === 'FORM' && QUEUED.test(path || '') && d.requestConfig.verb === 'post') queue(f, path);
  });
  window.addEventListener('online', offlineState);
  window.addEventListener('offline', offlineState);
  document.addEventListener('DOMContentLoaded', offlineState);
  // A boosted navigation is fetched through the worker (kept as it passes) once one controls the page.
  document.addEventListener('htmx:beforeRequest', function (ev) {
    if (ev.detail && ev.detail.boosted) viaWorker = !!(sw && sw.controller);
  });
  document.addEventListener('htmx:afterSettle', function (ev) {
    if (ev.detail && ev.detail.boosted) offlineState();
  });

  // Signing out on a shared phone: htmx keeps snapshots of the pages seen for the back button
  // (sessionStorage); they go once a signed-out page shows, or the next person could step back
  // into them. sw.js drops the pages it kept; localStorage (the offline outbox) stays.
  var SIGNING_OUT = 'tlj-signing-out';
  document.addEventListener('submit', function (ev) {
    var f = ev.target;
    if (f && f.action && new URL(f.action, location.href).pathname === '/logout') {
      // Work done offline and not sent yet would be lost with the session: ask first.
      var me = document.body.getAttribute('data-user');
      var b = byId('offline-banner');
      if (b && outbox().some(function (i) { return i.who === me; }) && !window.confirm(b.getAttribute('data-logout-unsynced'))) {
        ev.preventDefault();
        ev.stopPropagation();
        return;
      }
      try { sessionStorage.setItem(SIGNING_OUT, '1'); } catch (e) { /* storage off: nothing kept */ }
    }
  }, true);
  function forgetSnapshots() {
    try {
      if (!sessionStorage.getItem(SIGNING_OUT) || document.querySelector('form[action="/logout"]')) return;
      sessionStorage.removeItem('htmx-history-cache');
      sessionStorage.removeItem(SIGNING_OUT);
    } catch (e) { /* storage off: nothing kept */ }
  }
  document.addEventListener('DOMContentLoaded', forgetSnapshots);
  document.addEventListener('htmx:afterSettle', forgetSnapshots);

  var htmx = window.htmx;
  if (!htmx) return;
  var cfg = htmx.config;
  // CSP: style-src 'self' (indicator rules are in app.css) and no eval.
  cfg.includeIndicatorStyles = false;
  cfg.allowEval = false;
  // htmx 2 swaps no 4xx by default; our forms answer 422 (or 400/403/404/409/429) with a
  // French error page or fragment that must be shown. 5xx partials are not swapped.
  cfg.responseHandling = [
    { code: '204', swap: false },
    { code: '[23]..', swap: true },
    { code: '422', swap: true },
    { code: '4..', swap: true, error: true },
    { code: '5..', swap: false, error: true },
    { code: '...', swap: false },
  ];
  // A boosted navigation swaps the <body> only: the page's language (Content-Language, set on
  // every page) must follow, or screen readers read the new text with the old language's voice.
  document.addEventListener('htmx:afterSwap', function (ev) {
    var d = ev.detail;
    var lang = d && d.boosted && d.xhr ? d.xhr.getResponseHeader('Content-Language') : null;
    if (lang && /^[a-z]{2}(-[A-Za-z]{2})?$/.test(lang)) root.setAttribute('lang', lang);
  });
  // A boosted navigation (whole page) that fails with 5xx still shows the server's error page,
  // as a normal navigation would.
  document.addEventListener('htmx:beforeSwap', function (ev) {
    var d = ev.detail;
    if (d && d.boosted && d.xhr && d.xhr.status >= 500 && d.serverResponse) d.shouldSwap = true;
  });
  // Network failure (2G drop, offline) on a boosted link: fall back to a normal navigation so
  // the browser (or the service worker's offline copy) takes over instead of doing nothing.
  document.addEventListener('htmx:sendError', function (ev) {
    var d = ev.detail;
    var cfgReq = d && d.requestConfig;
    if (d && d.boosted && cfgReq && cfgReq.verb === 'get' && d.pathInfo) {
      window.location.href = d.pathInfo.finalRequestPath || d.pathInfo.requestPath;
    }
  });

  // Chat (htmx ws extension). On every (re)connection, tell the server the last message this
  // page holds so that it sends exactly what was missed.
  function lastMessageId() {
    var list = document.querySelectorAll('#messages [data-id]');
    var max = 0;
    for (var i = 0; i < list.length; i++) max = Math.max(max, Number(list[i].getAttribute('data-id')) || 0);
    return max;
  }
  function scrollChat(force) {
    var box = document.getElementById('chat-scroll');
    if (!box) return;
    if (force || box.scrollHeight - box.scrollTop - box.clientHeight < 160) box.scrollTop = box.scrollHeight;
  }
  document.addEventListener('htmx:wsOpen', function (ev) {
    var sock = ev.detail && ev.detail.socketWrapper;
    if (sock) sock.sendImmediately(JSON.stringify({ resume: String(lastMessageId()) }));
  });
  document.addEventListener('htmx:wsAfterMessage', function () { scrollChat(false); });
  document.addEventListener('htmx:wsAfterSend', function () { scrollChat(true); });
  function initChat() { scrollChat(true); }
  document.addEventListener('DOMContentLoaded', initChat);
  document.addEventListener('htmx:afterSettle', function (ev) {
    if (ev.detail && ev.detail.boosted) initChat();
  });
  // Enter sends, Shift+Enter starts a new line.
  document.addEventListener('keydown', function (ev) {
    var t = ev.target;
    if (ev.key === 'Enter' && !ev.shiftKey && !ev.isComposing && t && t.id === 'chat-input' && t.form) {
      ev.preventDefault();
      if (t.value.trim()) t.form.requestSubmit();
    }
  });

  // Notification toasts (SSE): keep the three newest, each for eight seconds.
  document.addEventListener('htmx:sseMessage', function (ev) {
    var box = ev.target;
    if (!box || box.id !== 'toast') return;
    var toasts = box.querySelectorAll('[data-testid="notif-toast"]');
    for (var i = 3; i < toasts.length; i++) toasts[i].remove();
    var first = toasts[0];
    if (first) setTimeout(function () { first.remove(); }, 8000);
  });
})();
