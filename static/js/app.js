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
  // The server cannot know the theme: fix aria-pressed on load, after swaps and system changes.
  document.addEventListener('DOMContentLoaded', syncToggles);
  document.addEventListener('htmx:afterSettle', syncToggles);
  document.addEventListener('htmx:historyRestore', syncToggles);
  document.addEventListener('tlj:themechange', syncToggles);

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
