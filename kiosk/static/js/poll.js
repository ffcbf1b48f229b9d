// Polled parts of a page (data-poll: the board's panels, a department's queue).
// (app.js sends each poll the ETag of its last answer, so an unchanged part gets a real 304.)
// Never replace a part while someone works in it (a field has the focus, or a <details> form is
// open): that poll is skipped and the next one tries again.
(function () {
  "use strict";

  function polled(elt) {
    return elt.hasAttribute && elt.hasAttribute("data-poll");
  }

  function inUse(elt) {
    var active = document.activeElement;
    var typing = active && elt.contains(active) && active.matches("input, select, textarea");
    return typing || elt.querySelector("details[open]") !== null;
  }

  document.addEventListener("htmx:beforeRequest", function (event) {
    var elt = event.detail.elt;
    if (polled(elt) && event.detail.requestConfig.verb === "get" && inUse(elt)) event.preventDefault();
  });
})();
