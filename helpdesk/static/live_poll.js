// Polling for the live pages (live_queue.js, live_ticket.js): GET `url()` every `interval`
// ms while the tab is visible; 204 means nothing changed, JSON goes to `apply`. Errors
// (the server away, a signed-out session) back off up to a minute.
window.helpdeskLivePoll = function (interval, url, apply) {
  "use strict";

  var delay = interval;
  var timer = null;
  var busy = false;

  function schedule() {
    window.clearTimeout(timer);
    if (!document.hidden) timer = window.setTimeout(poll, delay);
  }

  function poll() {
    if (busy || document.hidden) return;
    busy = true;
    fetch(url(), { credentials: "same-origin", cache: "no-store", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (response.status === 204) return null;
        var type = response.headers.get("Content-Type") || "";
        if (!response.ok || type.indexOf("application/json") < 0) throw new Error(String(response.status));
        return response.json();
      })
      .then(function (data) {
        delay = interval;
        if (data) apply(data);
      })
      .catch(function () {
        delay = Math.min(delay * 2, 60000);
      })
      .then(function () {
        busy = false;
        schedule();
      });
  }

  document.addEventListener("visibilitychange", function () {
    if (document.hidden) window.clearTimeout(timer);
    else poll();
  });
  schedule();
};
