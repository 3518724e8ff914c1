/* Living Lab proposal maps: an enhancement over the area names and location links the page always shows. */
(function () {
  "use strict";

  function showFallback(container) {
    if (container.dataset.fallbackShown) return;
    container.dataset.fallbackShown = "1";
    var note = document.createElement("p");
    note.className = "callout map-fallback";
    note.setAttribute("role", "status");
    note.textContent = container.dataset.tileError;
    container.parentNode.insertBefore(note, container.nextSibling);
    container.classList.add("map-tiles-failed");
  }

  function init() {
    var container = document.getElementById("proposal-map");
    var source = container && document.getElementById(container.dataset.points);
    if (!container || !source || !window.L) return;
    var points = JSON.parse(source.textContent);
    if (!points.length) return;
    container.hidden = false;
    container.setAttribute("role", "region");
    container.setAttribute("aria-label", container.dataset.label);

    var map = window.L.map(container, { scrollWheelZoom: false });
    var tiles = window.L.tileLayer(container.dataset.tiles, {
      maxZoom: 19,
      attribution: "&copy; OpenStreetMap contributors",
    });
    tiles.on("tileerror", function () { showFallback(container); });
    tiles.addTo(map);

    var markers = points.map(function (point) {
      // Titles are residents' words: build the popup from text, never from HTML.
      var link = document.createElement("a");
      link.href = point.url;
      link.textContent = point.title;
      return window.L.marker([point.lat, point.lng], { title: point.title, alt: point.title }).bindPopup(link);
    });
    var group = window.L.featureGroup(markers).addTo(map);
    if (points.length === 1) {
      map.setView([points[0].lat, points[0].lng], 16);
    } else {
      map.fitBounds(group.getBounds(), { padding: [24, 24], maxZoom: 16 });
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
