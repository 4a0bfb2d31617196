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
    return `${part.hour}:${part.minute}` + (part.dayPeriod ? " " + part.dayPeriod : "");
  }

  // A running timer's time so far, as the server writes it (services/durations.spent): "1 h 05 min".
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

  // Each column shows as many cards as its height holds (tv.css wraps the others out of
  // view); "+N more" counts the rest of the column, shown or not sent. Its element is the
  // page's own (hx-morph-skip), so a refresh that changed nothing in a column changes
  // nothing on the screen.
  function fitColumn(column) {
    const list = column.querySelector(".tv-cards");
    const more = column.querySelector(".tv-more");
    if (!list || !more) return;
    const total = Number(column.dataset.count) || 0;
    for (let pass = 0; pass < 2; pass += 1) {  // showing the line changes the room left
      const right = list.getBoundingClientRect().right;
      const shown = [...list.children].filter((card) => card.getBoundingClientRect().left < right).length;
      const text = total > shown ? `+${total - shown} more` : "";
      if (more.textContent === text) return;
      more.textContent = text;
    }
  }

  function fitColumns() {
    document.querySelectorAll(".tv-column").forEach(fitColumn);
  }
  fitColumns();
  document.addEventListener("htmx:after:swap", fitColumns);
  window.addEventListener("resize", fitColumns);

  // Each part of the wall fetches itself again when what it shows changed (live.js, from
  // its data-live-refresh topics). The "Reconnecting" mark, retries, polling when refused
  // and the reload when the link is revoked are live.js's too; a revoked link shows the
  // "not connected" page.
  document.addEventListener("htmx:sse:error", (event) => {
    if (event.detail && (event.detail.status === 403 || event.detail.status === 404)) location.reload();
  });
})();
