// The live queue: asks the server every few seconds what changed in this view
// (GET data-live-url, see helpdesk/live/views.py) and updates the table in place. Changed
// rows are replaced (their checkbox state kept), new rows are inserted highlighted and
// announced, rows that left the view are removed (or marked, when checked or focused).
// The filter form, the search box and the focus are never touched. Polling stops while
// the tab is hidden (live_poll.js).
(function () {
  "use strict";

  var table = document.querySelector("table.queue-table[data-live-url]");
  if (!table || !window.fetch || !window.helpdeskLivePoll) return;
  var body = table.tBodies[0];
  var status = document.getElementById("queue-live-status");
  var url = table.getAttribute("data-live-url");
  var since = table.getAttribute("data-live-since");
  var interval = Number(table.getAttribute("data-live-interval")) || 5000;

  function rows() {
    var found = {};
    body.querySelectorAll("tr[data-ticket-id]").forEach(function (row) {
      found[row.getAttribute("data-ticket-id")] = row;
    });
    return found;
  }

  function shownIds() {
    return Object.keys(rows()).join(",");
  }

  function parse(html) {
    var template = document.createElement("template");
    template.innerHTML = html;
    var found = {};
    template.content.querySelectorAll("tr[data-ticket-id]").forEach(function (row) {
      found[row.getAttribute("data-ticket-id")] = row;
    });
    return found;
  }

  function checkbox(row) {
    return row.querySelector("input[type=checkbox]");
  }

  function ticketName(row) {
    var link = row.querySelector("td:nth-child(2) a");
    return link ? link.textContent.trim() : "a ticket";
  }

  // The new row takes the old one's place, checkbox state and focus.
  function replace(old, row) {
    var oldBox = checkbox(old);
    var newBox = checkbox(row);
    if (oldBox && newBox) newBox.checked = oldBox.checked;
    var active = document.activeElement;
    var focused = old.contains(active) ? Array.prototype.indexOf.call(old.querySelectorAll("a, input"), active) : -1;
    row.classList.add("live-changed");
    if (old.classList.contains("shortcut-current")) row.classList.add("shortcut-current");
    old.replaceWith(row);
    if (focused >= 0) {
      var target = row.querySelectorAll("a, input")[focused];
      if (target) target.focus();
    }
    return row;
  }

  function leave(row) {
    var box = checkbox(row);
    if ((box && box.checked) || row.contains(document.activeElement)) {
      if (!row.classList.contains("live-gone")) {
        row.classList.add("live-gone");
        var note = document.createElement("span");
        note.className = "badge live-gone-note";
        note.textContent = "No longer in this view";
        row.cells[1].appendChild(note);
      }
    } else {
      row.remove();
    }
  }

  function say(text) {
    if (!status || !text) return;
    status.textContent = "";
    window.setTimeout(function () { status.textContent = text; }, 50);
  }

  function announce(added, changed, left) {
    var parts = [];
    if (added.length === 1) parts.push("New ticket: " + ticketName(added[0]) + ".");
    else if (added.length > 1) parts.push(added.length + " new tickets.");
    if (changed === 1) parts.push("1 ticket changed.");
    else if (changed > 1) parts.push(changed + " tickets changed.");
    if (left === 1) parts.push("1 ticket left this view.");
    else if (left > 1) parts.push(left + " tickets left this view.");
    say(parts.join(" "));
  }

  function showReload() {
    if (document.getElementById("queue-live-reload")) return;
    var note = document.createElement("p");
    note.id = "queue-live-reload";
    note.className = "flash info";
    note.setAttribute("role", "status");
    note.appendChild(document.createTextNode("Many tickets changed. "));
    var link = document.createElement("a");
    link.href = window.location.href;
    link.textContent = "Reload to see them";
    note.appendChild(link);
    table.parentNode.insertBefore(note, table);
  }

  // "No tickets match." while the table has no row.
  function emptyRow(none) {
    var empty = body.querySelector("tr.queue-empty");
    if (!none && empty) empty.remove();
    if (none && !empty) {
      var row = body.insertRow();
      row.className = "queue-empty";
      var cell = row.insertCell();
      cell.colSpan = table.tHead.rows[0].cells.length;
      cell.textContent = "No tickets match.";
    }
  }

  // The views' counts in the navigation, and the table's caption.
  function counts(found) {
    document.querySelectorAll("[data-view-count]").forEach(function (badge) {
      var n = found[badge.getAttribute("data-view-count")];
      if (typeof n === "number") badge.textContent = String(n);
    });
    var caption = table.caption;
    var shown = body.querySelectorAll("tr[data-ticket-id]").length;
    if (caption) caption.textContent = caption.textContent.replace(/\d+ tickets on this page/, shown + " tickets on this page");
  }

  function apply(data) {
    since = data.since;
    if (data.reload) {
      showReload();
      return;
    }
    var existing = rows();
    var fresh = parse(data.rows);
    var wanted = {};
    var added = [];
    var changed = 0;
    var previous = null;
    data.order.forEach(function (number) {
      var id = String(number);
      var row = existing[id];
      var next = fresh[id];
      wanted[id] = true;
      if (next && !row) {
        next.classList.add("live-new");
        row = next;
        added.push(next);
      } else if (next && row.getAttribute("data-version") !== next.getAttribute("data-version")) {
        row = replace(row, next);
        changed += 1;
      }
      if (!row) return;
      var place = previous ? previous.nextElementSibling : body.firstElementChild;
      if (place !== row) body.insertBefore(row, place);
      previous = row;
    });
    var left = 0;
    Object.keys(existing).forEach(function (id) {
      if (!wanted[id] && !existing[id].classList.contains("live-gone")) {
        leave(existing[id]);
        left += 1;
      }
    });
    emptyRow(data.order.length === 0 && !body.querySelector("tr[data-ticket-id]"));
    counts(data.counts || {});
    announce(added, changed, left);
  }

  window.helpdeskLivePoll(interval, function () {
    return url + (url.indexOf("?") < 0 ? "?" : "&") + "since=" + encodeURIComponent(since) +
      "&shown=" + shownIds();
  }, apply);
})();
