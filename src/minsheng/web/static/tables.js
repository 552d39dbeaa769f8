// A date (2026-03-14) in a table cell never breaks at its hyphens, nor a time at its colons: a
// date alone marks its cell `nowrap` (minsheng.css); a date and time may still break between
// the two, so a narrow column (a tablet) takes it on two lines. Pages list at most a few
// hundred rows, so this is quick.
(function () {
  var DATE = /^\s*(\d{4}-\d{2}-\d{2})(?:[ T](\d{2}:\d{2}(?::\d{2})?))?\s*$/;
  document.querySelectorAll("td, th").forEach(function (cell) {
    var found = cell.childElementCount === 0 && DATE.exec(cell.textContent);
    if (!found) return;
    if (!found[2]) { cell.classList.add("nowrap"); return; }
    cell.textContent = "";
    [found[1], found[2]].forEach(function (part, i) {
      var span = document.createElement("span");
      span.className = "nowrap";
      span.textContent = part;
      if (i) cell.appendChild(document.createTextNode(" "));
      cell.appendChild(span);
    });
  });
})();
