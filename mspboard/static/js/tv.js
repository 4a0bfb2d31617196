// The wall TV: a clock in the shop's time zone, running-timer durations that keep
// counting, and recovery from lost connections without anyone touching it.
(function () {
  "use strict";

  const zone = document.body.dataset.timezone || "UTC";
  const clockFormat = new Intl.DateTimeFormat([], { hour: "2-digit", minute: "2-digit", timeZone: zone });

  function duration(ms) {
    const minutes = Math.max(0, Math.floor(ms / 60000));
    if (minutes < 60) return `${minutes} min`;
    if (minutes < 1440) {
      const rest = minutes % 60;
      return rest ? `${Math.floor(minutes / 60)} h ${rest} min` : `${Math.floor(minutes / 60)} h`;
    }
    return `${Math.floor(minutes / 1440)} d`;
  }

  function tick() {
    const now = new Date();
    const clock = document.getElementById("tv-clock");
    if (clock) clock.textContent = clockFormat.format(now);
    document.querySelectorAll("[data-since]").forEach((el) => {
      el.textContent = duration(now - new Date(el.dataset.since));
    });
  }
  setInterval(tick, 1000);

  // Each part of the wall fetches itself again when what it shows changed (live.js, from
  // its data-live-refresh topics). The "Reconnecting" mark, retries, polling when refused
  // and the reload when the link is revoked are live.js's too; a revoked link shows the
  // "not connected" page.
  document.addEventListener("htmx:sse:error", (event) => {
    if (event.detail && (event.detail.status === 403 || event.detail.status === 404)) location.reload();
  });
})();
