// Whole courses offline (views/courses/offline.html and offline_kept.html): what a course takes,
// the free space, the learner's size limit for resources (kept on this phone), the download
// handed to the service worker (static/js/sw.js) and its progress; the list of the courses kept
// here, with "Supprimer". Plain JavaScript, loaded on these two pages only.
(function () {
  'use strict';
  var sw = navigator.serviceWorker;
  var LIMIT = 'tlj-offline-limit';
  var me = document.body.getAttribute('data-user');
  var pack = document.querySelector('[data-offline-pack]');
  var kept = document.querySelector('[data-offline-kept]');
  var root = pack || kept;
  if (!root) return;

  function size(bytes) {
    var mb = bytes >= 1048576;
    var n = mb ? Math.round((bytes * 10) / 1048576) / 10 : Math.max(1, Math.ceil(bytes / 1024));
    var text = n.toLocaleString(document.documentElement.lang === 'fr' ? 'fr-FR' : 'en-GB');
    return root.getAttribute(mb ? 'data-unit-mb' : 'data-unit-kb').replace('{n}', text);
  }
  function freeSpace() {
    var el = root.querySelector('[data-pack-free]');
    if (!el || !navigator.storage || !navigator.storage.estimate) return;
    navigator.storage.estimate().then(function (e) {
      if (e.quota) el.textContent = root.getAttribute('data-msg-free').replace('{size}', size(e.quota - (e.usage || 0)));
    });
  }
  function post(msg) {
    return sw.ready.then(function (reg) { if (reg.active) reg.active.postMessage(msg); });
  }

  if (pack) {
    var start = pack.querySelector('[data-pack-start]');
    var status = pack.querySelector('[data-pack-status]');
    var bar = pack.querySelector('[data-pack-progress]');
    var limit = pack.querySelector('[data-pack-limit]');
    var slug = pack.getAttribute('data-slug');
    if (!sw || !window.caches) {
      status.textContent = pack.getAttribute('data-msg-unsupported');
      start.disabled = true;
      return;
    }
    var chosen = function () {
      return Array.prototype.filter.call(pack.querySelectorAll('[data-pack-item]'), function (el) {
        return el.tagName !== 'INPUT' || el.checked;
      });
    };
    var total = function () {
      var bytes = chosen().reduce(function (sum, el) { return sum + Number(el.getAttribute('data-bytes')); }, 0);
      pack.querySelector('[data-pack-total]').textContent = '≈ ' + size(bytes);
    };
    var applyLimit = function () {
      var mb = Number(limit.value);
      if (!(mb >= 0)) return;
      try { localStorage.setItem(LIMIT, String(mb)); } catch (e) { /* not kept: still applied */ }
      pack.querySelectorAll('input[data-pack-item]').forEach(function (box) {
        box.checked = Number(box.getAttribute('data-bytes')) <= mb * 1048576;
      });
      total();
    };
    if (limit) {
      var saved = null;
      try { saved = localStorage.getItem(LIMIT); } catch (e) { /* none */ }
      if (saved !== null) { limit.value = saved; applyLimit(); }
      limit.addEventListener('change', applyLimit);
    }
    pack.addEventListener('change', function (ev) { if (ev.target.matches('input[data-pack-item]')) total(); });
    var show = function (p) {
      if (!p || p.slug !== slug || p.user !== me) return;
      bar.classList.remove('hidden');
      bar.max = Math.max(1, p.total);
      bar.value = p.done;
      var key = p.state === 'done' ? 'data-msg-done' : p.state === 'paused' ? 'data-msg-paused' : 'data-msg-running';
      status.textContent = pack.getAttribute(key).replace('{done}', p.done).replace('{total}', p.total);
      start.disabled = p.state === 'running';
    };
    sw.addEventListener('message', function (ev) {
      var d = ev.data || {};
      if (d.pack) show(d.pack);
      if (d.packs) d.packs.forEach(show);
    });
    start.addEventListener('click', function () {
      if (navigator.storage && navigator.storage.persist) navigator.storage.persist().catch(function () {});
      start.disabled = true;
      var items = chosen().map(function (el) {
        return { p: el.getAttribute('data-path'), b: Number(el.getAttribute('data-bytes')) };
      });
      // What a refresh may add later: resources up to this size, none the learner unticked.
      var skip = Array.prototype.filter.call(pack.querySelectorAll('input[data-pack-item]'), function (box) { return !box.checked; })
        .map(function (box) { return box.getAttribute('data-path'); });
      var mb = limit ? Number(limit.value) : NaN;
      post({ pack: { slug: slug, title: pack.getAttribute('data-title'), user: me, items: items, skip: skip,
        limit: mb >= 0 ? mb * 1048576 : null } });
    });
    total();
    freeSpace();
    post({ packs: true });
    return;
  }

  // The courses kept on this phone for the signed-in learner.
  var list = kept.querySelector('[data-kept-list]');
  var none = kept.querySelector('[data-kept-none]');
  function render(packs) {
    var mine = packs.filter(function (p) { return p.user === me; });
    list.textContent = '';
    none.classList.toggle('hidden', mine.length > 0);
    mine.forEach(function (p) {
      var li = document.createElement('li');
      li.className = 'card flex flex-wrap items-center gap-2';
      li.setAttribute('data-testid', 'kept-course');
      var a = document.createElement('a');
      a.className = 'link font-semibold min-w-0 break-words';
      a.href = '/courses/' + encodeURIComponent(p.slug);
      a.textContent = p.title;
      var info = document.createElement('span');
      info.className = 'text-sm text-slate-600 dark:text-slate-400';
      info.textContent = size(p.bytes) + (p.state === 'done' ? '' : ' · ' + kept.getAttribute('data-msg-partial'));
      if (p.updated) {
        var day = new Date(p.updated).toLocaleDateString(document.documentElement.lang === 'fr' ? 'fr-FR' : 'en-GB', { day: 'numeric', month: 'long' });
        info.textContent += ' · ' + kept.getAttribute('data-msg-updated').replace('{date}', day);
      }
      var del = document.createElement('button');
      del.type = 'button';
      del.className = 'btn btn-ghost text-red-700 dark:text-red-400 ml-auto';
      del.setAttribute('data-testid', 'kept-delete');
      del.textContent = kept.getAttribute('data-msg-delete');
      del.addEventListener('click', function () { del.disabled = true; post({ packDelete: p.slug }); });
      li.appendChild(a);
      li.appendChild(info);
      li.appendChild(del);
      list.appendChild(li);
    });
    freeSpace();
  }
  if (!sw) { render([]); return; }
  sw.addEventListener('message', function (ev) {
    if (ev.data && ev.data.packs) render(ev.data.packs);
    if (ev.data && ev.data.pack) post({ packs: true });
  });
  var refresh = kept.querySelector('[data-kept-refresh]');
  refresh.addEventListener('click', function () { post({ packResume: true, user: me, fresh: true }); });
  post({ packs: true });
})();
