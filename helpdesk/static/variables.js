// The template editor's variable list: each "Insert" button puts `{{ name }}` at the cursor
// of the body (replacing any selection) and gives the focus back to it.
(function () {
  "use strict";

  var body = document.getElementById("body");
  if (!body) return;
  document.querySelectorAll("button[data-insert]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () {
      var text = "{{ " + button.dataset.insert + " }}";
      var start = body.selectionStart, end = body.selectionEnd;
      body.setRangeText(text, start, end, "end");
      body.focus();
      body.dispatchEvent(new Event("input", { bubbles: true }));
    });
  });
})();
