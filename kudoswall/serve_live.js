// kudoswall serve: reload this page when the preview changes, and show build errors over it.
// Only `kudoswall serve` adds this script to pages; `kudoswall build` output never has it.
(function () {
  "use strict";
  var dataElement = document.getElementById("kudoswall-live");
  if (!dataElement) return;
  var shown = JSON.parse(dataElement.textContent);
  var EVENTS = "/__kudoswall/events";
  var STATE = "/__kudoswall/state";
  var reloading = false;

  function check(latest) {
    if (!reloading && latest && latest.version !== shown.version) {
      reloading = true;
      location.reload();
    }
  }

  // Built with DOM calls and textContent only: messages quote file content.
  function showErrors(errors) {
    // A modal dialog: it takes the focus (so the keyboard scrolls it) and the page under it is
    // inert, so Tab cannot wander to links the overlay hides.
    var overlay = document.createElement("div");
    overlay.id = "kudoswall-errors";
    overlay.setAttribute("role", "alertdialog");
    overlay.setAttribute("aria-modal", "true");
    overlay.setAttribute("aria-labelledby", "kudoswall-errors-title");
    overlay.tabIndex = -1;
    overlay.style.cssText = "position:fixed;inset:0;z-index:2147483647;overflow:auto;padding:2rem;" +
      "background:rgba(20,20,24,.94);color:#fff;font:14px/1.5 ui-monospace,SFMono-Regular,Menlo,monospace";
    var heading = document.createElement("h2");
    heading.id = "kudoswall-errors-title";
    heading.textContent = "kudoswall: " + errors.length + (errors.length === 1 ? " error" : " errors") +
      " — the preview shows the last good build until they are fixed";
    heading.style.cssText = "margin:0 0 1rem;font-size:16px;color:#ff8a80";
    overlay.appendChild(heading);
    var list = document.createElement("ul");
    list.style.cssText = "margin:0;padding:0;list-style:none";
    errors.forEach(function (text) {
      var item = document.createElement("li");
      item.textContent = text;
      item.style.cssText = "margin:0 0 .75rem;white-space:pre-wrap;overflow-wrap:anywhere";
      list.appendChild(item);
    });
    overlay.appendChild(list);
    Array.prototype.forEach.call(document.body.children, function (child) { child.inert = true; });
    document.body.appendChild(overlay);
    overlay.focus();
  }

  function listen(onState) {
    var source = new EventSource(EVENTS);
    source.onmessage = function (event) { onState(JSON.parse(event.data)); };
  }

  if (shown.errors.length) showErrors(shown.errors);

  // Browsers open at most six connections to one host, so an event stream per tab would stall
  // page loads from the seventh tab on. Instead the tab holding a Web Lock keeps the one stream
  // open and passes each message to the other tabs; when it closes, another tab takes over.
  if (navigator.locks && window.BroadcastChannel) {
    var channel = new BroadcastChannel("kudoswall-live");
    channel.onmessage = function (event) { check(event.data); };
    navigator.locks.request("kudoswall-live", function () {
      return new Promise(function () {
        listen(function (latest) { channel.postMessage(latest); check(latest); });
      });
    });
    // A rebuild may have finished between serving this page and the leader's next message.
    fetch(STATE, { cache: "no-store" }).then(function (response) { return response.json(); })
      .then(check, function () {});
  } else {
    listen(check);  // no Web Locks (an insecure origin such as a LAN address): a stream per tab
  }
})();
