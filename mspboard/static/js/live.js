/* Live connections (elements with hx-sse:connect): each one's state in data-live
   ("connected" or "lost"), its "reconnecting" mark (the element named by data-live-mark)
   shown while it is lost, and a "live:resumed" event when it connects again after being
   lost, since changes may have been missed meanwhile.

   The SSE extension retries a stream that broke, but not a first connection that got no
   answer at all (the server went down between the page and its stream): that one is
   tried again here until it connects. */
(function () {
  "use strict";

  const RETRY_MS = 3000;

  function isLive(node) {
    return node instanceof Element && node.hasAttribute("hx-sse:connect");
  }

  function setState(node, state) {
    node.dataset.live = state;
    const mark = node.dataset.liveMark && document.getElementById(node.dataset.liveMark);
    if (mark) mark.hidden = state === "connected";
  }

  document.addEventListener("htmx:sse:after:connection", (event) => {
    const node = event.target;
    if (!isLive(node)) return;
    const resumed = node.dataset.live === "lost";
    setState(node, "connected");
    if (resumed) node.dispatchEvent(new CustomEvent("live:resumed", { bubbles: true }));
  });

  for (const name of ["htmx:sse:error", "htmx:sse:close"]) {
    document.addEventListener(name, (event) => {
      if (isLive(event.target)) setState(event.target, "lost");
    });
  }

  document.addEventListener("htmx:error", (event) => {
    const node = event.target;
    if (!isLive(node) || node.dataset.live === "connected") return;
    setState(node, "lost");
    setTimeout(() => {
      if (node.isConnected && node.dataset.live !== "connected") {
        htmx.ajax("GET", node.getAttribute("hx-sse:connect"), { source: node });
      }
    }, RETRY_MS);
  });
})();
