// Draw each [data-figure] with the locally served plotly.min.js; the tables beside them carry the same numbers.
window.addEventListener("DOMContentLoaded", function () {
  if (!window.Plotly) return;
  document.querySelectorAll("[data-figure]").forEach(function (el) {
    var fig = JSON.parse(el.dataset.figure);
    Plotly.newPlot(el, fig.data, fig.layout, {displayModeBar: false, responsive: true});
  });
});
