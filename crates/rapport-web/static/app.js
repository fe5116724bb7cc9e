// Rapport's web app: what the pages do beyond plain HTML. Every page and form works
// without this script; it adds search as you type, live updates from the node's change
// feed (GET /live), revealing a contact in place, and the language switch on change.
// No dependencies, no network beyond this node, no inline handlers (the
// Content-Security-Policy forbids them).
(function () {
  'use strict';
  var meta = document.querySelector('meta[name="csrf"]');
  var csrf = meta ? meta.getAttribute('content') : '';

  document.querySelectorAll('[data-autosubmit]').forEach(function (el) {
    el.addEventListener('change', function () { el.form.submit(); });
  });

  // Search as you type: the rows alone are fetched and swapped in; the newest answer wins.
  var search = document.querySelector('[data-live-search]');
  var refreshList = null;
  if (search) {
    var timer = null;
    var asked = 0;
    refreshList = function () {
      var params = new URLSearchParams(new FormData(search.form));
      params.delete('cursor');
      var mine = ++asked;
      fetch(search.getAttribute('data-live-search') + '?' + params.toString(), { credentials: 'same-origin' })
        .then(function (r) { return r.text(); })
        .then(function (html) {
          if (mine !== asked) { return; }
          var rows = document.getElementById('rows');
          if (rows) { rows.outerHTML = html; }
          history.replaceState(null, '', '/customers?' + params.toString());
        })
        .catch(function () {});
    };
    search.addEventListener('input', function () {
      clearTimeout(timer);
      timer = setTimeout(refreshList, 120);
    });
  }

  // Revealing a contact: the audited answer replaces the masked one.
  document.addEventListener('submit', function (ev) {
    var form = ev.target;
    if (!form.classList || !form.classList.contains('reveal')) { return; }
    ev.preventDefault();
    fetch(form.action, { method: 'POST', headers: { 'x-csrf-token': csrf }, credentials: 'same-origin' })
      .then(function (r) { if (!r.ok) { throw new Error(String(r.status)); } return r.text(); })
      .then(function (html) {
        var item = form.closest('li');
        if (item) { item.outerHTML = html; }
      })
      .catch(function () { form.submit(); });
  });

  // Live: a change to the customer on screen reloads the page's content in place; on the
  // list, the rows.
  var status = document.getElementById('live-status');
  var shown = document.querySelector('[data-customer]');
  function say(text) {
    if (!status) { return; }
    status.textContent = text;
    setTimeout(function () { status.textContent = ''; }, 4000);
  }
  function reloadMain() {
    fetch(location.pathname + location.search, { credentials: 'same-origin' })
      .then(function (r) { return r.text(); })
      .then(function (html) {
        var fresh = new DOMParser().parseFromString(html, 'text/html').getElementById('main');
        var main = document.getElementById('main');
        if (fresh && main) { main.replaceWith(fresh); }
        shown = document.querySelector('[data-customer]');
        say(status ? status.getAttribute('data-updated') : '');
      })
      .catch(function () {});
  }
  if (window.EventSource && (shown || refreshList)) {
    var feed = new EventSource('/live');
    feed.addEventListener('change', function (ev) {
      var change;
      try { change = JSON.parse(ev.data); } catch (e) { return; }
      if (shown && change.id === shown.getAttribute('data-customer')) {
        reloadMain();
      } else if (refreshList) {
        refreshList();
        say(status ? status.getAttribute('data-updated') : '');
      }
    });
  }
})();
