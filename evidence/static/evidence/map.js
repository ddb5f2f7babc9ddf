/* Draws each .evidence-map from the JSON block its data-map names (evidence/maps.py).
   No inline script (the CSP forbids it), no HTML from data: popups are built from text nodes.
   Base-map tiles only from the server the operator configured; without one, a plain
   background with a graticule and a scale, so markers and coordinates still read. */
(function () {
  "use strict";

  var GRID_STEPS = [30, 10, 5, 2, 1, 0.5, 0.25, 1 / 12, 1 / 30, 1 / 60, 1 / 120, 1 / 360, 1 / 1200, 1 / 3600];

  function popup(point, labels) {
    var box = document.createElement("div");
    box.className = "evidence-map-popup";
    var title = document.createElement("strong");
    title.textContent = point.title;
    box.appendChild(title);
    point.links.forEach(function (link) {
      var line = document.createElement("div");
      var anchor = document.createElement("a");
      anchor.href = link.url;
      anchor.textContent = link.text;
      line.appendChild(anchor);
      box.appendChild(line);
    });
    var facts = document.createElement("div");
    facts.className = "evidence-map-facts";
    var text = point.lat.toFixed(6) + ", " + point.lon.toFixed(6) + " · " + point.precision;
    if (point.uncertainty_m !== null) {
      text += " (" + labels.uncertainty + " ±" + point.uncertainty_m + " m)";
    }
    facts.textContent = text + " · " + point.source;
    box.appendChild(facts);
    return box;
  }

  function stepText(step) {
    if (step >= 1) { return step + "°"; }
    if (step * 60 >= 1) { return Math.round(step * 60 * 100) / 100 + "′"; }
    return Math.round(step * 3600) + "″";
  }

  function graticule(map, label) {
    var layer = L.layerGroup().addTo(map);
    var legend = L.control({position: "bottomleft"});
    var box;
    legend.onAdd = function () {
      box = L.DomUtil.create("div", "evidence-map-grid-step");
      return box;
    };
    legend.addTo(map);
    function draw() {
      layer.clearLayers();
      var bounds = map.getBounds();
      var span = Math.max(bounds.getNorth() - bounds.getSouth(), 1e-9);
      var step = GRID_STEPS[GRID_STEPS.length - 1];
      for (var i = 0; i < GRID_STEPS.length; i++) {
        if (span / GRID_STEPS[i] >= 3) { step = GRID_STEPS[i]; break; }
      }
      // A span beyond each side, so panning never shows where the lines stop.
      var padLat = span, padLon = bounds.getEast() - bounds.getWest();
      var south = Math.max(-90, Math.floor((bounds.getSouth() - padLat) / step) * step);
      var north = Math.min(90, bounds.getNorth() + padLat);
      var west = Math.floor((bounds.getWest() - padLon) / step) * step;
      var east = bounds.getEast() + padLon;
      var style = {color: "#8aa0b0", weight: 1, opacity: 0.6, interactive: false};
      for (var lat = south; lat <= north; lat += step) {
        L.polyline([[lat, west], [lat, east]], style).addTo(layer);
      }
      for (var lon = west; lon <= east; lon += step) {
        L.polyline([[south, lon], [north, lon]], style).addTo(layer);
      }
      box.textContent = label + " " + stepText(step);
    }
    map.on("moveend resize", draw);
    draw();
  }

  function exhibitIcon() {
    return L.divIcon({className: "evidence-map-exhibit-marker", iconSize: [18, 18], iconAnchor: [9, 9],
                      popupAnchor: [0, -9]});
  }

  function drawMap(element) {
    var source = document.getElementById(element.dataset.map);
    if (!source || element.dataset.drawn) { return; }
    element.dataset.drawn = "1";
    var data = JSON.parse(source.textContent);
    var still = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
    var map = L.map(element, {worldCopyJump: true, scrollWheelZoom: false, fadeAnimation: !still,
                              zoomAnimation: !still, markerZoomAnimation: !still});
    if (data.tiles) {
      L.tileLayer(data.tiles.url, {maxZoom: data.tiles.max_zoom, attribution: ""}).addTo(map);
      if (data.tiles.attribution) {
        // The operator's attribution as text (Leaflet would take it as HTML).
        var holder = document.createElement("span");
        holder.textContent = data.tiles.attribution;
        map.attributionControl.addAttribution(holder.innerHTML);
      }
    } else {
      element.classList.add("evidence-map-plain");
    }
    L.control.scale({imperial: false}).addTo(map);
    // The view first: Leaflet draws layers only once the map has one.
    var bounds = data.points.map(function (point) { return [point.lat, point.lon]; });
    if (bounds.length === 1) {
      map.setView(bounds[0], 13);
    } else if (bounds.length) {
      map.fitBounds(bounds, {padding: [30, 30], maxZoom: 14});
    } else {
      map.setView([48.4, 31.2], 5);
      var note = L.control({position: "topright"});
      note.onAdd = function () {
        var box = L.DomUtil.create("div", "evidence-map-empty");
        box.textContent = data.labels.empty;
        return box;
      };
      note.addTo(map);
    }
    data.points.forEach(function (point) {
      var where = [point.lat, point.lon];
      var icon = point.kind === "exhibit" ? exhibitIcon() : new L.Icon.Default({className: "evidence-map-place-marker"});
      var marker = L.marker(where, {icon: icon, title: point.title, alt: point.title, keyboard: true}).addTo(map);
      marker.bindPopup(popup(point, data.labels));
      if (point.uncertainty_m) {
        L.circle(where, {radius: point.uncertainty_m, weight: 1, color: "#b3261e", fillOpacity: 0.08,
                         interactive: false}).addTo(map);
      }
    });
    if (!data.tiles) { graticule(map, data.labels.grid); }  // after the view is set: it draws within the map's bounds
    element.evidenceMap = map;  // for the browser tests and the console
  }

  function drawAll() {
    document.querySelectorAll(".evidence-map[data-map]").forEach(drawMap);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", drawAll);
  } else {
    drawAll();
  }
})();
