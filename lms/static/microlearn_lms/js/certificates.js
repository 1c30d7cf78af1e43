// Certificates on /learn/: reveal "Copy link" buttons and copy the verification link.
// Progressive enhancement: without JS the link stays visible in a read-only field to copy by hand.
(function () {
  "use strict";
  if (!navigator.clipboard) {
    return;
  }
  document.querySelectorAll("button.copy-link[data-copy-target]").forEach(function (button) {
    var field = document.getElementById(button.getAttribute("data-copy-target"));
    var status = button.parentElement.querySelector(".copy-status");
    if (!field) {
      return;
    }
    button.hidden = false;
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(field.value).then(
        function () {
          if (status) { status.textContent = "Link copied."; }
        },
        function () {
          field.select();
          if (status) { status.textContent = "Press Ctrl+C (or Cmd+C) to copy the selected link."; }
        }
      );
    });
  });
})();
