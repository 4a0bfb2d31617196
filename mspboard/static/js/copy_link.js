// Copy buttons beside an address shown once (a set-password link): each [data-copy-scope]
// holds a read-only input and a hidden [data-copy-button], shown here. Without this script
// the button stays hidden and the address is selected and copied by hand.
(function () {
  "use strict";

  function copied(input) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(input.value);
    }
    // Plain HTTP on a LAN has no clipboard API: copy the selection the old way.
    input.focus();
    input.select();
    return document.execCommand("copy") ? Promise.resolve() : Promise.reject();
  }

  document.querySelectorAll("[data-copy-scope]").forEach(function (scope) {
    const input = scope.querySelector("input");
    const button = scope.querySelector("[data-copy-button]");
    const status = scope.querySelector("[role=status]");
    if (!input || !button) return;
    input.addEventListener("focus", function () { input.select(); });
    button.hidden = false;
    button.addEventListener("click", function () {
      copied(input).then(
        function () { if (status) status.textContent = "Copied."; },
        function () {
          input.focus();
          input.select();
          if (status) status.textContent = "Press Ctrl+C (or ⌘C) to copy the selected link.";
        }
      );
    });
  });
})();
