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
})();
