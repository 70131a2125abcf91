// Keyboard shortcuts for agents. Only a convenience: every action is also a link or a button.
//   j / k        move between ticket rows in the queue, Enter opens the selected one
//   n            open the next ticket (the ticket page's "Next ticket" link, or the next row)
//   r            focus the reply text (#reply-text)
//   Ctrl+Enter / Cmd+Enter   submit the form whose text area has focus
// Nothing fires while the agent types in a field.
(function () {
  "use strict";

  var current = -1;

  function isTyping(target) {
    if (!(target instanceof Element)) return false;
    if (target.isContentEditable) return true;
    return /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName);
  }

  function rows() {
    return Array.prototype.filter.call(
      document.querySelectorAll("main table tbody tr"),
      function (row) { return rowLink(row) !== null; }
    );
  }

  // A row's link to a ticket page of this site (mail content never counts).
  function rowLink(row) {
    if (row.closest(".mail-html")) return null;
    var links = row.querySelectorAll("a[href]");
    for (var i = 0; i < links.length; i++) {
      var link = links[i];
      if (link.origin === window.location.origin && /^\/tickets\/\d+$/.test(link.pathname)) {
        return link;
      }
    }
    return null;
  }

  function select(index) {
    var all = rows();
    if (all.length === 0) return;
    index = Math.max(0, Math.min(all.length - 1, index));
    all.forEach(function (row) { row.classList.remove("shortcut-current"); });
    var row = all[index];
    row.classList.add("shortcut-current");
    row.scrollIntoView({ block: "nearest" });
    rowLink(row).focus({ preventScroll: true });
    current = index;
  }

  function open(index) {
    var all = rows();
    if (index >= 0 && index < all.length) window.location.assign(rowLink(all[index]).href);
  }

  function nextTicket() {
    var link = document.getElementById("next-ticket");
    if (link) {
      window.location.assign(link.href);
    } else if (rows().length) {
      open(current + 1);
    }
  }

  function submitFrom(textarea) {
    var form = textarea.form;
    if (!form) return;
    if (typeof form.requestSubmit === "function") {
      form.requestSubmit();
    } else {
      form.submit();
    }
  }

  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.isComposing) return;
    var target = event.target;
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      if (target instanceof HTMLTextAreaElement) {
        event.preventDefault();
        submitFrom(target);
      }
      return;
    }
    if (event.ctrlKey || event.metaKey || event.altKey || isTyping(target)) return;
    switch (event.key) {
      case "j":
        select(current + 1);
        break;
      case "k":
        select(current < 0 ? 0 : current - 1);
        break;
      case "Enter":
        // A focused link or button already does the right thing on Enter.
        if (current < 0 || (target instanceof Element && target.closest("a, button"))) return;
        open(current);
        break;
      case "n":
        nextTicket();
        break;
      case "r": {
        var reply = document.getElementById("reply-text");
        if (!reply) return;
        reply.focus();
        break;
      }
      default:
        return;
    }
    event.preventDefault();
  });
})();
