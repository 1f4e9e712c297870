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
})();
