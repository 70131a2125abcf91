// Presence on the ticket page: who else has it open and who is typing a reply.
// While the page is visible it posts a heartbeat every data-interval seconds (and at once
// when the agent starts typing a reply); the answer lists the other people on the ticket.
// Leaving the page tells the server at once (sendBeacon). Without JavaScript nothing shows.
(function () {
  "use strict";

  var box = document.getElementById("presence");
  if (!box || !window.fetch || !window.crypto) return;
  var list = box.querySelector(".presence-list");
  var interval = Math.max(1, parseInt(box.dataset.interval, 10) || 10) * 1000;
  var page = randomKey();
  var typedAt = 0;
  var sentTypingAt = 0;
  var busy = false;
  var shown = null;

  function randomKey() {
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) {
      return ("0" + b.toString(16)).slice(-2);
    }).join("");
  }

  function body(typing) {
    var data = new URLSearchParams();
    data.set("csrf_token", box.dataset.csrf);
    data.set("page", page);
    if (typing) data.set("typing", "1");
    return data;
  }

  function isTyping() {
    return Date.now() - typedAt < interval;
  }

  function beat() {
    if (busy || document.visibilityState === "hidden") return;
    busy = true;
    var typing = isTyping();
    if (typing) sentTypingAt = Date.now();
    // A request that hangs is given up, so the beats go on.
    var controller = window.AbortController ? new AbortController() : null;
    var timeout = controller && window.setTimeout(function () { controller.abort(); }, 2 * interval);
    fetch(box.dataset.url, {
      method: "POST",
      body: body(typing),
      headers: { "X-CSRFToken": box.dataset.csrf },
      credentials: "same-origin",
      signal: controller ? controller.signal : undefined,
    })
      .then(function (response) {
        var json = (response.headers.get("Content-Type") || "").indexOf("json") >= 0;
        return response.ok && json ? response.json() : null;
      })
      .then(function (data) {
        if (!data) return;
        if (data.csrf) box.dataset.csrf = data.csrf; // tokens expire; this one is fresh
        show(data.others || []);
      })
      .catch(function () { /* offline or signed out: try again at the next beat */ })
      .then(function () {
        busy = false;
        if (timeout) window.clearTimeout(timeout);
      });
  }

  function show(others) {
    var lines = others.map(function (person) {
      return person.name + (person.typing ? " is typing a reply…" : " is viewing");
    });
    var key = lines.join("\n");
    if (key === shown) return; // unchanged: the live region stays quiet
    shown = key;
    list.textContent = "";
    lines.forEach(function (line, i) {
      var item = document.createElement("li");
      item.className = "badge presence-person" + (others[i].typing ? " presence-typing" : "");
      item.textContent = line;
      list.appendChild(item);
    });
  }

  function leave() {
    if (navigator.sendBeacon) navigator.sendBeacon(box.dataset.leaveUrl, body(false));
  }

  document.addEventListener("input", function (event) {
    if (!(event.target instanceof Element) || event.target.id !== "reply-text") return;
    typedAt = Date.now();
    // Tell the others at once when typing starts, then with the regular beats.
    if (Date.now() - sentTypingAt > interval) beat();
  });
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible") beat();
  });
  window.addEventListener("pagehide", leave);
  window.addEventListener("pageshow", function (event) { if (event.persisted) beat(); });
  window.setInterval(beat, interval);
  beat();
})();
