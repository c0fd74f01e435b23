// Shuzhi's pages: charts drawn by ECharts from the same-origin JSON the pages use.
// No inline script anywhere (the Content-Security-Policy forbids it): a chart is an
// element <div class="chart" data-chart="URL"> whose URL answers
//   {"kind": "bar"|"line"|"pie", "title": "...", "x": [...], "series": [{"name", "data"}]}
// or {"kind": "graph", "nodes": [{"name", "category"}], "links": [{"source", "target"}]}
// or a product's rows ({"rows": [...]}) with data-x and data-y naming the columns.
"use strict";

(function () {
  function fromRows(element, body) {
    var x = element.dataset.x;
    var ys = (element.dataset.y || "").split(",").filter(Boolean);
    var names = (element.dataset.names || "").split(",");
    return {
      kind: element.dataset.kind || "bar",
      title: element.dataset.title || "",
      x: body.rows.map(function (row) { return row[x]; }),
      series: ys.map(function (y, i) {
        return { name: names[i] || y, data: body.rows.map(function (row) { return row[y]; }) };
      }),
    };
  }

  function option(chart) {
    var title = { text: chart.title || "", left: "center", textStyle: { fontSize: 14 } };
    if (chart.kind === "graph") {
      var categories = [];
      chart.nodes.forEach(function (node) {
        if (categories.indexOf(node.category) < 0) categories.push(node.category);
      });
      return {
        title: title,
        tooltip: {},
        legend: { bottom: 0, data: categories },
        series: [{
          type: "graph", layout: "force", roam: true, draggable: true,
          label: { show: true, position: "right" },
          edgeSymbol: ["none", "arrow"],
          force: { repulsion: 220, edgeLength: 90 },
          categories: categories.map(function (name) { return { name: name }; }),
          data: chart.nodes.map(function (node) {
            return { name: node.name, category: categories.indexOf(node.category), symbolSize: 18 };
          }),
          links: chart.links,
        }],
      };
    }
    if (chart.kind === "pie") {
      return {
        title: title, tooltip: { trigger: "item" }, legend: { bottom: 0 },
        series: [{
          type: "pie", radius: "60%",
          data: chart.x.map(function (name, i) { return { name: name, value: chart.series[0].data[i] }; }),
        }],
      };
    }
    return {
      title: title,
      tooltip: { trigger: "axis" },
      legend: { bottom: 0 },
      grid: { left: 48, right: 24, top: 40, bottom: 48, containLabel: true },
      xAxis: { type: "category", data: chart.x },
      yAxis: { type: "value" },
      series: chart.series.map(function (s) {
        return { name: s.name, type: chart.kind === "line" ? "line" : "bar", data: s.data };
      }),
    };
  }

  function draw(element) {
    fetch(element.dataset.chart, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (answer) {
        if (!answer.ok) throw new Error(answer.status + " " + answer.statusText);
        return answer.json();
      })
      .then(function (body) {
        var chart = body.rows && element.dataset.x ? fromRows(element, body) : body;
        var drawn = window.echarts.init(element, null, { renderer: "canvas" });
        drawn.setOption(option(chart));
        element.dataset.drawn = "true";
        window.addEventListener("resize", function () { drawn.resize(); });
      })
      .catch(function (failure) {
        element.textContent = element.dataset.failed || String(failure);
        element.dataset.drawn = "failed";
      });
  }

  // A button or link with data-confirm asks before it acts (deny, revoke, sync now).
  function confirmations() {
    document.querySelectorAll("form[data-confirm]").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        if (!window.confirm(form.dataset.confirm)) event.preventDefault();
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    if (window.echarts) document.querySelectorAll(".chart[data-chart]").forEach(draw);
    confirmations();
  });
})();
