// Admin: a "Search" box above a long list of checkboxes (div.ml-searchable-checkboxes), hiding the
// ones whose label does not contain the words typed. An external file, no inline script, so
// it runs under a strict Content-Security-Policy; without it every checkbox still shows.
(function () {
  "use strict";

  function enhance(list) {
    if (list.dataset.mlSearchableReady) return;
    list.dataset.mlSearchableReady = "1";
    var input = document.createElement("input");
    input.type = "search";
    input.className = "ml-searchable-checkboxes__search";
    input.placeholder = "Search by name or email";
    input.setAttribute("aria-label", "Search the list below by name or email");
    if (list.id) input.setAttribute("aria-controls", list.id);
    list.parentNode.insertBefore(input, list);
    var items = list.querySelectorAll("label");
    input.addEventListener("input", function () {
      var words = input.value.toLowerCase().split(/\s+/).filter(Boolean);
      items.forEach(function (label) {
        var text = label.textContent.toLowerCase();
        var box = label.querySelector("input");
        var show = (box && box.checked) || words.every(function (w) { return text.indexOf(w) !== -1; });
        var row = label.closest("div") && label.closest("div") !== list ? label.closest("div") : label;
        row.hidden = !show;
      });
    });
  }

  function init() {
    document.querySelectorAll("div.ml-searchable-checkboxes").forEach(enhance);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
