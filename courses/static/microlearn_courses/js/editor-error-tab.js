// Page editor: after a failed save or publish, open the first tab that holds an error.
// Wagtail 8 marks tabs with an error count and offers "Go to the first error" in the message,
// but still opens the first tab (Content) — so an error on the Quiz tab went unseen.
// An external file (insert_editor_js), no inline script: CSP-safe. Does nothing when a tab
// is already chosen in the address (#tab-…) or when the current tab has an error.
(function () {
  "use strict";
  var ERROR = ":not([hidden]):is(.error-message,.help-critical)";

  function openTabWithError() {
    if (window.location.hash.indexOf("#tab-") === 0) return;
    var panels = document.querySelectorAll('.w-tabs [role="tabpanel"]');
    for (var i = 0; i < panels.length; i++) {
      if (!panels[i].hidden && panels[i].querySelector(ERROR)) return;
    }
    for (var j = 0; j < panels.length; j++) {
      if (panels[j].querySelector(ERROR)) {
        var tab = document.querySelector('[role="tab"][aria-controls="' + panels[j].id + '"]');
        if (tab) tab.click();
        return;
      }
    }
  }

  // StreamField errors are drawn by script after the page loads; wait for that.
  window.addEventListener("load", function () {
    window.setTimeout(openTabWithError, 0);
  });
})();
