/* Draws the inclusion dashboard's bar charts. The tables under each chart carry the same figures for
   screen readers and without JavaScript; suppressed figures (under 5 people) are null and show as gaps. */
(function () {
  "use strict";

  function draw() {
    if (!window.Chart) return;
    var source = document.getElementById("inclusion-data");
    if (!source) return;
    var data = JSON.parse(source.textContent);
    var brand = (getComputedStyle(document.documentElement).getPropertyValue("--brand") || "#0b5cad").trim();
    document.querySelectorAll("canvas[data-inclusion-chart]").forEach(function (canvas) {
      var series = data[canvas.getAttribute("data-inclusion-chart")];
      if (!series || canvas.dataset.drawn) return;
      canvas.parentElement.hidden = false;
      new window.Chart(canvas, {
        type: canvas.getAttribute("data-chart-type") || "bar",
        data: {
          labels: series.labels,
          datasets: [{ data: series.values, backgroundColor: brand, borderColor: brand, spanGaps: false }]
        },
        options: {
          responsive: true,
          maintainAspectRatio: false,
          animation: false,
          plugins: { legend: { display: false } },
          scales: { y: { beginAtZero: true, ticks: { precision: 0 } } }
        }
      });
      canvas.dataset.drawn = "true";
    });
    document.body.dataset.chartsDrawn = "true";
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
