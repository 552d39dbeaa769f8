// A date (2026-03-14) or a date and time in a table cell never breaks at its hyphens: the
// cell is marked `nowrap` (minsheng.css). Pages list at most a few hundred rows, so this is quick.
(function () {
  var DATE = /^\s*\d{4}-\d{2}-\d{2}([ T]\d{2}:\d{2}(:\d{2})?)?\s*$/;
  document.querySelectorAll("td, th").forEach(function (cell) {
    if (cell.childElementCount === 0 && DATE.test(cell.textContent)) cell.classList.add("nowrap");
  });
})();
