// The office board's own behaviour: the one Move menu every card opens, drag and drop
// through that same menu's form, live refresh that never undoes a move in flight, the
// "reconnecting" mark, and the keyboard's way around: focus kept on a moved card, skip links
// to each column and arrow keys between cards. A move to Done closes the SR and needs its
// resolution: the menu asks for it, a drop on Done opens the menu to ask, and a close refused
// for want of one opens the menu again with the reason.
(function () {
  "use strict";

  let movesInFlight = 0;
  let refreshesInFlight = 0;
  let dragging = false;
  let refreshWanted = false;
  let focusAfterMove = null;  // the SR whose Move button gets the focus back

  function columns() { return document.getElementById("board-columns"); }
  function dialog() { return document.getElementById("move-dialog"); }
  function moveForm() { return document.getElementById("move-form"); }

  function sourceOf(event) {
    // htmx fires a request's last events on document once its element has been swapped
    // out, so ask the request for its source.
    const source = event.detail?.ctx?.sourceElement || event.target;
    return source instanceof Element ? source : null;
  }

  function isMove(event) { return sourceOf(event)?.id === "move-form"; }
  function isRefresh(event) { return ["board-columns", "board-filters"].includes(sourceOf(event)?.id); }

  function refresh() {
    if (movesInFlight > 0 || dragging || dialog()?.open) {
      refreshWanted = true;  // fetched once the moves have landed and the menu is closed
      return;
    }
    refreshWanted = false;
    if (columns()) htmx.trigger(columns(), "board:refresh");
  }

  function resolution() { return document.getElementById("move-resolution"); }

  // The resolution is asked for only when the move closes the SR.
  function askResolution() {
    const field = resolution();
    if (field) field.hidden = moveForm().elements.status.value !== "done";
  }

  // Points the one Move form at a card: its SR, the version the board shows, its column.
  function aim(card, status) {
    const form = moveForm();
    form.action = moveUrl(card);
    form.elements.version.value = card.dataset.v;
    form.elements.status.value = status;
    form.elements.resolution.value = "";
    resolution()?.classList.remove("has-error");
    resolution()?.querySelector(".error")?.remove();
    askResolution();
    document.getElementById("move-number").textContent = card.querySelector("a").textContent;
    return form;
  }

  document.addEventListener("change", (event) => {
    if (event.target instanceof Element && event.target.id === "move-status") askResolution();
  });

  function send(form) {
    htmx.ajax("POST", form.action, { source: form, swap: "none" });
  }

  // Each card's address for a move, made here once rather than carried by every card.
  function moveUrl(card) {
    return moveForm().dataset.url.replace("/0/", `/${card.id.slice(3)}/`);
  }

  function cardOf(element) { return element instanceof Element ? element.closest(".card[id^='sr-']") : null; }

  document.addEventListener("click", (event) => {
    const button = event.target instanceof Element && event.target.closest(".card button");
    if (button) {
      const card = cardOf(button);
      aim(card, card.closest(".board-column").dataset.status);
      dialog().showModal();
      return;
    }
    if (event.target instanceof Element && event.target.id === "move-cancel") dialog().close();
  });

  document.addEventListener("submit", (event) => {
    if (event.target.id !== "move-form") return;
    event.preventDefault();
    const form = event.target;
    focusAfterMove = form.action.match(/\/sr\/(\d+)\/move/)?.[1] || null;
    dialog().close();
    send(form);
  });

  document.addEventListener("close", (event) => {
    if (event.target.id === "move-dialog" && refreshWanted && movesInFlight === 0) refresh();
  }, true);

  document.addEventListener("htmx:before:request", (event) => {
    if (isRefresh(event)) refreshesInFlight += 1;
    if (!isMove(event)) return;
    movesInFlight += 1;
    // A refresh already on its way may predate this move: cancel it rather than let it
    // put the card back where it was, and fetch again once the move has landed.
    if (refreshesInFlight > 0 && columns()) {
      htmx.trigger(columns(), "htmx:abort");
      refreshWanted = true;
    }
  });

  document.addEventListener("htmx:finally:request", (event) => {
    if (isRefresh(event)) refreshesInFlight = Math.max(0, refreshesInFlight - 1);
    if (!isMove(event)) return;
    movesInFlight = Math.max(0, movesInFlight - 1);
    if (event.detail?.ctx?.response?.status === 422 && resolution()) {
      // Not closed: the menu again, with the reason next to the resolution.
      askResolution();
      dialog().showModal();
      document.getElementById("move-resolution-text")?.focus();
      focusAfterMove = null;
    } else if (focusAfterMove) {
      keepFocus(focusAfterMove);
      focusAfterMove = null;
    }
    if (movesInFlight === 0 && refreshWanted) refresh();
  });

  // After a keyboard move the focus stays on the card's Move button in its new place (or on
  // its new column's heading when that column has no room to show it), never on <body>.
  let keptOn = null;  // the element given the focus, kept through the refresh that follows

  function keepFocus(srId) {
    const button = document.querySelector(`#sr-${srId} button`);
    const wanted = document.getElementById(`move-status`)?.value;
    const target = button || document.getElementById(`col-${wanted}-heading`);
    if (!target) return;
    target.focus();
    keptOn = target.id ? `#${target.id}` : `#sr-${srId} button`;
  }

  document.addEventListener("htmx:after:swap", () => {
    // A refresh morphs the columns in place; should the focused element have been replaced,
    // put the focus back on its successor.
    if (!keptOn || document.activeElement !== document.body) return;
    document.querySelector(keptOn)?.focus();
  });

  document.addEventListener("focusin", (event) => {
    if (keptOn && !event.target.matches?.(keptOn)) keptOn = null;
  });

  // Skip links: to a column's first card (or its heading when it has none).
  document.addEventListener("click", (event) => {
    const link = event.target instanceof Element && event.target.closest(".board-skip a[href^='#col-']");
    if (!link) return;
    const column = document.querySelector(link.getAttribute("href"));
    if (!column) return;
    event.preventDefault();
    (column.querySelector(".card button") || column.querySelector("h2")).focus();
  });

  // Arrow keys on a card: up and down within its column, left and right to the nearest
  // column with cards, at the same place in it as far as it goes; Home and End to the
  // column's first and last card.
  function cardsOf(column) { return [...column.querySelectorAll(".card[id^='sr-']")]; }

  document.addEventListener("keydown", (event) => {
    if (event.altKey || event.ctrlKey || event.metaKey || event.shiftKey) return;
    if (!["ArrowUp", "ArrowDown", "ArrowLeft", "ArrowRight", "Home", "End"].includes(event.key)) return;
    const card = cardOf(event.target);
    const column = card?.closest(".board-column");
    if (!column || dialog()?.open) return;
    const here = cardsOf(column);
    const at = here.indexOf(card);
    let target = null;
    if (event.key === "ArrowUp") target = here[at - 1];
    if (event.key === "ArrowDown") target = here[at + 1];
    if (event.key === "Home") target = here[0];
    if (event.key === "End") target = here[here.length - 1];
    if (event.key === "ArrowLeft" || event.key === "ArrowRight") {
      const all = [...document.querySelectorAll("#board-columns .board-column")];
      const step = event.key === "ArrowLeft" ? -1 : 1;
      for (let i = all.indexOf(column) + step; i >= 0 && i < all.length && !target; i += step) {
        const there = cardsOf(all[i]);
        if (there.length) target = there[Math.min(at, there.length - 1)];
      }
    }
    event.preventDefault();  // the page does not scroll under a card that keeps the focus
    target?.querySelector("button")?.focus();
  });

  document.addEventListener("refresh", (event) => {
    if (event.target.id === "board-live") refresh();
  });

  // After a lost live connection comes back, changes may have been missed (see live.js).
  document.addEventListener("live:resumed", (event) => {
    if (event.target.id === "board-live") refresh();
  });

  // Drag and drop: dropping a card on a column moves it there through the same Move form,
  // so mouse, keyboard and phone all take one path.
  // A card becomes draggable as the mouse takes it, rather than every card saying so.
  document.addEventListener("pointerdown", (event) => {
    const card = cardOf(event.target);
    if (card && !card.draggable) card.draggable = true;
  });

  document.addEventListener("dragstart", (event) => {
    const card = cardOf(event.target);
    if (!card) return;
    dragging = true;
    event.dataTransfer.setData("text/plain", card.id);
    event.dataTransfer.effectAllowed = "move";
    card.classList.add("dragging");
  });

  document.addEventListener("dragend", (event) => {
    dragging = false;
    if (event.target instanceof Element) event.target.classList.remove("dragging");
    document.querySelectorAll(".board-column.drop-target").forEach((c) => c.classList.remove("drop-target"));
    if (refreshWanted && movesInFlight === 0) refresh();
  });

  document.addEventListener("dragover", (event) => {
    const column = event.target instanceof Element && event.target.closest(".board-column");
    if (!column) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = "move";
    document.querySelectorAll(".board-column.drop-target").forEach((c) => {
      if (c !== column) c.classList.remove("drop-target");
    });
    column.classList.add("drop-target");
  });

  document.addEventListener("drop", (event) => {
    const column = event.target instanceof Element && event.target.closest(".board-column");
    if (!column) return;
    event.preventDefault();
    dragging = false;
    column.classList.remove("drop-target");
    const card = document.getElementById(event.dataTransfer.getData("text/plain"));
    if (!card || card.closest(".board-column") === column) return;
    const form = aim(card, column.dataset.status);
    if (column.dataset.status === "done") {
      dialog().showModal();  // closing asks for the resolution first
      document.getElementById("move-resolution-text")?.focus();
      return;
    }
    // Show the move at once; the server's answer then puts the card in its ordered place.
    column.querySelector(".cards").prepend(card);
    send(form);
  });
})();
