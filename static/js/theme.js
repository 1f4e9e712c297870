// Loaded blocking in <head> so the stored / system theme is applied before first paint (no flash).
(function () {
  try {
    var KEY = 'tlj-theme';
    var root = document.documentElement;
    var mq = window.matchMedia ? window.matchMedia('(prefers-color-scheme: dark)') : null;
    var stored = function () {
      try { return localStorage.getItem(KEY); } catch (e) { return null; }
    };
    var apply = function (dark) {
      if (dark) root.classList.add('dark'); else root.classList.remove('dark');
    };
    var choice = stored();
    apply(choice === 'dark' || (choice !== 'light' && !!(mq && mq.matches)));
    if (mq) {
      // With no stored choice, follow the system setting live; app.js syncs the toggle buttons.
      var follow = function (e) {
        var c = stored();
        if (c === 'dark' || c === 'light') return;
        apply(e.matches);
        try { document.dispatchEvent(new CustomEvent('tlj:themechange')); } catch (e2) { /* old browser */ }
      };
      if (mq.addEventListener) mq.addEventListener('change', follow);
      else if (mq.addListener) mq.addListener(follow);
    }
  } catch (e) { /* never block the page for a theme */ }
})();
