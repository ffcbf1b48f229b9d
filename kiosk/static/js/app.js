// Small behaviours shared by every page. No inline scripts: the Content-Security-Policy forbids them.
(function () {
  "use strict";

  // Flash messages fade out after a while; errors stay until clicked.
  function settleFlashes(root) {
    root.querySelectorAll(".flash:not(.flash-error)").forEach(function (el) {
      if (el.dataset.timer) return;
      el.dataset.timer = "1";
      setTimeout(function () { el.remove(); }, 8000);
    });
  }

  document.addEventListener("click", function (event) {
    var flash = event.target.closest(".flash");
    if (flash) flash.remove();
  });

  // The menu's drop-downs (<details>): one open at a time; a click elsewhere or Escape closes it.
  function closeMenus(except) {
    document.querySelectorAll("details.menu-group[open]").forEach(function (group) {
      if (group !== except) group.open = false;
    });
  }

  document.addEventListener("click", function (event) {
    closeMenus(event.target.closest("details.menu-group"));
  });
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    var open = document.querySelector("details.menu-group[open]");
    if (!open) return;
    open.open = false;
    open.querySelector("summary").focus();
  });

  document.addEventListener("DOMContentLoaded", function () { settleFlashes(document); });
  document.addEventListener("htmx:afterSettle", function () { settleFlashes(document); });

  // A request that fails without an answer from the server (network down, server restarting).
  document.addEventListener("htmx:sendError", function () {
    var area = document.getElementById("flash");
    if (!area || area.querySelector(".flash-offline")) return;
    var note = document.createElement("div");
    note.className = "flash flash-error flash-offline";
    note.setAttribute("role", "alert");
    note.textContent = document.body.dataset.offlineMessage || "网络连接中断，正在重试……";
    area.appendChild(note);
  });
  document.addEventListener("htmx:afterRequest", function (event) {
    if (event.detail.successful) {
      document.querySelectorAll(".flash-offline").forEach(function (el) { el.remove(); });
    }
  });

  // Polled fragments (boards, ringing calls, the bell) come with an ETag and "Cache-Control: no-store":
  // they may show personal data, so the browser keeps no copy. This script keeps the ETag of the last
  // answer per URL and sends it back, so an unchanged fragment still gets a real 304, which htmx leaves
  // alone (responseHandling in base.html) instead of swapping the same HTML in and closing a half-filled form.
  var etags = {};

  document.addEventListener("htmx:configRequest", function (event) {
    var tag = event.detail.verb === "get" && etags[event.detail.path];
    if (tag) event.detail.headers["If-None-Match"] = tag;
  });

  document.addEventListener("htmx:afterRequest", function (event) {
    var config = event.detail.requestConfig;
    if (!config || config.verb !== "get") return;
    var tag = event.detail.xhr.getResponseHeader("ETag");
    if (tag) etags[config.path] = tag;
    else delete etags[config.path];
  });

  // Every behaviour above is bound: tests (and anything else that must not act too early) wait for this.
  document.documentElement.dataset.appReady = "true";
})();
