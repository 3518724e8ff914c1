/* Small htmx behaviours declared with data attributes instead of hx-on, whose inline code the
   Content-Security-Policy (no 'unsafe-eval') does not allow. */
(function () {
  "use strict";

  // <form data-reset-on-success>: empty the form once its htmx request succeeded.
  document.addEventListener("htmx:afterRequest", function (event) {
    var form = event.detail.elt;
    if (event.detail.successful && form && form.matches && form.matches("form[data-reset-on-success]")) {
      form.reset();
    }
  });

  // <form data-announce="words" data-announce-into="#region">: once its htmx request succeeded, put the words in
  // that live region so a screen reader says what happened (the swapped content itself is not announced).
  document.addEventListener("htmx:afterRequest", function (event) {
    var form = event.detail.elt;
    if (!event.detail.successful || !form || !form.matches || !form.matches("form[data-announce][data-announce-into]")) {
      return;
    }
    var region = document.querySelector(form.getAttribute("data-announce-into"));
    if (!region) return;
    // Emptied first, then filled on the next frame: the same words twice in a row are announced twice.
    region.textContent = "";
    window.requestAnimationFrame(function () {
      region.textContent = form.getAttribute("data-announce");
    });
  });

  // Inside [data-swap-client-errors]: a refusal (4xx) is swapped in like a success, so its reason shows.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var status = event.detail.xhr.status;
    var target = event.detail.target;
    if (status >= 400 && status < 500 && target && target.closest && target.closest("[data-swap-client-errors]")) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });
})();
