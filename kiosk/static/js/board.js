// Polled panels (data-poll): send the ETag of the last answer, so an unchanged panel gets a real 304
// (htmx then leaves it alone) instead of the browser turning the 304 into the cached 200 and htmx
// swapping the same HTML in again, closing any half-filled form.
(function () {
  "use strict";
  var etags = {};

  document.addEventListener("htmx:configRequest", function (event) {
    var elt = event.detail.elt;
    if (elt.hasAttribute && elt.hasAttribute("data-poll") && etags[elt.id]) {
      event.detail.headers["If-None-Match"] = etags[elt.id];
    }
  });

  document.addEventListener("htmx:afterRequest", function (event) {
    var elt = event.detail.elt;
    if (!elt.hasAttribute || !elt.hasAttribute("data-poll")) return;
    var tag = event.detail.xhr.getResponseHeader("ETag");
    if (tag) etags[elt.id] = tag;
  });
})();
