/* Source pages: select a passage of the text with the mouse, and "Cite this
   passage" gives the citation to paste under an event's citations: -- the
   same block as `datasette-heritage quote` (editor/find_quote.py
   citation_block). The selection is widened to whole words and its white
   space made single spaces, so the quote verifies. The reference marks after
   cited passages ([1], [2]) are not part of the text and are left out.
   Without JavaScript the panel stays hidden and the page is as it was. */
(function () {
  "use strict";
  var WORD = /[\p{L}\p{N}\p{M}_]/u;
  var PLAIN_ID = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;

  function textNodes(container) {
    // The text as the build stored it: paragraphs (<p>) joined by a blank
    // line, reference marks skipped.
    var walker = document.createTreeWalker(container, NodeFilter.SHOW_TEXT, {
      acceptNode: function (node) {
        return node.parentElement.closest(".heritage-passage-ref")
          ? NodeFilter.FILTER_REJECT
          : NodeFilter.FILTER_ACCEPT;
      },
    });
    var nodes = [];
    var text = "";
    var paragraph = null;
    for (var node = walker.nextNode(); node; node = walker.nextNode()) {
      var p = node.parentElement.closest("p");
      if (nodes.length && p !== paragraph) {
        text += "\n\n";
      }
      paragraph = p;
      nodes.push({ node: node, start: text.length });
      text += node.data;
    }
    return { text: text, nodes: nodes };
  }

  function selectedSpan(range, linear) {
    var start = null;
    var end = null;
    linear.nodes.forEach(function (item) {
      if (!range.intersectsNode(item.node)) {
        return;
      }
      var from = item.node === range.startContainer ? range.startOffset : 0;
      var to = item.node === range.endContainer ? range.endOffset : item.node.length;
      if (to <= from) {
        return;
      }
      if (start === null) {
        start = item.start + from;
      }
      end = item.start + to;
    });
    return start === null ? null : [start, end];
  }

  function wholeWords(text, start, end) {
    // A selection that starts or ends inside a word takes the whole word.
    while (start > 0 && WORD.test(text[start - 1]) && WORD.test(text[start])) {
      start -= 1;
    }
    while (end < text.length && WORD.test(text[end - 1]) && WORD.test(text[end])) {
      end += 1;
    }
    return text.slice(start, end).replace(/\s+/g, " ").trim();
  }

  function citationBlock(sourceId, passage) {
    var id = PLAIN_ID.test(sourceId) && !/^\d+$/.test(sourceId)
      ? sourceId
      : JSON.stringify(sourceId);
    return (
      "- source_id: " + id + "\n" +
      "  quote: " + JSON.stringify(passage) + "\n" +
      "  claimant:            # who makes the claim, as the source attributes it\n" +
      "  stance: supports     # or: disputes\n" +
      "  identification: explicit   # or: inferred (then add a note: why)\n"
    );
  }

  function setUp() {
    var panel = document.getElementById("heritage-cite");
    var container = document.querySelector(".heritage-source-text");
    if (!panel || !container) {
      return;
    }
    var button = panel.querySelector(".heritage-cite-button");
    var preview = panel.querySelector(".heritage-cite-preview");
    var result = panel.querySelector(".heritage-cite-result");
    var yaml = panel.querySelector(".heritage-cite-yaml");
    var copy = panel.querySelector(".heritage-cite-copy");
    var status = panel.querySelector(".heritage-cite-status");
    var passage = "";

    function update() {
      var selection = window.getSelection();
      if (!selection || selection.isCollapsed || !selection.rangeCount) {
        return; // keep the last passage: clicking the button clears nothing
      }
      var range = selection.getRangeAt(0);
      if (!container.contains(range.commonAncestorContainer) &&
          range.commonAncestorContainer !== container) {
        return;
      }
      var linear = textNodes(container);
      var span = selectedSpan(range, linear);
      var words = span ? wholeWords(linear.text, span[0], span[1]) : "";
      if (!words || (words === passage && !panel.hidden)) {
        return; // nothing new: keep a citation already shown
      }
      passage = words;
      preview.textContent = "\u201c" + passage + "\u201d";
      result.hidden = true;
      status.textContent = "";
      panel.hidden = false;
    }

    button.addEventListener("click", function () {
      if (!passage) {
        return;
      }
      yaml.textContent = citationBlock(panel.getAttribute("data-source-id"), passage);
      result.hidden = false;
      copy.focus();
    });

    copy.addEventListener("click", function () {
      var text = yaml.textContent;
      function selectBlock() {
        var range = document.createRange();
        range.selectNodeContents(yaml);
        var selection = window.getSelection();
        selection.removeAllRanges();
        selection.addRange(range);
      }
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(text).then(
          function () { status.textContent = "Copied."; },
          function () { selectBlock(); status.textContent = "Press Ctrl+C (\u2318C) to copy."; }
        );
      } else {
        selectBlock();
        status.textContent = document.execCommand && document.execCommand("copy")
          ? "Copied."
          : "Press Ctrl+C (\u2318C) to copy.";
      }
    });

    panel.querySelector(".heritage-cite-close").addEventListener("click", function () {
      panel.hidden = true;
    });

    container.addEventListener("mouseup", update);
    container.addEventListener("keyup", update);
    document.addEventListener("selectionchange", function () {
      window.clearTimeout(update.timer);
      update.timer = window.setTimeout(update, 150);
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setUp);
  } else {
    setUp();
  }
})();
