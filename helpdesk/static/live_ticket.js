// The ticket page's live banner: asks the server every few seconds whether others acted
// on this ticket since the page was loaded (GET data-live-url, see helpdesk/live/views.py)
// and says what, with a link to reload. Polling stops while the tab is hidden (live_poll.js).
(function () {
  "use strict";

  var banner = document.getElementById("ticket-live");
  if (!banner || !window.fetch || !window.helpdeskLivePoll) return;
  var url = new URL(banner.getAttribute("data-live-url"), window.location.href);
  var interval = Number(banner.getAttribute("data-live-interval")) || 5000;
  var lines = [];

  function show() {
    var note = document.createElement("p");
    note.className = "flash info";
    note.appendChild(document.createTextNode("Since you opened this ticket: " + lines.join(" ") + " "));
    var link = document.createElement("a");
    link.href = window.location.pathname + window.location.search;
    link.textContent = "Reload to see it";
    note.appendChild(link);
    banner.replaceChildren(note);
  }

  function apply(data) {
    url.searchParams.set("message", String(data.message));
    url.searchParams.set("event", String(data.event));
    var added = false;
    data.news.forEach(function (line) {
      if (lines.indexOf(line) < 0) {
        lines.push(line);
        added = true;
      }
    });
    if (added) show();
  }

  window.helpdeskLivePoll(interval, function () { return url.toString(); }, apply);
})();
