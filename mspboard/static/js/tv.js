// The wall TV: a clock in the shop's time zone, running-timer durations that keep
// counting, and recovery from lost connections without anyone touching it.
(function () {
  "use strict";

  const zone = document.body.dataset.timezone || "UTC";
  // The shop's clock, as the server writes it (services/local_time.clock_text): "18:43" on
  // 24 hours, "6:43 PM" on 12.
  const twelve = document.body.dataset.clockHours === "12";
  const clockFormat = new Intl.DateTimeFormat("en-US", {
    hour: twelve ? "numeric" : "2-digit",
    minute: "2-digit",
    hourCycle: twelve ? "h12" : "h23",
    timeZone: zone,
  });

  function clockText(moment) {
    const part = Object.fromEntries(clockFormat.formatToParts(moment).map((p) => [p.type, p.value]));
    return `${part.hour}:${part.minute}${part.dayPeriod ? ` ${part.dayPeriod}` : ""}`;
  }

  // A running timer's time so far, as the server writes it (templating.spent): "1 h 05 min".
  function spent(ms) {
    const minutes = Math.max(0, Math.floor(ms / 60000));
    const hours = Math.floor(minutes / 60);
    return hours ? `${hours} h ${String(minutes % 60).padStart(2, "0")} min` : `${minutes} min`;
  }

  function tick() {
    const now = new Date();
    const clock = document.getElementById("tv-clock");
    if (clock) clock.textContent = clockText(now);
    document.querySelectorAll("[data-since]").forEach((el) => {
      el.textContent = spent(now - new Date(el.dataset.since));
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
