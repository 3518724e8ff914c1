// A quiet notice while a live-update socket cannot connect. htmx's ws extension keeps reconnecting by
// itself; when every socket on the page is open again, the notice empties. The notice is a polite
// status region that is always in the page, so screen readers announce its text when it appears.
(function () {
  "use strict";
  var down = new Set();

  function refresh() {
    var notice = document.getElementById("live-status");
    if (!notice) return;
    var text = down.size ? notice.dataset.paused : "";
    if (notice.textContent !== text) notice.textContent = text;
  }

  function socketOf(event) {
    return (event.detail && event.detail.elt) || event.target;
  }

  function markDown(event) {
    down.add(socketOf(event));
    refresh();
  }

  document.addEventListener("htmx:wsError", markDown);
  document.addEventListener("htmx:wsClose", markDown);
  document.addEventListener("htmx:wsOpen", function (event) {
    down.delete(socketOf(event));
    refresh();
  });
  // A socket removed with its element (an htmx swap, leaving a page) no longer counts.
  document.addEventListener("htmx:beforeCleanupElement", function (event) {
    if (down.delete(socketOf(event))) refresh();
  });
})();
