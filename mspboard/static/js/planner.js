// The planner's drag and drop: dropping an item on another tech's day moves it there,
// keeping its clock times. The editor's Technician and Day fields do the same by keyboard.
(function () {
  "use strict";

  function cellAt(event) {
    return event.target instanceof Element ? event.target.closest(".planner-cell[data-tech]") : null;
  }

  function clearTargets(except) {
    document.querySelectorAll(".planner-cell.drop-target").forEach((cell) => {
      if (cell !== except) cell.classList.remove("drop-target");
    });
  }

  document.addEventListener("dragstart", (event) => {
    const item = event.target instanceof Element && event.target.closest(".planner-item[data-move]");
    if (!item) return;
    event.dataTransfer.setData("text/plain", item.id);
    event.dataTransfer.effectAllowed = "move";
    item.classList.add("dragging");
  });

  document.addEventListener("dragend", (event) => {
    if (event.target instanceof Element) event.target.classList.remove("dragging");
    clearTargets(null);
  });

  document.addEventListener("dragover", (event) => {
    const cell = cellAt(event);
    if (!cell) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = "move";
    clearTargets(cell);
    cell.classList.add("drop-target");
  });

  document.addEventListener("drop", (event) => {
    const cell = cellAt(event);
    if (!cell) return;
    event.preventDefault();
    clearTargets(null);
    const item = document.getElementById(event.dataTransfer.getData("text/plain"));
    if (!item || !item.dataset.move || item.closest(".planner-cell") === cell) return;
    const form = document.getElementById("planner-move");
    form.elements.tech_id.value = cell.dataset.tech;
    form.elements.day.value = cell.dataset.day;
    form.elements.version.value = item.dataset.version;
    item.classList.add("moving");
    htmx.ajax("POST", item.dataset.move, {
      source: form,
      target: "#planner-editor",
      swap: "outerHTML",
    });
  });
})();
