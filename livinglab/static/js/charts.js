/* Draws the charts of the open-data statistics, of a survey's results and of a pilot's before/after surveys with
   Chart.js, from the JSON each canvas names. Without JavaScript the same numbers stay readable in the tables beside them. */
(function () {
  "use strict";
  var COLOURS = ["#0b5cad", "#c2571a", "#2e7d32", "#6a1b9a"];

  // One statistic (data-stat-chart): a series per column, as a bar or line chart (data-kind).
  function statChart(canvas, data) {
    return {
      type: canvas.getAttribute("data-kind") || "bar",
      datasets: data.series.map(function (series, i) {
        return {
          label: series.label,
          data: series.values,
          borderColor: COLOURS[i % COLOURS.length],
          backgroundColor: COLOURS[i % COLOURS.length],
          tension: 0.2
        };
      })
    };
  }

  // One survey question (data-compare-chart): the answers before and after the pilot as grouped bars.
  function compareChart(canvas, data) {
    return {
      type: "bar",
      datasets: [
        { label: canvas.dataset.beforeLabel, data: data.before, backgroundColor: "#8a9bb0" },
        { label: canvas.dataset.afterLabel, data: data.after, backgroundColor: "#0b5cad" }
      ]
    };
  }

  // One survey question's answers so far (data-result-chart): a bar per option.
  function resultChart(canvas, data) {
    return {
      type: "bar",
      datasets: [{ label: canvas.dataset.peopleLabel, data: data.counts, backgroundColor: "#0b5cad" }]
    };
  }

  var KINDS = { "data-stat-chart": statChart, "data-compare-chart": compareChart, "data-result-chart": resultChart };

  function draw() {
    if (!window.Chart) return;
    Object.keys(KINDS).forEach(function (attribute) {
      document.querySelectorAll("canvas[" + attribute + "]").forEach(function (canvas) {
        var source = document.getElementById(canvas.getAttribute(attribute));
        if (!source || canvas.dataset.drawn) return;
        var data = JSON.parse(source.textContent);
        var chart = KINDS[attribute](canvas, data);
        canvas.parentElement.hidden = false;
        new window.Chart(canvas, {
          type: chart.type,
          data: { labels: data.labels, datasets: chart.datasets },
          options: {
            responsive: true,
            maintainAspectRatio: false,
            animation: false,
            scales: { y: { beginAtZero: true, ticks: { precision: 0 } } }
          }
        });
        canvas.dataset.drawn = "1";
      });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
