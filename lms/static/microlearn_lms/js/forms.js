/* Participant forms, progressive enhancement only (docs/challenges.md, "Forms"). Without this
   file every form still works: the error summary is at the top of the form, both follow-up
   dates are shown with labels saying when each applies, and the server checks text limits.

   1. An error summary ([data-error-summary]) takes focus on load, so the page opens at the
      form and screen readers read the problems; its links move focus to the field.
   2. A textarea with data-char-count="N" gets a live count ("1,940 characters left") in its
      hint; screen readers hear it (politely) only near or over the limit.
   3. A row with data-show-when="<input name>" data-show-value="<value>" is shown only while
      that radio group has that value (the hidden attribute, so it leaves the tab order too).
*/
(function () {
  "use strict";

  var numbers = new Intl.NumberFormat("en-GB");

  function focusErrorSummary() {
    var summary = document.querySelector("[data-error-summary]");
    if (!summary) return;
    summary.focus();
    summary.addEventListener("click", function (event) {
      var link = event.target.closest("a[href^='#']");
      if (!link) return;
      var target = document.getElementById(link.getAttribute("href").slice(1));
      if (!target) return;
      event.preventDefault();
      var row = target.closest(".form-row");
      (row || target).scrollIntoView({ block: "start" });
      target.focus({ preventScroll: true });
    });
  }

  function characterCount(textarea) {
    var limit = parseInt(textarea.getAttribute("data-char-count"), 10);
    if (!limit) return;
    var hint = document.getElementById(textarea.id + "_helptext");
    if (!hint) {
      hint = document.createElement("div");
      hint.className = "meta";
      hint.id = textarea.id + "_helptext";
      textarea.parentNode.insertBefore(hint, textarea);
      var described = textarea.getAttribute("aria-describedby");
      textarea.setAttribute("aria-describedby", (described ? described + " " : "") + hint.id);
    }
    hint.classList.add("char-count");
    var live = document.createElement("div");
    live.className = "visually-hidden";
    live.setAttribute("aria-live", "polite");
    live.id = textarea.id + "_count_live";
    textarea.parentNode.insertBefore(live, textarea.nextSibling);
    var nearLimit = Math.max(1, Math.floor(limit * 0.1));
    var timer = null;

    function message() {
      var left = limit - textarea.value.length;
      if (left >= 0) {
        return numbers.format(left) + (left === 1 ? " character left" : " characters left");
      }
      var over = -left;
      return "You have " + numbers.format(over) + (over === 1 ? " character" : " characters") + " too many";
    }

    function update() {
      var text = message();
      var over = textarea.value.length > limit;
      hint.textContent = text;
      hint.classList.toggle("char-count-over", over);
      clearTimeout(timer);
      if (limit - textarea.value.length <= nearLimit) {
        timer = setTimeout(function () { live.textContent = text; }, 600);
      } else {
        live.textContent = "";
      }
    }

    textarea.removeAttribute("maxlength");
    textarea.addEventListener("input", update);
    update();
    live.textContent = "";
  }

  function conditionalRows(row) {
    var form = row.closest("form");
    if (!form) return;
    var name = row.getAttribute("data-show-when");
    var value = row.getAttribute("data-show-value");
    var inputs = Array.prototype.filter.call(form.elements, function (el) { return el.name === name; });
    if (!inputs.length) return;

    function update() {
      var chosen = inputs.filter(function (el) {
        return el.type === "radio" || el.type === "checkbox" ? el.checked : true;
      }).map(function (el) { return el.value; });
      row.hidden = chosen.indexOf(value) === -1;
    }

    inputs.forEach(function (el) { el.addEventListener("change", update); });
    update();
  }

  function init() {
    document.querySelectorAll("textarea[data-char-count]").forEach(characterCount);
    document.querySelectorAll("[data-show-when]").forEach(conditionalRows);
    focusErrorSummary();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
