/* Live connections (elements with hx-sse:connect): each one's state in data-live
   ("connected", "lost" or "polling"), its "reconnecting" mark (the element named by
   data-live-mark) shown while it is lost, and a "live:resumed" event when it connects again
   after being lost or polling, since changes may have been missed meanwhile.

   The SSE extension retries a stream that broke, but not a first connection that got no
   answer at all (the server went down between the page and its stream): that one is
   tried again here until it connects.

   A stream the server refuses (503: this person or screen has too many open) is not
   retried in a tight loop: the page polls instead, firing the same "refresh" event the
   stream would (its data: every topic in data-live-topics) every 15 seconds, and asks for
   its stream again every minute. A "revoked" event (the viewer may no longer see this)
   reloads the page, which then shows the sign-in or "not connected" page.

   A region that shows some topics says so (data-live-refresh="board hours") and listens
   for "live:refresh": it gets one when a "refresh" names one of its topics, and one after
   the stream resumes. A region whose topics did not change is not fetched. */
(function () {
  "use strict";

  const RETRY_MS = 3000;
  const POLL_MS = 15000; // the server's Retry-After
  const STREAM_AGAIN_MS = 60000;
  const polling = new WeakMap();

  function isLive(node) {
    return node instanceof Element && node.hasAttribute("hx-sse:connect");
  }

  function setState(node, state) {
    node.dataset.live = state;
    const mark = node.dataset.liveMark && document.getElementById(node.dataset.liveMark);
    if (mark) mark.hidden = state !== "lost";
  }

  function stopPolling(node) {
    clearInterval(polling.get(node));
    polling.delete(node);
  }

  function connect(node) {
    htmx.ajax("GET", node.getAttribute("hx-sse:connect"), { source: node });
  }

  function poll(node) {
    stopPolling(node);
    setState(node, "polling");
    const refusedAt = Date.now(); // by the clock: a background tab's timers run late
    polling.set(node, setInterval(() => {
      if (!node.isConnected || node.dataset.live !== "polling") return stopPolling(node);
      htmx.trigger(node, "refresh", { data: node.dataset.liveTopics || "" });
      if (Date.now() - refusedAt >= STREAM_AGAIN_MS) {
        stopPolling(node);
        connect(node); // refused again: polling starts over
      }
    }, POLL_MS));
  }

  document.addEventListener("htmx:sse:after:connection", (event) => {
    const node = event.target;
    if (!isLive(node)) return;
    const resumed = node.dataset.live === "lost" || node.dataset.live === "polling";
    stopPolling(node);
    setState(node, "connected");
    if (resumed) node.dispatchEvent(new CustomEvent("live:resumed", { bubbles: true }));
  });

  // While polling, the extension's own reconnect attempts stand down (it would retry
  // every few seconds); the page asks for its stream again on its own schedule.
  document.addEventListener("htmx:sse:before:connection", (event) => {
    const node = event.target;
    if (isLive(node) && node.dataset.live === "polling" && event.detail.connection.attempt > 0) {
      event.preventDefault();
    }
  });

  document.addEventListener("htmx:sse:error", (event) => {
    const node = event.target;
    if (!isLive(node)) return;
    if (event.detail && event.detail.status === 503) poll(node);
    else if (node.dataset.live !== "polling") setState(node, "lost");
  });

  document.addEventListener("htmx:sse:close", (event) => {
    const node = event.target;
    if (isLive(node) && node.dataset.live !== "polling") setState(node, "lost");
  });

  // The first request for a stream refused: nothing to swap, poll instead.
  document.addEventListener("htmx:after:request", (event) => {
    const ctx = event.detail && event.detail.ctx;
    if (!ctx || !isLive(ctx.sourceElement) || ctx.response.status !== 503) return;
    event.preventDefault();
    poll(ctx.sourceElement);
  });

  function refreshRegions(topics) {
    document.querySelectorAll("[data-live-refresh]").forEach((region) => {
      const mine = region.dataset.liveRefresh.split(" ");
      if (!topics || mine.some((topic) => topics.includes(topic))) htmx.trigger(region, "live:refresh");
    });
  }

  document.addEventListener("refresh", (event) => {
    if (isLive(event.target)) refreshRegions(String(event.detail?.data || "").split(" "));
  });

  document.addEventListener("live:resumed", (event) => {
    if (isLive(event.target)) refreshRegions(null);
  });

  document.addEventListener("revoked", (event) => {
    if (isLive(event.target)) location.reload();
  });

  document.addEventListener("htmx:error", (event) => {
    const node = event.target;
    if (!isLive(node) || node.dataset.live === "connected") return;
    if (node.dataset.live === "polling") return poll(node); // asked for the stream again: no answer
    setState(node, "lost");
    setTimeout(() => {
      if (node.isConnected && node.dataset.live !== "connected") connect(node);
    }, RETRY_MS);
  });
})();
