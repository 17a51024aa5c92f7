/* Print mode (`?print=1`): the page laid out for paper, and made ready for the PDF renderer.
 *
 * Only on a page whose address has print=1 (everything else returns at once). It marks <html>
 * with `cityops-print` (assets/print.css: the light print theme, no controls), then waits until
 * the page has settled: the print header is in, no Dash request is in flight or loading, and
 * every chart on the page holds its callback's figure (a skeleton's is marked pending in
 * layout.meta). Then it prepares the page for paper:
 *   - charts are drawn in the print theme (white paper, dark ink) from their first draw,
 *     still SVG: the figures Dash hands Plotly.react are inked on the way;
 *   - every MapLibre map becomes an <img> of its canvas, taken in a `render` event (the
 *     drawing buffer is whole then), because Chromium's print path drops WebGL canvases;
 *   - every DataTable becomes a plain <table> with a <thead> (Chromium repeats it on every
 *     printed page a table runs over), its cells as the table formatted them.
 * `window.cityopsPrint` tells the renderer (dashboard/pdf) how far it got: `ready` once done,
 * `error` when a step failed (the renderer then says why instead of printing a broken page).
 */
(function () {
  "use strict";
  if (!/[?&]print=1(&|$)/.test(window.location.search)) { return; }
  document.documentElement.classList.add("cityops-print");

  var INK = "#14181f";
  var GRID = "#d6dde6";
  var AXIS = "#8a96a6";
  var CALM_CHECKS = 3; // consecutive frames the page must stay settled before it is prepared
  var state = {ready: false, error: null, stage: "loading", graphs: 0, maps: 0, tables: 0};
  window.cityopsPrint = state;

  // Dash talks to the server with fetch: count what is in flight.
  var inflight = 0;
  var realFetch = window.fetch;
  window.fetch = function () {
    inflight += 1;
    return realFetch.apply(this, arguments).finally(function () { inflight -= 1; });
  };

  function shown(el) { return el.getClientRects().length > 0; }

  function graphDivs() {
    // A dcc.Graph whose plotly bundle has not drawn yet has no .js-plotly-plot inside.
    var out = [];
    document.querySelectorAll(".dash-graph").forEach(function (box) {
      if (shown(box)) { out.push(box.querySelector(".js-plotly-plot") || box); }
    });
    return out;
  }

  function pending(gd) {
    var meta = gd.layout && gd.layout.meta;
    return !gd._fullLayout || Boolean(meta && meta.pending);
  }

  function settled() {
    if (!document.getElementById("print-header") || inflight > 0) { return false; }
    if (document.querySelector('[data-dash-is-loading="true"]')) { return false; }
    // dcc.Graph marks a chart pending until Plotly.react's promise settles (a map's layers).
    if (document.querySelector(".dash-graph--pending")) { return false; }
    return graphDivs().every(function (gd) { return !pending(gd); });
  }

  function mapsOf(gd) {
    var full = gd._fullLayout;
    var ids = (full._subplots && full._subplots.map) || [];
    return ids.map(function (id) { return full[id]._subplot; }).filter(function (s) {
      return s && s.map;
    });
  }

  // Charts are drawn in the print theme from their first draw: every figure Dash hands
  // Plotly.react is inked first (white paper, dark ink), so no chart is drawn twice (a
  // relayout after the fact redrew each one, the map too, and cost seconds a page).
  var NOT_CARTESIAN = /^(scattermap|choroplethmap|densitymap|scattermapbox|choroplethmapbox|densitymapbox|pie|table|indicator|sunburst|treemap|icicle|funnelarea|scattergeo|choropleth|sankey|parcoords|parcats)$/;

  function inked(part) { return Object.assign({}, part, {color: INK}); }

  function inkTitle(title) {
    var out = typeof title === "string" ? {text: title} : Object.assign({}, title);
    out.font = inked(out.font);
    return out;
  }

  function axisKeys(fig) {
    var keys = {};
    Object.keys(fig.layout || {}).forEach(function (key) {
      if (/^[xy]axis\d*$/.test(key)) { keys[key] = true; }
    });
    (fig.data || []).forEach(function (trace) {
      if (NOT_CARTESIAN.test(trace.type || "scatter")) { return; }
      keys["xaxis" + (trace.xaxis || "x").slice(1)] = true;
      keys["yaxis" + (trace.yaxis || "y").slice(1)] = true;
    });
    return Object.keys(keys);
  }

  function inkBar(bar) {
    var out = Object.assign({}, bar);
    out.tickfont = inked(out.tickfont);
    out.title = inkTitle(out.title);
    return out;
  }

  function inkFigure(fig) {
    var layout = Object.assign({}, fig.layout);
    layout.paper_bgcolor = "#ffffff";
    layout.plot_bgcolor = "#ffffff";
    layout.font = inked(layout.font);
    var legend = Object.assign({}, layout.legend);
    legend.font = inked(legend.font);
    legend.bgcolor = "rgba(255,255,255,0.85)";
    layout.legend = legend;
    axisKeys(fig).forEach(function (key) {
      var axis = Object.assign({}, layout[key]);
      axis.gridcolor = GRID;
      axis.zerolinecolor = GRID;
      axis.linecolor = AXIS;
      axis.tickfont = inked(axis.tickfont);
      axis.title = inkTitle(axis.title);
      layout[key] = axis;
    });
    if (layout.annotations) {
      layout.annotations = layout.annotations.map(function (a) {
        return Object.assign({}, a, {font: inked(a.font)});
      });
    }
    var data = (fig.data || []).map(function (trace) {
      var out = Object.assign({}, trace);
      if (out.showscale || out.colorbar) { out.colorbar = inkBar(out.colorbar); }
      if (out.marker && (out.marker.showscale || out.marker.colorbar)) {
        out.marker = Object.assign({}, out.marker, {colorbar: inkBar(out.marker.colorbar)});
      }
      return out;
    });
    return Object.assign({}, fig, {data: data, layout: layout});
  }

  function inkPlotly(P) {
    if (!P || P.cityopsInked) { return P; }
    var react = P.react;
    P.react = function (gd, fig) {
      if (arguments.length === 2 && fig && typeof fig === "object" && !Array.isArray(fig)) {
        return react.call(P, gd, inkFigure(fig));
      }
      return react.apply(P, arguments);
    };
    P.cityopsInked = true;
    return P;
  }

  // dcc.Graph loads plotly.js when its first chart mounts and calls window.Plotly.react:
  // catch the bundle as it lands (or wrap it at once if it is here already).
  if (window.Plotly) {
    inkPlotly(window.Plotly);
  } else {
    var plotly;
    Object.defineProperty(window, "Plotly", {
      configurable: true,
      enumerable: true,
      get: function () { return plotly; },
      set: function (P) { plotly = inkPlotly(P); },
    });
  }

  function snapshot(subplot) {
    var map = subplot.map;
    return new Promise(function (resolve, reject) {
      function grab() {
        var canvas = map.getCanvas();
        var img = new Image();
        img.className = "print-map-image";
        img.alt = "";
        img.style.cssText = "position:absolute;left:0;top:0;width:" + canvas.style.width +
          ";height:" + canvas.style.height + ";";
        img.onload = function () { canvas.style.visibility = "hidden"; resolve(); };
        img.onerror = function () { reject(new Error("the map's snapshot did not load")); };
        img.src = canvas.toDataURL("image/png");
        canvas.parentNode.insertBefore(img, canvas.nextSibling);
      }
      function draw() { map.once("render", grab); map.triggerRepaint(); }
      // Plotly adds the traces' and the layout's layers to MapLibre after its own promise
      // settled: wait until every one is in the style (bounded: a trace that adds none must
      // not hold the page), then for an idle map, a repaint making an idle map say so too.
      var waited = 0;
      function whenLayered() {
        if (layered(subplot) || waited >= LAYER_WAIT_MS) {
          state.layerWaitMs = Math.max(state.layerWaitMs || 0, waited);
          map.once("idle", draw);
          map.triggerRepaint();
          return;
        }
        waited += 50;
        window.setTimeout(whenLayered, 50);
      }
      whenLayered();
    });
  }

  var LAYER_WAIT_MS = 5000;

  function layered(subplot) {
    var map = subplot.map;
    if (!map.isStyleLoaded()) { return false; }
    var ids = map.getStyle().layers.map(function (layer) { return layer.id; }).join(" ");
    var gd = subplot.gd;
    var traces = ((gd && gd._fullData) || []).filter(function (trace) {
      return trace.visible === true && trace.subplot === subplot.id;
    });
    var base = (((gd && gd._fullLayout[subplot.id]) || {}).layers || []).filter(function (l) {
      return l.visible !== false;
    });
    var laid = (ids.match(/plotly-layout-layer-/g) || []).length;
    return laid >= base.length && traces.every(function (trace) {
      return ids.indexOf("plotly-trace-layer-" + trace.uid) >= 0;
    });
  }

  function cellText(cell) {
    var value = cell.querySelector(".column-header-name, .dash-cell-value");
    return (value || cell).textContent.trim();
  }

  function plainTable(container) {
    var table = document.createElement("table");
    table.className = "print-table";
    var head = table.createTHead();
    var body = table.createTBody();
    container.querySelectorAll(".dash-spreadsheet-inner tr").forEach(function (row) {
      var heads = row.querySelectorAll("th");
      var cells = row.querySelectorAll("td");
      if (!heads.length && !cells.length) { return; }
      var out = (heads.length ? head : body).insertRow();
      (heads.length ? heads : cells).forEach(function (cell) {
        var target = document.createElement(heads.length ? "th" : "td");
        target.textContent = cellText(cell);
        var column = cell.getAttribute("data-dash-column");
        if (column) { target.setAttribute("data-column", column); }
        out.appendChild(target);
      });
    });
    container.parentNode.insertBefore(table, container);
    container.style.display = "none";
  }

  function prepare() {
    var graphs = graphDivs().filter(function (gd) { return gd._fullLayout; });
    state.graphs = graphs.length;
    if (graphs.length && !(window.Plotly && window.Plotly.cityopsInked)) {
      return Promise.reject(new Error("the charts were not drawn in the print theme"));
    }
    var maps = [];
    graphs.forEach(function (gd) { maps = maps.concat(mapsOf(gd)); });
    state.maps = maps.length;
    return Promise.all(maps.map(snapshot)).then(function () {
      var tables = Array.prototype.filter.call(
        document.querySelectorAll(".dash-table-container"), shown);
      tables.forEach(plainTable);
      state.tables = tables.length;
    });
  }

  var calm = 0;
  function tick() {
    calm = settled() ? calm + 1 : 0;
    if (calm < CALM_CHECKS) { window.requestAnimationFrame(tick); return; }
    state.stage = "preparing";
    prepare().then(function () {
      state.stage = "ready";
      state.ready = true;
    }, function (err) {
      state.stage = "failed";
      state.error = String((err && err.message) || err);
    });
  }
  window.requestAnimationFrame(tick);
})();
