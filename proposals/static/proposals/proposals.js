/* Shows why an htmx action was refused (the server answers 4xx with a short message) in a live region. */
(function () {
  "use strict";

  document.addEventListener("htmx:responseError", function (event) {
    var region = document.getElementById("proposal-alerts");
    if (!region) return;
    var parsed = new DOMParser().parseFromString(event.detail.xhr.responseText || "", "text/html");
    var source = parsed.querySelector(".message");
    var note = document.createElement("p");
    note.className = "message message-error";
    note.textContent = source ? source.textContent : region.dataset.fallback;
    region.replaceChildren(note);
  });

  document.addEventListener("htmx:afterRequest", function (event) {
    var region = document.getElementById("proposal-alerts");
    if (region && event.detail.successful) region.replaceChildren();
  });
})();
