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

/* After a vote or its withdrawal the panel is swapped: the keyboard stays on the new button (htmx restores
   focus by id, this covers a click that did not focus it) and a polite live region outside the panel says
   what happened, since a freshly inserted region is not read out. */
(function () {
  "use strict";

  document.addEventListener("htmx:afterSwap", function (event) {
    var config = event.detail.requestConfig;
    var target = event.detail.target;
    if (!config || config.verb !== "post" || !target || !/^vote-panel-\d+$/.test(target.id)) return;
    var panel = document.getElementById(target.id);  // the swapped-in panel, not the one it replaced
    var box = panel && panel.closest(".vote-box");
    if (!box) return;
    var button = panel.querySelector(".vote-button");
    if (button && (!document.activeElement || document.activeElement === document.body)) button.focus();
    var announcer = box.querySelector(".vote-announcer");
    if (announcer) announcer.textContent = panel.dataset.announcement || "";
  });
})();

/* The similar-proposals hint is refreshed as the resident types: a list they opened stays open. */
(function () {
  "use strict";

  var keepOpen = false;
  document.addEventListener("htmx:beforeSwap", function (event) {
    if (event.detail.target.id !== "similar-proposals") return;
    var details = document.getElementById("similar-details");
    keepOpen = Boolean(details && details.open);
  });
  document.addEventListener("htmx:afterSwap", function (event) {
    if (event.detail.target.id !== "similar-proposals") return;
    var details = document.getElementById("similar-details");
    if (details && keepOpen) details.open = true;
  });
})();
