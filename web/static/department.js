// The department pages: while a sync runs, the page reloads itself every few seconds,
// so the person sees it end (and its outcome) without pressing anything.
"use strict";

(function () {
  var RELOAD_MS = 3000;
  document.addEventListener("DOMContentLoaded", function () {
    if (document.querySelector("[data-refresh='running']")) {
      window.setTimeout(function () { window.location.reload(); }, RELOAD_MS);
    }
  });
})();
