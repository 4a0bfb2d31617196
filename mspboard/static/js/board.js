// The office board's own behaviour: live refresh that never undoes a move in flight,
// drag and drop between columns, and the "reconnecting" mark.
(function () {
  "use strict";

  let movesInFlight = 0;
  let dragging = false;
  let refreshWanted = false;

  function columns() { return document.getElementById("board-columns"); }

  function isMove(event) {
    // htmx fires a request's last events on document once its element has been swapped out
    // (a move re-renders the card's own column), so ask the request for its source.
    const source = event.detail?.ctx?.sourceElement || event.target;
    return source instanceof Element && source.closest(".move-form") !== null;
  }

  function choosingAMove() {
    return document.querySelector(".card details.move[open]") !== null;
  }

  function refresh() {
    if (movesInFlight > 0 || dragging || choosingAMove()) {
      refreshWanted = true;  // once the moves land, their own result is fetched
      return;
    }
    refreshWanted = false;
    if (columns()) htmx.trigger(columns(), "board:refresh");
  }

  document.addEventListener("htmx:before:request", (event) => {
    if (!isMove(event)) return;
    movesInFlight += 1;
    // A refresh already on its way may predate this move: cancel it rather than let it
    // put the card back where it was, and fetch again once the move has landed.
    if (columns()) htmx.trigger(columns(), "htmx:abort");
    refreshWanted = true;
  });

  document.addEventListener("htmx:finally:request", (event) => {
    if (!isMove(event)) return;
    movesInFlight = Math.max(0, movesInFlight - 1);
    if (movesInFlight === 0 && refreshWanted) refresh();
  });

  // A refresh would close the "Move" menu someone has open, so it waits until they close it.
  document.addEventListener("toggle", (event) => {
    if (event.target.matches?.("details.move") && !event.target.open && refreshWanted) refresh();
  }, true);

  document.addEventListener("refresh", (event) => {
    if (event.target.id === "board-live") refresh();
  });

  // After a lost live connection comes back, changes may have been missed (see live.js).
  document.addEventListener("live:resumed", (event) => {
    if (event.target.id === "board-live") refresh();
  });

  // Drag and drop: dropping a card on a column moves it there through the card's own
  // "Move to" form, so mouse, keyboard and phone all take the same path.
  document.addEventListener("dragstart", (event) => {
    const card = event.target instanceof Element && event.target.closest(".card[data-sr]");
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
    if (refreshWanted) refresh();
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
    const form = card.querySelector(".move-form");
    form.querySelector("select[name=status]").value = column.dataset.status;
    // Show the move at once; the server's answer then re-renders both columns in order.
    const list = column.querySelector(".cards");
    list.querySelector(".empty")?.remove();
    list.prepend(card);
    form.requestSubmit();
  });
})();
