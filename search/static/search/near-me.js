// "Search near me": asks the browser for the position once, then submits the search form with it.
// Without JavaScript or permission the button stays hidden or explains itself; area facets still work.
(function () {
  const button = document.querySelector("[data-near-me]");
  if (!button || !("geolocation" in navigator)) return;
  const form = button.closest("form");
  const status = form.querySelector("[data-near-me-status]");
  button.hidden = false;
  button.addEventListener("click", function () {
    button.disabled = true;
    navigator.geolocation.getCurrentPosition(
      function (position) {
        const lat = form.querySelector("input[name=lat]");
        const lon = form.querySelector("input[name=lon]");
        lat.value = position.coords.latitude.toFixed(6);
        lon.value = position.coords.longitude.toFixed(6);
        lat.disabled = false;
        lon.disabled = false;
        form.submit();
      },
      function () {
        button.disabled = false;
        if (status) status.textContent = button.dataset.error;
      },
      { timeout: 10000, maximumAge: 60000 }
    );
  });
})();
