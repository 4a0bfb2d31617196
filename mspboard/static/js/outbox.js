/* mspboard outbox: every write from the phone view goes through here, online or not.

   A form marked data-outbox is not sent by the browser. Its fields are stored in IndexedDB
   with a UUID made here (the server's idempotency key) and the moment it really happened,
   shown at once as waiting, and sent oldest first when the network allows: on load, when
   the network comes back, when the tab is shown again and every 30 seconds. An item leaves
   the outbox only once the server has answered for it: stored (or already stored), or
   refused, in which case it stays visible with the reason until the tech edits, retries
   or discards it. */
(function () {
  "use strict";

  const DB_NAME = "mspboard-outbox";
  const STORE = "items";
  const SEND_EVERY_MS = 30000;
  const PAGE_VIEW = newUUID();

  let page = null; // #field-page: who is signed in, where to get a token, etc.
  let csrfToken = "";
  let flushing = false;
  let flushAgain = false;

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

  // ---- small helpers -------------------------------------------------------------------

  function newUUID() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    const bytes = crypto.getRandomValues(new Uint8Array(16));
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  }

  function hhmm(iso) {
    const d = new Date(iso);
    return `${String(d.getHours()).padStart(2, "0")}:${String(d.getMinutes()).padStart(2, "0")}`;
  }

  function readToken() {
    try {
      const headers = JSON.parse(document.body.getAttribute("hx-headers:inherited") || "{}");
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

  function describe(form, body) {
    const extra = {};
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

  function queueForm(form) {
    const body = new URLSearchParams(new FormData(form));
    body.delete("csrf_token");
    const at = new Date().toISOString();
    queueing = queueing.then(() => storeForm(form, body, at)).catch((error) => notSaved(form, error));
    return queueing;
  }

  function notSaved(form, error) {
    const note = el("p", { class: "queued-note form-errors", role: "alert" },
      `Not saved on this phone (${error && error.name ? error.name : "storage error"}); try again.`);
    form.prepend(note);
  }

  async function storeForm(form, body, at) {
    const uuid = newUUID();
    body.set("uuid", uuid);
    body.set("at", at);
    if (form.dataset.kind === "timer-stop" && !body.get("entry")) {
      const start = (await myItems()).filter((i) => i.kind === "timer-start").pop();
      if (start) body.set("entry", start.uuid);
    }
    const item = {
      uuid,
      at,
      seq: await nextSeq(),
      user: page.dataset.user,
      url: form.getAttribute("action"),
      body: body.toString(),
      label: form.dataset.label || "Change",
      kind: form.dataset.kind || "",
      formId: form.id || "",
      page: location.pathname,
      pageView: PAGE_VIEW,
      state: "pending",
      reason: "",
      extra: describe(form, body),
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
    if (["checkin", "timeoff", "agenda", "entry"].includes(form.dataset.kind)) {
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

  async function render() {
    const items = await myItems();
    const waiting = items.filter((i) => i.state !== "refused");
    const refused = items.filter((i) => i.state === "refused");
    const button = document.getElementById("outbox-count");
    if (!button) return;
    button.querySelector(".outbox-number").textContent = String(items.length);
    button.querySelector(".outbox-words").textContent =
      refused.length ? `in the outbox · ${refused.length} not saved` : "waiting to send";
    button.classList.toggle("has-items", items.length > 0);
    button.classList.toggle("has-refused", refused.length > 0);
    const list = document.querySelector("#outbox-list ol");
    list.replaceChildren(...items.map(itemRow));
    document.querySelector("#outbox-list .outbox-empty").hidden = items.length > 0;
    markPendingForms(waiting);
    showPendingTimer(waiting);
  }

  function itemRow(item) {
    const li = el("li", { class: `outbox-item state-${item.state}`, "data-uuid": item.uuid });
    li.append(el("span", { class: "outbox-label" }, item.label));
    li.append(el("span", { class: "outbox-time" }, ` at ${hhmm(item.at)} `));
    li.append(el("span", { class: "outbox-state" },
      item.state === "refused" ? "not saved" : "waiting"));
    if (item.state === "refused") {
      li.append(el("p", { class: "outbox-reason", role: "alert" }, item.reason));
      const actions = el("div", { class: "actions" });
      if (item.formId && ["checkin", "timeoff", "agenda", "entry"].includes(item.kind)) {
        actions.append(el("button", { type: "button", class: "button small", "data-outbox-edit": item.uuid }, "Edit"));
      }
      actions.append(el("button", { type: "button", class: "button small", "data-outbox-retry": item.uuid }, "Try again"));
      actions.append(el("button", { type: "button", class: "button small", "data-outbox-discard": item.uuid }, "Discard"));
      li.append(actions);
    }
    return li;
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
        ["ack", "ack-all", "delete", "submit-card", "timer-start"].includes(form.dataset.kind);
      form.classList.toggle("is-pending", pending);
      const button = form.querySelector("button[type=submit]");
      if (!button) return;
      if (pending) {
        if (!button.dataset.text) button.dataset.text = button.innerHTML;
        button.disabled = true;
        button.textContent = {
          delete: "Deleting · waiting to send",
          "timer-start": "Started · waiting to send",
        }[form.dataset.kind] || "Done · waiting to send";
      } else if (button.dataset.text) {
        button.disabled = false;
        button.innerHTML = button.dataset.text;
        delete button.dataset.text;
      }
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
    const offline = fromCache || !navigator.onLine;
    mark.hidden = !offline;
    mark.textContent = `Offline - last updated ${page.dataset.renderedAt}`;
  }

  function showSignIn(needed) {
    const box = document.getElementById("outbox-signin");
    if (box) box.hidden = !needed;
  }

  // ---- sending -------------------------------------------------------------------------------

  async function freshToken() {
    const response = await fetch(page.dataset.csrfUrl, {
      credentials: "same-origin", redirect: "manual", headers: { Accept: "application/json" },
    });
    if (response.type === "opaqueredirect" || response.status === 401) return null;
    if (!response.ok) throw new Error("no token");
    const token = (await response.json()).token;
    setToken(token);
    return token;
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
      },
    });
  }

  async function answerOf(response) {
    try {
      return await response.json();
    } catch (_notJson) {
      return { message: `The server answered ${response.status}.` };
    }
  }

  /* Send one item. Returns "sent", "refused", "stop" (try again later) or "signin". */
  async function send(item) {
    let response = await post(item);
    if (response.type === "opaqueredirect" || response.status === 401) return { outcome: "signin" };
    if (response.status === 400) {
      // Most likely an expired CSRF token: get a fresh one and try once more.
      const token = await freshToken();
      if (token === null) return { outcome: "signin" };
      response = await post(item);
      if (response.type === "opaqueredirect" || response.status === 401) return { outcome: "signin" };
    }
    if (response.status >= 500) return { outcome: "stop" };
    const answer = await answerOf(response);
    if (response.ok) return { outcome: "sent", answer };
    return { outcome: "refused", answer };
  }

  async function flush() {
    if (!page) return;
    if (flushing) { flushAgain = true; return; }
    flushing = true;
    flushAgain = false;
    let sentAny = false;
    let goTo = null;
    try {
      for (const item of await myItems()) {
        if (item.state === "refused") continue;
        let result;
        try {
          result = await send(item);
        } catch (_offline) {
          break; // no network: everything stays, in order, for next time
        }
        if (result.outcome === "signin") { showSignIn(true); break; }
        showSignIn(false);
        if (result.outcome === "stop") break;
        if (result.outcome === "sent") {
          await deleteItem(item.uuid);
          sentAny = true;
          const next = result.answer && result.answer.next;
          if (item.pageView === PAGE_VIEW && next && next !== location.pathname) goTo = next;
        } else {
          item.state = "refused";
          item.reason = (result.answer && result.answer.message) || "The server refused this change.";
          await putItem(item);
          swapRefusedForm(item, result.answer);
        }
        await render();
      }
    } finally {
      flushing = false;
    }
    if (flushAgain) await flush(); // something was queued while this round was sending
    await render();
    if (sentAny) {
      if (navigator.serviceWorker && navigator.serviceWorker.controller) {
        navigator.serviceWorker.controller.postMessage("warm-pages");
      }
      if (goTo && !(await myItems()).some((i) => i.state !== "refused")) {
        location.assign(goTo);
      } else {
        await refreshPage();
      }
    }
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
    if (!response.ok || response.redirected) return;
    const doc = new DOMParser().parseFromString(await response.text(), "text/html");
    const fresh = doc.getElementById("field-page");
    if (!fresh) return;
    const token = JSON.parse(doc.body.getAttribute("hx-headers:inherited") || "{}")["X-CSRFToken"];
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
    const item = (await allItems()).find((i) => i.uuid === uuid);
    if (!item) return;
    item.state = "pending";
    item.reason = "";
    await putItem(item);
    await render();
    flush();
  }

  async function edit(uuid) {
    const item = (await allItems()).find((i) => i.uuid === uuid);
    if (!item) return;
    sessionStorage.setItem("outbox-edit", uuid);
    if (location.pathname !== item.page) { location.assign(item.page); return; }
    resumeEdit();
  }

  /* Put a refused item's fields back into its form; sending it replaces the refused item. */
  async function resumeEdit() {
    const uuid = sessionStorage.getItem("outbox-edit");
    if (!uuid) return;
    const item = (await allItems()).find((i) => i.uuid === uuid);
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

  // ---- wiring ---------------------------------------------------------------------------------

  document.addEventListener("submit", (event) => {
    const form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-outbox") || !page) return;
    event.preventDefault();
    queueForm(form);
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
    if (!last || last === page.dataset.user || !window.caches) return;
    caches.keys().then((names) => names
      .filter((name) => name.startsWith("mspboard-pages-"))
      .forEach((name) => caches.delete(name)));
  }

  async function start() {
    page = document.getElementById("field-page");
    if (!page) return;
    csrfToken = readToken();
    forgetPagesOfAnotherUser();
    showOfflineMark();
    window.addEventListener("online", () => { showOfflineMark(); flush(); });
    window.addEventListener("offline", showOfflineMark);
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
    await resumeEdit();
    flush();
  }

  window.mspboardOutbox = { flush, items: allItems, render };

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
