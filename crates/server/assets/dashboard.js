// Draws the dashboard's charts with ECharts. Each chart is an element with a `data-chart`
// attribute holding its figures as JSON (the page also shows them as tables, for readers
// without script); the Content-Security-Policy allows no inline script, so this file is
// served from /assets.
"use strict";

(function () {
  if (typeof echarts === "undefined") {
    return;
  }
  var levelColours = {
    core: "#8e1b1b",
    important: "#c2410c",
    "sensitive-pi": "#b45309",
    pi: "#2f6f9f",
    general: "#6b7785"
  };
  var brand = "#0b5cad";

  function barOption(chart, horizontal) {
    var categoryAxis = { type: "category", data: chart.labels, axisLabel: { interval: 0, width: 140, overflow: "truncate" } };
    var valueAxis = { type: "value", minInterval: 1 };
    if (chart.mark !== undefined) {
      // Keep the threshold in view even when every bar is below it.
      valueAxis.max = function (extent) { return Math.ceil(Math.max(extent.max, chart.mark) * 1.1); };
    }
    var series = {
      type: "bar",
      name: chart.name,
      data: chart.values.map(function (value, i) {
        var colour = chart.keys && levelColours[chart.keys[i]];
        return colour ? { value: value, itemStyle: { color: colour } } : value;
      }),
      itemStyle: { color: brand },
      label: { show: true, position: horizontal ? "right" : "top" }
    };
    if (chart.mark !== undefined) {
      series.markLine = {
        symbol: "none",
        lineStyle: { color: "#b42318", type: "dashed" },
        label: { formatter: chart.mark_label, position: "end" },
        data: [horizontal ? { xAxis: chart.mark } : { yAxis: chart.mark }]
      };
    }
    return {
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      grid: { left: horizontal ? 160 : 50, right: 40, top: 20, bottom: horizontal ? 30 : 60 },
      xAxis: horizontal ? valueAxis : categoryAxis,
      yAxis: horizontal ? Object.assign({ inverse: true }, categoryAxis) : valueAxis,
      series: [series]
    };
  }

  function pieOption(chart) {
    return {
      tooltip: { trigger: "item", formatter: "{b}: {c} ({d}%)" },
      legend: { bottom: 0 },
      series: [{
        type: "pie",
        name: chart.name,
        center: ["50%", "44%"],
        radius: ["36%", "58%"],
        label: { formatter: "{c}" },
        // A zero slice draws only a stray label; the table beside the chart lists it.
        data: chart.values.map(function (value, i) {
          var item = { name: chart.labels[i], value: value };
          if (chart.colours && chart.colours[i]) {
            item.itemStyle = { color: chart.colours[i] };
          } else if (chart.keys && levelColours[chart.keys[i]]) {
            item.itemStyle = { color: levelColours[chart.keys[i]] };
          }
          return item;
        }).filter(function (item) { return item.value > 0; })
      }]
    };
  }

  var charts = [];
  document.querySelectorAll("[data-chart]").forEach(function (element) {
    var chart = JSON.parse(element.getAttribute("data-chart"));
    if (!chart.values.length) {
      return;
    }
    var option = chart.type === "pie" ? pieOption(chart) : barOption(chart, chart.type === "hbar");
    option.aria = { enabled: true };
    // Figures appear at once: an animation only delays reading them (and printing, and
    // screenshots taken while it runs show half-drawn rings).
    option.animation = false;
    // The box gets its height only now, so readers without script see no empty space.
    element.classList.add("drawn");
    var instance = echarts.init(element);
    instance.setOption(option);
    charts.push(instance);
  });
  window.addEventListener("resize", function () {
    charts.forEach(function (instance) { instance.resize(); });
  });
})();
