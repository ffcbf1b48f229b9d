// The wallboard pages through lists that do not fit their panel instead of cutting them: each such panel
// shows as many rows as fit, then the next ones every few seconds, with "页 1/3" beside its title.
// Nothing needs a mouse; a panel's poll may replace it at any time, and its page is kept by panel id.
(function () {
  "use strict";

  var PAGE_SECONDS = 8;
  var pages = {};  // panel id -> page shown

  function rowsOf(list) {
    return Array.prototype.slice.call(list.children).filter(function (row) { return !row.classList.contains("empty"); });
  }

  // The longest list in the panel is the one paged (a table body or a timeline).
  function longestList(panel) {
    var lists = Array.prototype.slice.call(panel.querySelectorAll("tbody, ol, ul.place-counts"));
    return lists.sort(function (a, b) { return rowsOf(b).length - rowsOf(a).length; })[0];
  }

  function marker(panel) {
    var mark = panel.querySelector(".page-of");
    if (!mark) {
      mark = document.createElement("span");
      mark.className = "page-of";
      var title = panel.querySelector("h2");
      if (title) title.appendChild(mark);
    }
    return mark;
  }

  function layout(panel) {
    var list = longestList(panel);
    if (!list) return;
    var rows = rowsOf(list);
    rows.forEach(function (row) { row.hidden = false; });
    var overflow = panel.scrollHeight - panel.clientHeight;
    if (overflow <= 0 || rows.length < 2) {
      delete panel.dataset.pages;
      var old = panel.querySelector(".page-of");
      if (old) old.remove();
      return;
    }
    var listHeight = list.getBoundingClientRect().height;
    var rowHeight = listHeight / rows.length;
    var perPage = Math.max(1, Math.floor((listHeight - overflow) / rowHeight));
    var count = Math.ceil(rows.length / perPage);
    var page = (pages[panel.id] || 0) % count;
    pages[panel.id] = page;
    rows.forEach(function (row, index) {
      row.hidden = Math.floor(index / perPage) !== page;
    });
    panel.dataset.pages = String(count);
    panel.dataset.page = String(page + 1);
    var wall = document.querySelector(".board-wall");
    marker(panel).textContent = wall.dataset.pageLabel
      .replace("{page}", page + 1).replace("{pages}", count);
  }

  function layoutAll() {
    document.querySelectorAll(".board-wall .panel[id]").forEach(layout);
  }

  function turn() {
    document.querySelectorAll(".board-wall .panel[data-pages]").forEach(function (panel) {
      pages[panel.id] = (pages[panel.id] || 0) + 1;
      layout(panel);
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    if (!document.querySelector(".board-wall")) return;
    layoutAll();
    document.documentElement.dataset.wallReady = "true";
    setInterval(turn, PAGE_SECONDS * 1000);
    window.addEventListener("resize", layoutAll);
  });
  document.addEventListener("htmx:afterSettle", function () {
    if (document.querySelector(".board-wall")) layoutAll();
  });
})();
