/* Maps on the heritage pages.

   A map element names, in data-points, the list on the page that holds its
   points: every element there with data-latitude and data-longitude becomes
   a circle marker, coloured by the condition class in data-rank-class (the
   colours live in heritage.css). The popup is built from the list's own
   link, cloned as DOM nodes: no text is ever parsed as HTML here. Without
   JavaScript the list still shows every point, so the map stays hidden
   until it is drawn. */
(function () {
  "use strict";

  function pointsOf(map) {
    var list = document.querySelector(map.getAttribute("data-points"));
    if (!list) {
      return [];
    }
    var points = [];
    list.querySelectorAll("[data-latitude][data-longitude]").forEach(function (el) {
      var lat = parseFloat(el.getAttribute("data-latitude"));
      var lon = parseFloat(el.getAttribute("data-longitude"));
      if (isFinite(lat) && isFinite(lon)) {
        points.push({ lat: lat, lon: lon, el: el });
      }
    });
    return points;
  }

  function popupFor(point) {
    var box = document.createElement("div");
    box.className = "heritage-popup";
    var link = point.el.querySelector(".heritage-map-label");
    if (link) {
      var strong = document.createElement("strong");
      strong.appendChild(link.cloneNode(true));
      box.appendChild(strong);
    }
    var detail = point.el.querySelector(".heritage-map-detail");
    if (detail) {
      var line = document.createElement("div");
      var copy = detail.cloneNode(true);
      copy.removeAttribute("hidden"); // lists may hide what their heading says
      line.appendChild(copy);
      box.appendChild(line);
    }
    return box;
  }

  function draw(container) {
    if (typeof L === "undefined") {
      return;
    }
    var points = pointsOf(container);
    if (!points.length) {
      return;
    }
    container.classList.add("heritage-map-ready");
    var map = L.map(container, { scrollWheelZoom: false });
    L.tileLayer(container.getAttribute("data-tile-url"), {
      maxZoom: 19,
      attribution: container.getAttribute("data-tile-attribution") || ""
    }).addTo(map);
    // The view first: Leaflet draws a layer (and creates its SVG path) only
    // once the map has one.
    var bounds = points.map(function (point) { return [point.lat, point.lon]; });
    if (bounds.length === 1) {
      map.setView(bounds[0], 16);
    } else {
      map.fitBounds(bounds, { padding: [30, 30], maxZoom: 16 });
    }
    points.forEach(function (point) {
      var rankClass = point.el.getAttribute("data-rank-class") || "heritage-rank-none";
      var marker = L.circleMarker([point.lat, point.lon], {
        radius: 9,
        className: "heritage-marker " + rankClass
      }).addTo(map);
      marker.bindPopup(popupFor(point));
      var path = marker.getElement();
      var id = point.el.getAttribute("data-id");
      var name = point.el.querySelector(".heritage-map-label");
      if (path && id) {
        path.setAttribute("data-id", id);
      }
      if (path && name) {
        // A tooltip on hover, and an accessible name, as plain text.
        var title = document.createElementNS("http://www.w3.org/2000/svg", "title");
        title.textContent = name.textContent;
        path.appendChild(title);
      }
    });
    container.setAttribute("data-markers", String(points.length));
  }

  function start() {
    document.querySelectorAll(".heritage-map[data-points]").forEach(draw);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
