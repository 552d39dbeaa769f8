// Draw each [data-figure] (an ECharts option) with the ECharts bundle this site serves itself;
// the tables beside the charts carry the same numbers, so a page without scripts loses nothing.
// A classic deferred script that imports the ES module named by its data-echarts attribute
// (the page preloads it, so the download starts with the page, not after this script).
(function () {
  var script = document.currentScript;
  var boxes = document.querySelectorAll("[data-figure]");
  if (!script || !boxes.length) return;
  performance.mark("charts-js");
  import(script.dataset.echarts).then(function (echarts) {
    performance.mark("echarts-ready");  // for benchmarks/bench_pages.py: module ready vs charts drawn
    var charts = [];
    var sizes = Array.prototype.map.call(boxes, function (box) { return [box.clientWidth, box.clientHeight]; });
    boxes.forEach(function (box, i) {
      var chart = echarts.init(box, null, {renderer: (location.search.indexOf("canvas")>=0?"canvas":"svg"), width: sizes[i][0], height: sizes[i][1]});
      performance.mark("init-"+charts.length);
      chart.setOption(JSON.parse(box.dataset.figure));
      performance.mark("set-"+charts.length);
      charts.push(chart);
    });
    performance.mark("charts-drawn");
    window.addEventListener("resize", function () {
      charts.forEach(function (chart) { chart.resize(); });
    });
  });
})();
