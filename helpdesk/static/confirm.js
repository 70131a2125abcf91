// Asks before a destructive action. A form, its submit button, or an <option> chosen in
// one of its selects carries `data-confirm="Question?"`; Cancel stops the submit.
// Without JavaScript the action happens at once (every such action is also audited).
(function () {
  "use strict";

  function question(form, submitter) {
    if (submitter && submitter.dataset.confirm) return submitter.dataset.confirm;
    var selects = form.querySelectorAll("select");
    for (var i = 0; i < selects.length; i++) {
      var option = selects[i].selectedOptions[0];
      if (option && option.dataset.confirm) return option.dataset.confirm;
    }
    return form.dataset.confirm || "";
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement)) return;
    var text = question(form, event.submitter);
    if (text && !window.confirm(text)) event.preventDefault();
  });
})();
