/* mspboard outbox: every write from the phone view goes through here, online or not.

   A form marked data-outbox is not sent by the browser. Its fields are stored in IndexedDB
   with a UUID made here (the server's idempotency key) and the moment it really happened,
   shown at once as waiting, and sent oldest first when the network allows: on load, when
   the network comes back, when the tab is shown again and every 30 seconds. An item leaves
   the outbox only once the server has answered for it: stored (or already stored), or
   refused, in which case it stays visible with the reason until the tech edits, retries
   or discards it. What the server said about each sent item is shown and kept for the day.

   Each item belongs to the person who made it: it is sent only while that person is signed
   in, and only with a token of their own session. An item the server fails on (5xx) is
   tried again later, and after MAX_FAILURES it is marked stuck; the items behind it go on,
   except one that depends on it (a timer stop waits for its start). */
(function () {
  "use strict";

  const DB_NAME = "mspboard-outbox";
  const STORE = "items";
  const SEND_EVERY_MS = 30000;
  const PROBE_EVERY_MS = 4000; // how often a page that shows "Offline" checks again
  const MAX_FAILURES = 3;
  const RETRY_AFTER_MS = [5000, 20000];
  const EDITABLE = ["checkin", "timeoff", "agenda", "entry", "propose", "sr-note", "manager-review", "goal"];
  const PAGE_VIEW = newUUID();

  let page = null; // #field-page: who is signed in, where to get a token, etc.
  let csrfToken = "";
  let flushing = false;
  let flushAgain = false;
  let reachable = null; // did the server answer the last time it was asked? null: not asked yet
  let retryTimer = null;

  // ---- storage -------------------------------------------------------------------------

  function openDb() {
    return new Promise((resolve, reject) => {
      const request = indexedDB.open(DB_NAME, 1);
      request.onupgradeneeded = () => {
        const store = request.result.createObjectStore(STORE, { keyPath: "uuid" });
        store.createIndex("seq", "seq");
      };
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
  }

  async function tx(mode, work) {
    const db = await openDb();
    return new Promise((resolve, reject) => {
      const transaction = db.transaction(STORE, mode);
      const result = work(transaction.objectStore(STORE));
      transaction.oncomplete = () => { db.close(); resolve(result && result.result); };
      transaction.onerror = () => { db.close(); reject(transaction.error); };
    });
  }

  const putItem = (item) => tx("readwrite", (store) => store.put(item));
  const deleteItem = (uuid) => tx("readwrite", (store) => store.delete(uuid));

  async function allItems() {
    const items = await tx("readonly", (store) => store.index("seq").getAll());
    return (items || []).sort((a, b) => a.seq - b.seq);
  }

  /* Sending order is the order things were done, even when the clock repeats or steps back. */
  async function nextSeq() {
    const last = (await allItems()).reduce((max, item) => Math.max(max, item.seq), 0);
    return Math.max(Date.now() * 1000, last + 1);
  }

  async function myItems() {
    return (await allItems()).filter((item) => item.user === page.dataset.user);
  }

  async function itemOf(uuid) {
    return (await allItems()).find((i) => i.uuid === uuid);
  }

  // ---- what was sent today, and what the server said -----------------------------------

  const historyKey = () => `mspboard-sent-${page.dataset.user}`;

  function todaysHistory() {
    const today = new Date().toDateString();
    try {
      return JSON.parse(localStorage.getItem(historyKey()) || "[]")
        .filter((entry) => new Date(entry.sentAt).toDateString() === today);
    } catch (_bad) {
      return [];
    }
  }

  function remember(item, answer) {
    const entry = {
      label: item.label, at: item.at, sentAt: new Date().toISOString(),
      message: (answer && answer.message) || "Saved.", warning: !!(answer && answer.warning),
    };
    const kept = [entry, ...todaysHistory()].slice(0, 20);
    localStorage.setItem(historyKey(), JSON.stringify(kept));
    return entry;
  }

  // ---- small helpers -------------------------------------------------------------------

  function newUUID() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    const bytes = crypto.getRandomValues(new Uint8Array(16));
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  }

  /* A moment's time of day as the server writes it: in the shop's zone, on its 12- or
     24-hour clock (both set on <body>; services/local_time.clock_text): "18:43", "6:43 PM". */
  const clockParts = (() => {
    const twelve = document.body.dataset.clockHours === "12";
    const options = { hour: twelve ? "numeric" : "2-digit", minute: "2-digit", hourCycle: twelve ? "h12" : "h23" };
    try {
      return new Intl.DateTimeFormat("en-US", { ...options, timeZone: document.body.dataset.timezone || undefined });
    } catch (_unknownZone) {
      return new Intl.DateTimeFormat("en-US", options);
    }
  })();

  function hhmm(iso) {
    const part = Object.fromEntries(clockParts.formatToParts(new Date(iso)).map((p) => [p.type, p.value]));
    return `${part.hour}:${part.minute}` + (part.dayPeriod ? " " + part.dayPeriod : "");
  }

  function readToken(doc = document) {
    try {
      const headers = JSON.parse(doc.body.getAttribute("hx-headers:inherited") || "{}");
      return headers["X-CSRFToken"] || "";
    } catch (_bad) {
      return "";
    }
  }

  function setToken(token) {
    csrfToken = token;
    document.body.setAttribute("hx-headers:inherited", JSON.stringify({ "X-CSRFToken": token }));
  }

  function el(tag, attrs, text) {
    const node = document.createElement(tag);
    Object.entries(attrs || {}).forEach(([k, v]) => node.setAttribute(k, v));
    if (text !== undefined) node.textContent = text;
    return node;
  }

  // ---- queueing a form -------------------------------------------------------------------

  function describe(form, body, submitter) {
    const extra = {};
    if (form.dataset.kind === "tick") {
      extra.outcome = body.get("outcome") || "";
      extra.says = (submitter && submitter.dataset.says) || "";
    }
    if (form.dataset.kind === "timer-start") {
      const select = form.querySelector("select[name=client_id]");
      extra.what = form.dataset.what ||
        (select && select.selectedOptions[0] ? select.selectedOptions[0].textContent : "a client");
      extra.billable = form.dataset.billable === "1";
    }
    if (form.dataset.kind === "timer-stop") extra.entry = body.get("entry") || "";
    return extra;
  }

  /* Taps are queued one at a time, in the order they happened: each takes its fields and its
     moment at the tap, and the next waits until the one before it has its place (seq). */
  let queueing = Promise.resolve();

  function queueForm(form, submitter) {
    const body = new URLSearchParams(new FormData(form));
    // A form whose buttons say what to do (Done, N/A, Problem) sends the one tapped.
    if (submitter && submitter.name) body.set(submitter.name, submitter.value);
    body.delete("csrf_token");
    const at = new Date().toISOString();
    queueing = queueing.then(() => storeForm(form, body, at, submitter))
      .catch((error) => notSaved(form, error));
    return queueing;
  }

  function notSaved(form, error) {
    const note = el("p", { class: "queued-note form-errors", role: "alert" },
      `Not saved on this phone (${error && error.name ? error.name : "storage error"}); try again.`);
    form.prepend(note);
  }

  async function storeForm(form, body, at, submitter) {
    const uuid = newUUID();
    body.set("uuid", uuid);
    body.set("at", at);
    const mine = await myItems();
    if (form.dataset.kind === "timer-stop" && !body.get("entry")) {
      const start = mine.filter((i) => i.kind === "timer-start").pop();
      if (start) body.set("entry", start.uuid);
    }
    const stopsQueuedStart = form.dataset.kind === "timer-stop" &&
      mine.some((i) => i.kind === "timer-start" && i.uuid === body.get("entry"));
    // A form that acts on what another form changes ("Raise as SR" after its Problem tick)
    // waits for that form's change still in the outbox.
    const before = form.dataset.after ? mine.filter((i) => i.formId === form.dataset.after).pop() : null;
    const extra = describe(form, body, submitter);
    const item = {
      uuid,
      at,
      seq: await nextSeq(),
      user: page.dataset.user,
      userName: page.dataset.userName || "",
      dependsOn: stopsQueuedStart ? body.get("entry") : (before ? before.uuid : ""),
      failures: 0,
      retryAt: 0,
      url: form.getAttribute("action"),
      body: body.toString(),
      label: (form.dataset.label || "Change") + (extra.says ? `: ${extra.says}` : ""),
      kind: form.dataset.kind || "",
      formId: form.id || "",
      page: location.pathname,
      pageView: PAGE_VIEW,
      state: "pending",
      reason: "",
      extra,
    };
    await putItem(item);
    if (form.dataset.replaces) {
      await deleteItem(form.dataset.replaces);
      delete form.dataset.replaces;
      sessionStorage.removeItem("outbox-edit");
    }
    afterQueued(form);
    await render();
    flush();
  }

  function afterQueued(form) {
    if (EDITABLE.includes(form.dataset.kind)) {
      form.reset();
      let note = form.querySelector(".queued-note");
      if (!note) {
        note = el("p", { class: "queued-note", role: "status" });
        form.prepend(note);
      }
      note.textContent = "Saved on this phone; it will be sent as soon as possible.";
    }
  }

  // ---- what the page shows ----------------------------------------------------------------

  const STATE_WORDS = {
    pending: "waiting", refused: "not saved", stuck: "stuck", editing: "being edited",
  };
  const NEEDS_THE_TECH = ["refused", "stuck"];

  async function render() {
    const everyone = await allItems();
    const items = everyone.filter((i) => i.user === page.dataset.user);
    const waiting = items.filter((i) => !NEEDS_THE_TECH.includes(i.state));
    const troubled = items.filter((i) => NEEDS_THE_TECH.includes(i.state));
    const button = document.getElementById("outbox-count");
    if (!button) return;
    button.querySelector(".outbox-number").textContent = String(items.length);
    button.querySelector(".outbox-words").textContent =
      troubled.length ? `in the outbox · ${troubled.length} not saved` : "waiting to send";
    button.classList.toggle("has-items", items.length > 0);
    button.classList.toggle("has-refused", troubled.length > 0);
    // Shown only while something waits or was not saved: an empty outbox says nothing.
    button.hidden = items.length === 0;
    if (button.hidden) {
      document.getElementById("outbox-list").hidden = true;
      button.setAttribute("aria-expanded", "false");
    }
    const uuids = new Set(items.map((i) => i.uuid));
    const list = document.querySelector("#outbox-list ol");
    list.replaceChildren(...items.map((item) => itemRow(item, uuids)));
    document.querySelector("#outbox-list .outbox-empty").hidden = items.length > 0;
    renderOthers(everyone.filter((i) => i.user !== page.dataset.user));
    renderHistory();
    markPendingForms(waiting);
    showPendingTicks(waiting);
    showPendingTimer(waiting);
  }

  function itemRow(item, uuids) {
    const li = el("li", { class: `outbox-item state-${item.state}`, "data-uuid": item.uuid });
    li.append(el("span", { class: "outbox-label" }, item.label));
    li.append(el("span", { class: "outbox-time" }, ` at ${hhmm(item.at)} `));
    li.append(el("span", { class: "outbox-state" }, STATE_WORDS[item.state] || "waiting"));
    if (item.dependsOn && uuids.has(item.dependsOn)) {
      li.append(el("p", { class: "outbox-note" }, item.kind === "timer-stop"
        ? "Waits for its timer start above to be saved." : "Waits for the change above to be saved."));
    } else if (item.state === "pending" && item.failures) {
      li.append(el("p", { class: "outbox-note" },
        `The server could not save it (${item.failures} of ${MAX_FAILURES} tries); trying again soon.`));
    }
    if (NEEDS_THE_TECH.includes(item.state)) {
      li.append(el("p", { class: "outbox-reason", role: "alert" }, item.reason));
    }
    const actions = el("div", { class: "actions" });
    const editable = item.formId && EDITABLE.includes(item.kind);
    if (editable && item.state !== "editing") {
      actions.append(el("button", { type: "button", class: "button small", "data-outbox-edit": item.uuid }, "Edit"));
    }
    if (NEEDS_THE_TECH.includes(item.state) || item.state === "editing") {
      actions.append(el("button", { type: "button", class: "button small", "data-outbox-retry": item.uuid },
        item.state === "editing" ? "Send as it was" : "Try again"));
      actions.append(el("button", { type: "button", class: "button small", "data-outbox-discard": item.uuid }, "Discard"));
    }
    if (actions.children.length) li.append(actions);
    return li;
  }

  /* Changes made on this phone by someone else wait for them; a manager may wipe them. */
  function renderOthers(others) {
    const box = document.getElementById("outbox-others");
    if (!box) return;
    const byUser = new Map();
    others.forEach((item) => {
      const entry = byUser.get(item.user) || { name: item.userName || "another tech", uuids: [] };
      entry.uuids.push(item.uuid);
      byUser.set(item.user, entry);
    });
    box.replaceChildren(...Array.from(byUser.entries()).map(([user, entry]) => {
      const count = entry.uuids.length;
      const p = el("p", { class: "outbox-others-line", "data-user": user },
        `${count} change${count === 1 ? "" : "s"} by ${entry.name} wait${count === 1 ? "s" : ""} for ${entry.name} to sign in. `);
      p.append(el("button", { type: "button", class: "button small", "data-outbox-discard-user": user },
        `Discard ${entry.name}'s changes`));
      return p;
    }));
    box.hidden = byUser.size === 0;
  }

  function renderHistory() {
    const box = document.getElementById("outbox-sent");
    if (!box) return;
    const history = todaysHistory();
    box.hidden = history.length === 0;
    box.querySelector("ol").replaceChildren(...history.map((entry) => {
      const li = el("li", { class: `outbox-sent-item${entry.warning ? " warning" : ""}` });
      li.append(el("span", { class: "outbox-label" }, entry.label));
      li.append(el("span", { class: "outbox-time" }, ` at ${hhmm(entry.at)}, sent ${hhmm(entry.sentAt)}: `));
      li.append(el("span", { class: "outbox-message" }, entry.message));
      return li;
    }));
  }

  /* What the server said about what was just sent, where the tech is looking. */
  function toast(entries) {
    const box = document.getElementById("outbox-toast");
    if (!box || !entries.length) return;
    const warning = entries.some((e) => e.warning);
    box.replaceChildren(...entries.map((e) => el("p", { class: e.warning ? "warning" : "" }, e.message)));
    box.classList.toggle("warning", warning);
    box.setAttribute("role", warning ? "alert" : "status");
    const close = el("button", { type: "button", class: "button small", "data-toast-close": "1" }, "OK");
    box.append(close);
    box.hidden = false;
    clearTimeout(box.hideTimer);
    if (!warning) box.hideTimer = setTimeout(() => { box.hidden = true; }, 8000);
  }

  function markPendingForms(waiting) {
    const ids = new Set(waiting.map((i) => i.formId));
    // "Acknowledge all" covers each item it listed.
    waiting.filter((i) => i.kind === "ack-all").forEach((i) => {
      (new URLSearchParams(i.body).get("items") || "").split(",")
        .forEach((pair) => ids.add(`ack-${pair.split(":")[0]}`));
    });
    document.querySelectorAll("form[data-outbox]").forEach((form) => {
      const pending = ids.has(form.id) &&
        ["ack", "ack-all", "delete", "submit-card", "timer-start", "raise-sr", "duty"].includes(form.dataset.kind);
      form.classList.toggle("is-pending", pending);
      const button = form.querySelector("button[type=submit]");
      if (!button) return;
      if (pending) {
        if (!button.dataset.text) button.dataset.text = button.innerHTML;
        button.disabled = true;
        button.textContent = form.dataset.pending || {
          delete: "Deleting · waiting to send",
          "timer-start": "Started · waiting to send",
          "raise-sr": "Raising as SR · waiting to send",
        }[form.dataset.kind] || "Done · waiting to send";
      } else if (button.dataset.text) {
        button.disabled = false;
        button.innerHTML = button.dataset.text;
        delete button.dataset.text;
      }
    });
  }

  /* A checklist tick shows at once on its item, before the server knows: the outcome
     tapped, and for a Problem the "Raise as SR" it now offers. */
  function showPendingTicks(waiting) {
    document.querySelectorAll("form[data-kind=tick]").forEach((form) => {
      const last = waiting.filter((i) => i.formId === form.id).pop();
      form.classList.toggle("is-pending", !!last);
      const note = form.querySelector(".pending-tick");
      if (note) {
        note.hidden = !last;
        note.textContent = last ? `${last.extra.says} · waiting to send` : "";
      }
      form.querySelectorAll("button[name=outcome]").forEach((button) => {
        if (!("saved" in button.dataset)) button.dataset.saved = button.getAttribute("aria-pressed");
        const chosen = last ? button.value === last.extra.outcome : button.dataset.saved === "true";
        button.classList.toggle("chosen", chosen);
        button.setAttribute("aria-pressed", String(chosen));
      });
      const raise = document.getElementById(form.dataset.raise);
      if (raise) raise.hidden = last ? last.extra.outcome !== "problem" : raise.dataset.problem !== "1";
    });
  }

  /* A timer started or stopped on the phone shows at once, before the server knows. */
  function showPendingTimer(waiting) {
    const panel = document.getElementById("timer");
    const template = document.getElementById("pending-timer-template");
    if (!panel || !template) return;
    const timerItems = waiting.filter((i) => i.kind === "timer-start" || i.kind === "timer-stop");
    panel.querySelectorAll(".pending-state").forEach((node) => node.remove());
    if (!timerItems.length) {
      panel.querySelectorAll(".server-state").forEach((node) => { node.hidden = false; });
      return;
    }
    Array.from(panel.children).forEach((node) => {
      if (!["H2", "TEMPLATE"].includes(node.tagName)) { node.classList.add("server-state"); node.hidden = true; }
    });
    const last = timerItems[timerItems.length - 1];
    const box = el("div", { class: "pending-state" });
    if (last.kind === "timer-start") {
      box.append(template.content.cloneNode(true));
      box.querySelector(".pending-started").textContent = hhmm(last.at);
      box.querySelector(".pending-elapsed").dataset.since = last.at;
      box.querySelector(".pending-what").textContent = last.extra.what || "";
      box.querySelector("input[name=entry]").value = last.uuid;
      box.querySelector("input[name=billable]").checked = !!last.extra.billable;
    } else {
      box.append(el("p", { class: "timer idle" }, `Timer stopped at ${hhmm(last.at)} · waiting to send.`));
    }
    panel.append(box);
    tickElapsed();
  }

  /* A running timer's elapsed time, kept current while the page is open. */
  function tickElapsed() {
    document.querySelectorAll("[data-since]").forEach((node) => {
      const minutes = Math.max(0, Math.floor((Date.now() - new Date(node.dataset.since)) / 60000));
      const hours = Math.floor(minutes / 60);
      const rest = String(minutes % 60).padStart(hours ? 2 : 1, "0");
      node.textContent = hours ? `· ${hours} h ${rest} min` : `· ${rest} min`;
    });
  }

  function showOfflineMark() {
    const mark = document.getElementById("offline-mark");
    if (!mark) return;
    const fromCache = page.dataset.served === "cache";
    const offline = !navigator.onLine || reachable === false || (fromCache && reachable !== true);
    mark.hidden = !offline;
    mark.textContent = `Offline - last updated ${page.dataset.renderedAt}`;
  }

  function showSignIn(needed) {
    const box = document.getElementById("outbox-signin");
    if (box) box.hidden = !needed;
    // A page kept from before must not greet or offer to sign out someone who is gone.
    const account = document.querySelector(".topbar .account");
    if (account) account.hidden = needed;
  }

  /* The session is gone: what this phone kept of that person's pages and day goes too.
     Their unsent changes stay, waiting for them to sign in again. */
  async function forgetPages() {
    try { localStorage.removeItem(historyKey()); } catch (_none) { /* private mode */ }
    sessionStorage.removeItem("outbox-toast");
    await dropKeptPages();
  }

  async function dropKeptPages() {
    if (!window.caches) return;
    const names = await caches.keys();
    await Promise.all(names.filter((n) => n.startsWith("mspboard-pages-")).map((n) => caches.delete(n)));
  }

  function sessionGone() {
    showSignIn(true);
    return forgetPages();
  }

  // ---- sending -------------------------------------------------------------------------------

  /* Ask the server who is signed in here, with a fresh token: null when nobody is. */
  async function currentSession() {
    let response;
    try {
      response = await fetch(page.dataset.csrfUrl, {
        credentials: "same-origin", redirect: "manual", headers: { Accept: "application/json" },
      });
    } catch (offline) {
      reachable = false;
      throw offline;
    }
    reachable = true;
    if (response.type === "opaqueredirect" || response.status === 401 || response.status === 403) return null;
    if (!response.ok) throw new Error("no token");
    return response.json();
  }

  /* A token for the person who made `item`: never another person's session. */
  async function freshToken(item) {
    const session = await currentSession();
    if (session === null) return { outcome: "signin" };
    if (session.user !== item.user) return { outcome: "other" };
    setToken(session.token);
    return { token: session.token };
  }

  function post(item) {
    return fetch(item.url, {
      method: "POST",
      body: item.body,
      credentials: "same-origin",
      redirect: "manual",
      headers: {
        "Content-Type": "application/x-www-form-urlencoded",
        Accept: "application/json",
        "X-CSRFToken": csrfToken,
        "Idempotency-Key": item.uuid,
        "X-Client-At": item.at,
        "X-Made-By": item.user,
      },
    });
  }

  /* The server's words, from JSON or from an HTML page (a proxy's, say). */
  async function answerOf(response) {
    const text = await response.text();
    try {
      return JSON.parse(text);
    } catch (_notJson) {
      const doc = new DOMParser().parseFromString(text, "text/html");
      const where = doc.querySelector("[role=alert]") || doc.querySelector("main") || doc.body;
      const blocks = where ? Array.from(where.querySelectorAll("h1, h2, h3, p, li")) : [];
      const words = (blocks.length ? blocks.map((b) => b.textContent).join(" ") : (where ? where.textContent : ""))
        .replace(/\s+/g, " ").trim().slice(0, 300);
      return { message: words || `The server answered ${response.status} with no explanation.` };
    }
  }

  function isSignIn(response) {
    return response.type === "opaqueredirect" || response.status === 401;
  }

  /* Send one item. Outcomes: sent, refused, failed (5xx), signin (nobody signed in) or
     other (someone else is signed in on this browser now). */
  async function send(item) {
    let response = await post(item);
    reachable = true;
    if (isSignIn(response)) return { outcome: "signin" };
    if (response.status === 400) {
      // Most likely an expired CSRF token: get a fresh one of the maker's own and try once more.
      const fresh = await freshToken(item);
      if (!fresh.token) return fresh;
      response = await post(item);
      if (isSignIn(response)) return { outcome: "signin" };
    }
    const answer = await answerOf(response);
    if (response.status === 409 && answer.reason === "other_user") return { outcome: "other" };
    if (response.status >= 500) return { outcome: "failed", answer };
    if (response.ok) return { outcome: "sent", answer };
    return { outcome: "refused", answer };
  }

  function scheduleRetry(item) {
    const wait = Math.max(0, item.retryAt - Date.now()) + 50;
    clearTimeout(retryTimer);
    retryTimer = setTimeout(flush, wait);
  }

  async function failed(item, answer) {
    item.failures = (item.failures || 0) + 1;
    const why = (answer && answer.message) || "The server could not save this change.";
    if (item.failures >= MAX_FAILURES) {
      item.state = "stuck";
      item.reason = `The server could not save this after ${item.failures} tries: ${why}`;
    } else {
      item.retryAt = Date.now() + RETRY_AFTER_MS[Math.min(item.failures, RETRY_AFTER_MS.length) - 1];
      item.reason = why;
      scheduleRetry(item);
    }
    await putItem(item);
  }

  /* One tab at a time sends: two tabs sending the same items at once only make the server
     sort out the same change twice. */
  function flush() {
    if (!page) return Promise.resolve();
    if (!navigator.locks) return flushHere();
    return navigator.locks.request("mspboard-outbox-send", flushHere);
  }

  async function flushHere() {
    if (flushing) { flushAgain = true; return; }
    flushing = true;
    flushAgain = false;
    let goTo = null;
    const said = [];
    try {
      const held = new Set();
      for (const queued of await myItems()) {
        const item = await itemOf(queued.uuid); // the tech may have edited it meanwhile
        if (!item) continue;
        if (item.state !== "pending" || (item.dependsOn && held.has(item.dependsOn)) ||
            item.retryAt > Date.now()) {
          held.add(item.uuid);
          continue;
        }
        let result;
        try {
          result = await send(item);
        } catch (_offline) {
          reachable = false;
          break; // no network: everything stays, in order, for next time
        }
        if (result.outcome === "signin") { await sessionGone(); break; }
        if (result.outcome === "other") { location.reload(); return; }
        showSignIn(false);
        if (result.outcome === "failed") {
          await failed(item, result.answer);
          held.add(item.uuid);
        } else if (result.outcome === "sent") {
          await deleteItem(item.uuid);
          said.push(remember(item, result.answer));
          const next = result.answer && result.answer.next;
          if (item.pageView === PAGE_VIEW && next && next !== location.pathname) goTo = next;
        } else if (await itemOf(item.uuid)) { // not discarded meanwhile
          item.state = "refused";
          item.reason = (result.answer && result.answer.message) || "The server refused this change.";
          await putItem(item);
          held.add(item.uuid);
          swapRefusedForm(item, result.answer);
        }
        await render();
      }
    } finally {
      flushing = false;
    }
    showOfflineMark();
    if (flushAgain) await flushHere(); // something was queued while this round was sending
    await render();
    if (said.length) {
      if (navigator.serviceWorker && navigator.serviceWorker.controller) {
        navigator.serviceWorker.controller.postMessage("warm-pages");
      }
      if (goTo && !(await myItems()).some((i) => i.state === "pending")) {
        sessionStorage.setItem("outbox-toast", JSON.stringify(said));
        location.assign(goTo);
      } else {
        await refreshPage();
        toast(said);
      }
    }
  }

  /* While the page says Offline, ask every few seconds whether the server is back. */
  async function probe() {
    const mark = document.getElementById("offline-mark");
    if (!page || !mark || mark.hidden) return;
    let session;
    try {
      session = await currentSession();
    } catch (_still) {
      showOfflineMark();
      return;
    }
    if (session === null) {
      await sessionGone();
    } else if (session.user !== page.dataset.user) {
      location.reload();
      return;
    } else {
      setToken(session.token);
      showSignIn(false);
      if (page.dataset.served === "cache") await refreshPage();
    }
    showOfflineMark();
    flush();
  }

  /* A form the server refused, still on screen: show it back with the server's errors. */
  function swapRefusedForm(item, answer) {
    if (!answer || !answer.html || item.pageView !== PAGE_VIEW) return;
    const form = document.getElementById(item.formId);
    if (!form) return;
    const holder = document.createElement("div");
    holder.innerHTML = answer.html;
    const fresh = holder.firstElementChild;
    if (!fresh || fresh.id !== form.id) return;
    fresh.dataset.replaces = item.uuid;
    form.replaceWith(fresh);
    const problem = fresh.querySelector("[aria-invalid=true]") || fresh.querySelector(".form-errors");
    if (problem) {
      problem.scrollIntoView({ block: "center" });
      if (problem.matches("input, select, textarea")) problem.focus();
    }
  }

  /* Show the server's fresh state after a sync, unless the tech is typing. */
  async function refreshPage() {
    const active = document.activeElement;
    if (active && ["INPUT", "TEXTAREA", "SELECT"].includes(active.tagName) && active.value) return;
    let response;
    try {
      response = await fetch(location.href, { credentials: "same-origin", headers: { Accept: "text/html" } });
    } catch (_offline) {
      return;
    }
    if (response.redirected) { await sessionGone(); return; }
    if (!response.ok) return;
    const doc = new DOMParser().parseFromString(await response.text(), "text/html");
    const fresh = doc.getElementById("field-page");
    if (!fresh) return;
    if (fresh.dataset.user !== page.dataset.user) { location.reload(); return; }
    const token = readToken(doc);
    if (token) setToken(token);
    const open = !document.getElementById("outbox-list").hidden;
    page.replaceWith(fresh);
    page = fresh;
    document.getElementById("outbox-list").hidden = !open;
    document.getElementById("outbox-count").setAttribute("aria-expanded", String(open));
    showOfflineMark();
    await render();
  }

  // ---- the tech's actions on the outbox -----------------------------------------------------

  async function retry(uuid) {
    const item = await itemOf(uuid);
    if (!item) return;
    Object.assign(item, { state: "pending", reason: "", failures: 0, retryAt: 0 });
    await putItem(item);
    await render();
    flush();
  }

  /* Edit a change before the server has it (held back from sending meanwhile), or one it
     refused or could not save; saving the form replaces the item. */
  async function edit(uuid) {
    const item = await itemOf(uuid);
    if (!item) return;
    if (item.state === "pending") {
      item.state = "editing";
      await putItem(item);
      await render();
    }
    sessionStorage.setItem("outbox-edit", uuid);
    if (location.pathname !== item.page) { location.assign(item.page); return; }
    resumeEdit();
  }

  /* Put an item's fields back into its form; sending the form replaces the item. */
  async function resumeEdit() {
    const uuid = sessionStorage.getItem("outbox-edit");
    if (!uuid) return;
    const item = await itemOf(uuid);
    const form = item && document.getElementById(item.formId);
    if (!form) return;
    const values = new URLSearchParams(item.body);
    form.querySelectorAll("input, select, textarea").forEach((input) => {
      if (!input.name || ["uuid", "at", "csrf_token"].includes(input.name)) return;
      if (input.type === "checkbox") input.checked = values.getAll(input.name).includes(input.value);
      else if (values.has(input.name)) input.value = values.get(input.name);
    });
    form.dataset.replaces = uuid;
    const details = form.closest("details");
    if (details) details.open = true;
    form.scrollIntoView({ block: "start" });
    const first = form.querySelector("input:not([type=hidden]), select, textarea");
    if (first) first.focus();
  }

  /* A shared phone wiped with the manager's say-so: another person's unsent changes go. */
  async function discardUser(user) {
    for (const item of await allItems()) {
      if (item.user === user && user !== page.dataset.user) await deleteItem(item.uuid);
    }
    await render();
  }

  // ---- wiring ---------------------------------------------------------------------------------

  document.addEventListener("submit", (event) => {
    const form = event.target;
    if (!(form instanceof HTMLFormElement) || !page) return;
    if (form.hasAttribute("data-signout")) {
      // Signing out on a shared phone takes this person's kept pages with it.
      event.preventDefault();
      forgetPages().finally(() => form.submit());
      return;
    }
    if (!form.hasAttribute("data-outbox")) return;
    event.preventDefault();
    queueForm(form, event.submitter);
  });

  document.addEventListener("click", (event) => {
    const target = event.target.closest("button");
    if (!target) return;
    if (target.id === "outbox-count") {
      const list = document.getElementById("outbox-list");
      list.hidden = !list.hidden;
      target.setAttribute("aria-expanded", String(!list.hidden));
    } else if (target.dataset.outboxDiscard) {
      // Throwing away work takes a second, deliberate tap.
      if (target.dataset.armed) deleteItem(target.dataset.outboxDiscard).then(render);
      else { target.dataset.armed = "1"; target.textContent = "Tap again to discard"; }
    } else if (target.dataset.outboxDiscardUser) {
      if (target.dataset.armed) discardUser(target.dataset.outboxDiscardUser);
      else { target.dataset.armed = "1"; target.textContent = "Tap again: their changes are lost"; }
    } else if (target.dataset.toastClose) {
      document.getElementById("outbox-toast").hidden = true;
    } else if (target.dataset.outboxRetry) {
      retry(target.dataset.outboxRetry);
    } else if (target.dataset.outboxEdit) {
      edit(target.dataset.outboxEdit);
    }
  });

  /* Cached pages belong to whoever was signed in; a different tech on this phone starts afresh. */
  function forgetPagesOfAnotherUser() {
    const last = localStorage.getItem("mspboard-user");
    localStorage.setItem("mspboard-user", page.dataset.user);
    if (last && last !== page.dataset.user) dropKeptPages();
  }

  async function start() {
    page = document.getElementById("field-page");
    if (!page) return;
    csrfToken = readToken();
    forgetPagesOfAnotherUser();
    showOfflineMark();
    window.addEventListener("online", () => { showOfflineMark(); probe(); flush(); });
    window.addEventListener("offline", showOfflineMark);
    setInterval(probe, PROBE_EVERY_MS);
    document.addEventListener("visibilitychange", () => {
      if (document.visibilityState === "visible") flush();
    });
    setInterval(flush, SEND_EVERY_MS);
    setInterval(tickElapsed, 20000);
    if ("serviceWorker" in navigator && page.dataset.swUrl) {
      navigator.serviceWorker.register(page.dataset.swUrl, { scope: "/" }).catch(() => {});
    }
    tickElapsed();
    await render();
    const said = sessionStorage.getItem("outbox-toast");
    if (said) { sessionStorage.removeItem("outbox-toast"); toast(JSON.parse(said)); }
    await resumeEdit();
    flush();
  }

  // `stored()` settles once every tap so far is in the outbox (tests and the soak wait on it).
  window.mspboardOutbox = { flush, items: allItems, render, stored: () => queueing };

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
