// The queue's filters apply as they change: choosing in a select submits the filter form
// (the search box still waits for Enter). Without JavaScript the Show button does it.
(function () {
  "use strict";

  var form = document.querySelector("form.queue-filters");
  if (!form) return;
  form.classList.add("applies-on-change");
  form.addEventListener("change", function (event) {
    if (event.target instanceof HTMLSelectElement) {
      if (form.requestSubmit) form.requestSubmit();
      else form.submit();
    }
  });
})();
