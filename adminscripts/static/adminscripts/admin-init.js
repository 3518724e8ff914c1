/*
 * Starts the Wagtail admin's widgets (InlinePanels, choosers, date pickers) from data, so that the admin needs no
 * inline script (adminscripts/initialisers.py writes the data; issue 15 point 12).
 *
 * Each widget is followed by <script type="application/json" data-admin-init="NAME">[arguments]</script>. NAME must
 * be one of INITIALISERS below, and the arguments are what JSON.parse gives: data never becomes code, and a name
 * outside the table is refused. Loaded with `defer`, after Wagtail's own scripts have defined these globals.
 *
 * Widgets also arrive later: an InlinePanel's "Add" (started at once, on Wagtail's w-formset:added event, because
 * a MultipleChooserPanel reads the new chooser straight after adding it), a chooser modal's forms and any other
 * HTML Wagtail swaps in (a MutationObserver). Each data block starts its widget once.
 */
(() => {
  "use strict";

  const construct = (name) => (...args) => new window[name](...args);
  const call = (name) => (...args) => window[name](...args);
  // Keep in step with adminscripts/initialisers.py's INITIALISERS.
  const INITIALISERS = new Map([
    ["InlinePanel", construct("InlinePanel")],
    ["MultipleChooserPanel", construct("MultipleChooserPanel")],
    ["initDateChooser", call("initDateChooser")],
    ["initTimeChooser", call("initTimeChooser")],
    ["initDateTimeChooser", call("initDateTimeChooser")],
    ["Chooser", construct("Chooser")],
    ["PageChooser", construct("PageChooser")],
    ["ImageChooser", construct("ImageChooser")],
    ["DocumentChooser", construct("DocumentChooser")],
    ["SnippetChooser", construct("SnippetChooser")],
    ["createTaskChooser", call("createTaskChooser")],
  ]);
  const SELECTOR = 'script[type="application/json"][data-admin-init]';
  const started = new WeakSet();

  function start(block) {
    if (started.has(block)) return;
    started.add(block);
    const name = block.dataset.adminInit;
    const initialiser = INITIALISERS.get(name);
    if (!initialiser) {
      console.error(`admin-init: ${name} is not a Wagtail initialiser this site starts`);
      return;
    }
    let args;
    try {
      args = JSON.parse(block.textContent);
    } catch (error) {
      console.error(`admin-init: the arguments of ${name} are not JSON`, error);
      return;
    }
    if (!Array.isArray(args)) return;
    try {
      initialiser(...args);
    } catch (error) {
      // One broken widget must not stop the others on the page (as a failing inline script would not).
      console.error(`admin-init: ${name} failed`, error);
    }
  }

  function startWithin(root) {
    if (root.nodeType !== Node.ELEMENT_NODE && root.nodeType !== Node.DOCUMENT_NODE) return;
    if (root.matches?.(SELECTOR)) start(root);
    root.querySelectorAll(SELECTOR).forEach(start);
  }

  startWithin(document);
  document.addEventListener("w-formset:added", (event) => startWithin(event.target));
  new MutationObserver((records) => {
    records.forEach((record) => record.addedNodes.forEach(startWithin));
  }).observe(document.documentElement, { childList: true, subtree: true });
})();
