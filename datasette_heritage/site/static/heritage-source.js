/* Source pages: when the address targets a passage (#citation-...), mark
   every piece of it, not only the first. A passage that crosses another is
   split into several <mark> elements (see highlight.py) and only the first
   carries the id that :target styles. Without JavaScript the first piece is
   still highlighted and scrolled to. */
(function () {
  "use strict";
  var TARGET = "heritage-passage-target";

  function update() {
    document.querySelectorAll("mark." + TARGET).forEach(function (el) {
      el.classList.remove(TARGET);
    });
    var id = decodeURIComponent(window.location.hash.slice(1));
    var first = id ? document.getElementById(id) : null;
    if (!first || !first.matches("mark.heritage-passage")) {
      return;
    }
    var citation = first.getAttribute("data-citation");
    document.querySelectorAll("mark.heritage-passage").forEach(function (el) {
      if (el.getAttribute("data-citation") === citation) {
        el.classList.add(TARGET);
      }
    });
  }

  window.addEventListener("hashchange", update);
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", update);
  } else {
    update();
  }
})();
