/* Draws each result series with Chart.js. Without JavaScript the same numbers stay readable in the tables. */
(function () {
  "use strict";

  function draw() {
    if (!window.Chart) return;
    var styles = getComputedStyle(document.documentElement);
    var brand = (styles.getPropertyValue("--brand") || "#0b5cad").trim();
    document.querySelectorAll("canvas[data-series-chart]").forEach(function (canvas) {
      var source = document.getElementById(canvas.getAttribute("data-series-chart"));
      if (!source || canvas.dataset.drawn) return;
      var data = JSON.parse(source.textContent);
      var box = canvas.parentElement;
      box.hidden = false;
      new window.Chart(canvas, {
        type: "line",
        data: {
          labels: data.labels,
          datasets: [{
            label: data.unit ? data.name + " (" + data.unit + ")" : data.name,
            data: data.values,
            borderColor: brand,
            backgroundColor: "rgba(11, 92, 173, 0.12)",
            pointRadius: 3,
            fill: true,
            tension: 0  // measured values joined by straight lines: a curve would invent values between them
          }]
        },
        options: {
          responsive: true,
          maintainAspectRatio: false,
          animation: false,
          plugins: { legend: { display: false } },
          scales: {
            x: { ticks: { maxRotation: 0, autoSkip: true, maxTicksLimit: 6 } },
            y: {
              title: { display: Boolean(data.unit), text: data.unit },
              // Counts start at zero and tick in whole numbers; other measures keep a zoomed axis.
              beginAtZero: Boolean(data.counts),
              ticks: data.counts ? { precision: 0 } : {}
            }
          }
        }
      });
      canvas.dataset.drawn = "1";
      // The chart now tells the story; the table stays one tap away.
      var table = canvas.closest("figure").querySelector("details.series-table");
      if (table) table.open = false;
    });
  }

  // Results pushed live (or swapped by htmx) bring new canvases to draw.
  document.addEventListener("htmx:afterSettle", draw);
  document.addEventListener("htmx:oobAfterSwap", draw);

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
