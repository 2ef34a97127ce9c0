/* Datasette's own table, row and query pages of the heritage database: the
   column descriptions, which Datasette lists above the table, and the
   table's SQL definition below it go behind summary lines that open them,
   and each column heading shows its description on hover. Without
   JavaScript they stay as Datasette shows them. Text is moved as DOM nodes
   and set with textContent: nothing is parsed as HTML. */
(function () {
  "use strict";

  function fold(elements, className, label) {
    if (!elements.length || elements[0].parentNode.matches("details." + className)) {
      return;
    }
    var details = document.createElement("details");
    details.className = "heritage-folded " + className;
    var summary = document.createElement("summary");
    summary.textContent = label;
    details.appendChild(summary);
    elements[0].parentNode.insertBefore(details, elements[0]);
    elements.forEach(function (el) {
      details.appendChild(el);
    });
  }

  function start() {
    document.querySelectorAll("dl.column-descriptions").forEach(function (list) {
      var count = list.querySelectorAll("dt").length;
      fold([list], "heritage-column-descriptions", "What the " + count + " columns mean");
    });
    if (document.body.classList.contains("table")) {
      fold(
        Array.prototype.slice.call(document.querySelectorAll("pre.wrapped-sql")),
        "heritage-sql-definition",
        "The SQL that defines this table"
      );
    }
    var exportBox = document.querySelector("div.advanced-export");
    if (exportBox) {
      fold([exportBox], "heritage-advanced-export", "Advanced export: JSON shapes, CSV download");
      // Datasette's "advanced" link points at the box: open it on the way.
      var openExport = function () {
        if (window.location.hash === "#" + exportBox.id) {
          exportBox.parentNode.open = true;
          exportBox.scrollIntoView();
        }
      };
      window.addEventListener("hashchange", openExport);
      openExport();
    }
    document.querySelectorAll("th[data-column-description]").forEach(function (th) {
      if (!th.getAttribute("title")) {
        th.setAttribute("title", th.getAttribute("data-column-description"));
      }
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
