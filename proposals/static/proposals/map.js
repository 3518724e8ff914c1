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

  function popupLink(title, url) {
    // Titles are residents' words: build the popup from text, never from HTML.
    var link = document.createElement("a");
    link.href = url;
    link.textContent = title;
    return link;
  }

  function showMap(container, points, clustered) {
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
      return window.L.marker([point.lat, point.lng], { title: point.title, alt: point.title })
        .bindPopup(popupLink(point.title, point.url));
    });
    var group = clustered && window.L.markerClusterGroup ? window.L.markerClusterGroup() : window.L.featureGroup();
    markers.forEach(function (marker) { group.addLayer(marker); });
    group.addTo(map);
    if (points.length === 1) {
      map.setView([points[0].lat, points[0].lng], 16);
    } else {
      map.fitBounds(group.getBounds(), { padding: [24, 24], maxZoom: 16 });
    }
    container.dataset.ready = String(points.length);  // a DOM mark the browser tests wait on
  }

  function init() {
    var container = document.getElementById("proposal-map");
    if (!container || !window.L) return;
    if (container.dataset.pointsUrl) {
      // The list's points: a cached GeoJSON document, clustered so hundreds of markers stay readable.
      fetch(container.dataset.pointsUrl, { headers: { Accept: "application/geo+json" } })
        .then(function (response) { return response.ok ? response.json() : { features: [] }; })
        .then(function (data) {
          showMap(container, data.features.map(function (feature) {
            return {
              lat: feature.geometry.coordinates[1],
              lng: feature.geometry.coordinates[0],
              title: feature.properties.title,
              url: feature.properties.url,
            };
          }), true);
        })
        .catch(function () { /* the cards name each area and link to its spot */ });
      return;
    }
    var source = document.getElementById(container.dataset.points);
    if (source) showMap(container, JSON.parse(source.textContent), false);
  }

  /* The submission form's picker: tapping the map fills in the latitude and longitude inputs, which stay
     the real (typed, validated) fields; choosing a neighbourhood moves the map there. */
  function initPicker() {
    var container = document.getElementById("point-picker");
    if (!container || !window.L) return;
    var form = container.closest("form");
    var latInput = form.querySelector("[name=latitude]");
    var lngInput = form.querySelector("[name=longitude]");
    var areaSelect = form.querySelector("[name=area]");
    var centres = JSON.parse(document.getElementById(container.dataset.areas).textContent);
    var bounds = JSON.parse(container.dataset.bounds);
    container.hidden = false;
    container.setAttribute("role", "region");
    container.setAttribute("aria-label", container.dataset.label);
    var help = document.getElementById("point-picker-help");
    if (help) help.hidden = false;

    var map = window.L.map(container, {
      scrollWheelZoom: false,
      maxBounds: [[bounds.south, bounds.west], [bounds.north, bounds.east]],
      maxBoundsViscosity: 1.0,
    });
    var tiles = window.L.tileLayer(container.dataset.tiles, {
      maxZoom: 19,
      attribution: "&copy; OpenStreetMap contributors",
    });
    tiles.on("tileerror", function () { showFallback(container); });
    tiles.addTo(map);
    var marker = null;

    function typedPoint() {
      var lat = parseFloat(latInput.value);
      var lng = parseFloat(lngInput.value);
      return isFinite(lat) && isFinite(lng) ? [lat, lng] : null;
    }
    function place(point) {
      if (marker) marker.setLatLng(point);
      else marker = window.L.marker(point, { keyboard: false }).addTo(map);
    }

    var start = typedPoint();
    if (start) {
      place(start);
      map.setView(start, 16);
    } else if (areaSelect && centres[areaSelect.value]) {
      map.setView(centres[areaSelect.value], 15);
    } else {
      map.fitBounds([[bounds.south, bounds.west], [bounds.north, bounds.east]]);
    }

    map.on("click", function (event) {
      latInput.value = event.latlng.lat.toFixed(6);
      lngInput.value = event.latlng.lng.toFixed(6);
      place(event.latlng);
    });
    [latInput, lngInput].forEach(function (input) {
      input.addEventListener("change", function () {
        var point = typedPoint();
        if (point) { place(point); map.panTo(point); }
      });
    });
    if (areaSelect) {
      areaSelect.addEventListener("change", function () {
        if (!typedPoint() && centres[areaSelect.value]) map.setView(centres[areaSelect.value], 15);
      });
    }
  }

  function start() {
    init();
    initPicker();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
