/* Sensor evidence on a pilot page: the weekly chart with the pilot's start marked, and the map of sites.
   Both enhance tables the page always shows; live pushes replace the sites table and the map follows. */
(function () {
  "use strict";

  function drawChart() {
    var canvas = document.querySelector("canvas[data-sensor-chart]");
    var source = canvas && document.getElementById(canvas.getAttribute("data-sensor-chart"));
    if (!canvas || !source || !window.Chart || canvas.dataset.drawn) return;
    var weeks = JSON.parse(source.textContent);
    var startIndex = weeks.findIndex(function (w) { return w.is_start; });
    canvas.parentElement.hidden = false;
    var startLine = {
      id: "pilotStart",
      afterDatasetsDraw: function (chart) {
        if (startIndex < 0) return;
        var x = chart.scales.x.getPixelForValue(startIndex);
        var ctx = chart.ctx;
        ctx.save();
        ctx.strokeStyle = "#444";
        ctx.setLineDash([6, 4]);
        ctx.beginPath();
        ctx.moveTo(x, chart.chartArea.top);
        ctx.lineTo(x, chart.chartArea.bottom);
        ctx.stroke();
        ctx.fillStyle = "#222";
        ctx.fillText(canvas.dataset.startLabel, x + 4, chart.chartArea.top + 12);
        ctx.restore();
      }
    };
    new window.Chart(canvas, {
      type: "line",
      data: {
        labels: weeks.map(function (w) { return w.week; }),
        datasets: [
          { label: canvas.dataset.pilotLabel, data: weeks.map(function (w) { return w.pilot; }),
            borderColor: "#0b5cad", pointRadius: 0, tension: 0, spanGaps: false },
          { label: canvas.dataset.controlLabel, data: weeks.map(function (w) { return w.control; }),
            borderColor: "#8a4b00", borderDash: [5, 3], pointRadius: 0, tension: 0, spanGaps: false }
        ]
      },
      options: {
        responsive: true, maintainAspectRatio: false, animation: false,
        scales: { x: { ticks: { maxRotation: 0, autoSkip: true, maxTicksLimit: 6 } } }
      },
      plugins: [startLine]
    });
    canvas.dataset.drawn = "1";
    var table = canvas.closest("figure").querySelector("details.series-table");
    if (table) table.open = false;
  }

  var map = null;
  var layer = null;
  var fitted = false;
  var COLOURS = { good: "#1565c0", moderate: "#2e7d32", bad: "#b26a00", "very-bad": "#c62828" };

  function drawMap() {
    var container = document.getElementById("sensor-map");
    var source = document.getElementById("sensor-points");
    if (!container || !source || !window.L) return;
    var points = JSON.parse(source.textContent).filter(function (p) { return p.lat !== null; });
    if (!points.length) return;
    if (!map) {
      container.hidden = false;
      container.setAttribute("role", "region");
      container.setAttribute("aria-label", container.dataset.label);
      map = window.L.map(container, { scrollWheelZoom: false });
      window.L.tileLayer(container.dataset.tiles, { maxZoom: 19, attribution: "&copy; OpenStreetMap contributors" }).addTo(map);
    }
    if (layer) layer.remove();
    layer = window.L.featureGroup(points.map(function (p) {
      // Pilot sites are filled circles, control sites hollow with a dashed ring: told apart without colour.
      var colour = COLOURS[p.band] || "#555";
      var marker = window.L.circleMarker([p.lat, p.lng], {
        radius: p.role === "pilot" ? 9 : 8, color: colour, weight: 3,
        fillColor: colour, fillOpacity: p.role === "pilot" ? 0.8 : 0.05,
        dashArray: p.role === "pilot" ? null : "4 3"
      });
      var text = document.createElement("span");
      text.textContent = p.name + " (" + p.role_label + "): " +
        (p.value === null ? "—" : p.value + " " + p.unit) + (p.band_label ? " · " + p.band_label : "") +
        (p.time ? " · " + p.time : "");
      return marker.bindPopup(text).bindTooltip(p.name);
    })).addTo(map);
    if (!fitted) {
      map.fitBounds(layer.getBounds(), { padding: [24, 24], maxZoom: 15 });
      fitted = true;
    }
  }

  function init() {
    drawChart();
    drawMap();
  }

  document.addEventListener("htmx:oobAfterSwap", drawMap);
  document.addEventListener("htmx:afterSettle", drawMap);
  if (document.readyState === "complete") {
    init();
  } else {
    document.addEventListener("DOMContentLoaded", init);
  }
})();
