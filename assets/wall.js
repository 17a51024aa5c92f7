/* /wall in the browser: layer switches and kiosk scenes (clientside callbacks), kiosk rotation,
 * and reconnection after a server restart or a network cut.
 *
 * Reconnect: every `_dash-update-component` request the wall makes goes through a small fetch
 * wrapper. A request that fails (no answer, a 5xx, or no answer within a few refresh periods)
 * turns the page "offline": a banner says "reconnecting", the data greys out, and /healthz is
 * polled. When the server answers again the refresh interval is re-enabled (Dash leaves it
 * disabled when a `running=` callback dies on a network error) and kicked once. If the server
 * now runs other code (`checkVersion` sees another app version), or keeps failing the wall's
 * callbacks while healthy, the page reloads itself. Nothing here needs a human.
 */
(function () {
  "use strict";

  var ROOT = "wall";
  var INTERVAL = "wall-interval";
  var SCENE = "wall-scene";
  var HEALTH_POLL_MS = 2000;
  var RELOAD_AFTER_FAILED_RESUMES = 3;

  var state = {
    offline: false,
    lastOk: Date.now(),
    poller: null,
    failedResumes: 0,
    resumedAt: 0,
    rotator: null,
    rotateIndex: 0,
    rotateRoot: null,
    reloading: false,
  };

  function root() { return document.getElementById(ROOT); }
  function refreshMs() {
    var el = root();
    var ms = el ? parseInt(el.getAttribute("data-refresh-ms"), 10) : NaN;
    return isNaN(ms) ? 10000 : ms;
  }
  // Stores and intervals render no DOM element: the wall's root says whether they exist.
  function setProps(id, props) {
    var dc = window.dash_clientside;
    if (dc && dc.set_props && root()) { dc.set_props(id, props); }
  }

  // -- offline / online ---------------------------------------------------------------------
  function goOffline(reason) {
    if (!root()) { return; }
    state.resumedAt = 0;  // the kick (if any) failed: the next health answer may kick again
    if (!state.offline) {
      state.offline = true;
      document.documentElement.classList.add("wall-offline");
      if (window.console) { console.warn("wall: offline (" + reason + "), reconnecting"); }
    }
    if (!state.poller) { state.poller = window.setInterval(pollHealth, HEALTH_POLL_MS); }
  }

  function goOnline() {
    state.lastOk = Date.now();
    state.failedResumes = 0;
    if (state.poller) { window.clearInterval(state.poller); state.poller = null; }
    if (state.offline) {
      state.offline = false;
      document.documentElement.classList.remove("wall-offline");
    }
  }

  function reload() {
    if (state.reloading) { return; }
    state.reloading = true;
    window.location.reload();
  }

  function resume() {
    // The server answers: restart the refresh loop and ask for a refresh now. Only one kick
    // at a time: a second one while the first is in flight would make Dash prune the first.
    state.failedResumes += 1;
    if (state.failedResumes > RELOAD_AFTER_FAILED_RESUMES) { reload(); return; }
    state.resumedAt = Date.now();
    setProps(INTERVAL, { disabled: false, n_intervals: Math.floor(Date.now() / 1000) });
  }

  var healthInFlight = false;
  function pollHealth() {
    if (healthInFlight || !root()) { return; }
    if (state.resumedAt && Date.now() - state.resumedAt < 3 * refreshMs() + 5000) { return; }
    healthInFlight = true;
    originalFetch("/healthz", { cache: "no-store" }).then(function () {
      healthInFlight = false;
      resume();  // any answer (even 503: the database is down) means the server is back
    }, function () {
      healthInFlight = false;
    });
  }

  // -- lamp changes as (index, code) pairs ------------------------------------------------------
  // A refresh where some lamps switched sends only their (index, code) pairs as the lamps
  // trace's "marker.color" (dashboard.figures.maplamps.lamp_pairs). Here, before Dash sees the
  // answer, the pairs are written into a copy of the codes on screen (kept from the last
  // whole map) and replaced by the whole typed array, so the figure Dash keeps stays a plain
  // plotly figure. Pairs that do not fit the copy (none kept, another lamp count) are dropped
  // and the map's version cleared: the next refresh draws the whole map.
  var PAIRS = "cityops_pairs";
  var LAMPS_META = "lighting.lamps";
  var lampCodes = null;  // Uint8Array of the lamps trace's codes on screen

  function fromBase64(text) {
    var raw = window.atob(text);
    var out = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) { out[i] = raw.charCodeAt(i); }
    return out;
  }
  function toBase64(bytes) {
    var parts = [];
    for (var i = 0; i < bytes.length; i += 0x8000) {
      parts.push(String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000)));
    }
    return window.btoa(parts.join(""));
  }
  function typed(spec) {
    var bytes = fromBase64(spec.bdata);
    if (spec.dtype === "u1") { return bytes; }
    if (spec.dtype === "u2") { return new Uint16Array(bytes.buffer); }
    if (spec.dtype === "u4") { return new Uint32Array(bytes.buffer); }
    return null;
  }

  function applyPairs(map, body) {
    var figure = map.figure;
    if (figure.data) {  // a whole map: keep its lamp codes
      figure.data.forEach(function (trace) {
        if (trace.meta !== LAMPS_META) { return; }
        var colour = trace.marker && trace.marker.color;
        lampCodes = colour && colour.dtype === "u1" ? fromBase64(colour.bdata) : null;
      });
      return;
    }
    var stale = false;
    figure.operations = figure.operations.filter(function (op) {
      var value = op.params && op.params.value;
      if (!value || !value[PAIRS]) { return true; }
      var index = typed(value[PAIRS].index);
      var code = typed(value[PAIRS].code);
      if (!lampCodes || lampCodes.length !== value.n || !index || !code) { stale = true; return false; }
      var next = new Uint8Array(lampCodes);
      for (var i = 0; i < index.length; i++) { next[index[i]] = code[i]; }
      lampCodes = next;
      op.params.value = { dtype: "u1", bdata: toBase64(next) };
      return true;
    });
    var version = body.response["wall-version"];
    if (stale && version && version.data) { version.data.v = null; }
  }

  function expandLampPairs(response) {
    if (!root()) { return response; }
    return response.clone().text().then(function (text) {
      var whole = text.indexOf(LAMPS_META) !== -1;
      if (!whole && text.indexOf(PAIRS) === -1) { return response; }
      var body = JSON.parse(text);
      var map = body && body.response && body.response["wall-map"];
      if (!map || !map.figure) { return response; }
      applyPairs(map, body);
      if (!whole || text.indexOf(PAIRS) !== -1) {
        return new Response(JSON.stringify(body), {
          status: response.status,
          statusText: response.statusText,
          headers: { "Content-Type": "application/json" },
        });
      }
      return response;
    }, function () { return response; });
  }

  // -- the fetch wrapper ----------------------------------------------------------------------
  var originalFetch = window.fetch.bind(window);
  window.fetch = function (input, init) {
    var url = typeof input === "string" ? input : (input && input.url) || "";
    if (url.indexOf("_dash-update-component") === -1 || !root()) {
      return originalFetch(input, init);
    }
    // A request that hangs is as bad as one that fails: give it a few refresh periods.
    var controller = new AbortController();
    var timer = window.setTimeout(function () { controller.abort(); }, 3 * refreshMs() + 5000);
    var options = Object.assign({}, init || {}, { signal: controller.signal });
    return originalFetch(input, options).then(function (response) {
      window.clearTimeout(timer);
      if (response.status >= 500) { goOffline("HTTP " + response.status); }
      else { goOnline(); }
      return response.ok ? expandLampPairs(response) : response;
    }, function (error) {
      window.clearTimeout(timer);
      goOffline(error && error.name === "AbortError" ? "timeout" : "network");
      throw error;
    });
  };

  // A refresh loop that stopped for any other reason is noticed too.
  function watchdog() {
    if (!root()) { state.lastOk = Date.now(); return; }
    if (!state.offline && Date.now() - state.lastOk > 3 * refreshMs() + 5000) {
      goOffline("no refresh");
    }
  }

  // -- kiosk rotation ----------------------------------------------------------------------------
  function kioskLoop() {
    var el = root();
    if (el !== state.rotateRoot) {  // the wall appeared, left, or was rendered again
      if (state.rotator) { window.clearInterval(state.rotator); state.rotator = null; }
      state.rotateRoot = el;
      if (el && el.getAttribute("data-kiosk") === "1") {
        var seconds = parseInt(el.getAttribute("data-rotate-s"), 10) || 30;
        state.rotateIndex = 0;
        state.rotator = window.setInterval(function () {
          state.rotateIndex += 1;
          setProps(SCENE, { data: state.rotateIndex });
        }, seconds * 1000);
      }
    }
  }

  window.setInterval(function () { watchdog(); kioskLoop(); }, 1000);

  // -- clientside callbacks -----------------------------------------------------------------------
  var dc = (window.dash_clientside = window.dash_clientside || {});
  var view = { zoom: null, layers: null };

  // `visible` of every trace, as dashboard.figures.citymap.visible_traces computes it.
  function visibility(boot, layers, zoom) {
    var lamps = zoom >= boot.traces.lamp_zoom;
    return boot.traces.names.map(function (name) {
      var on = layers.indexOf(name.split(".")[0]) !== -1;
      if (name === "lighting.cabinets") { return on && !lamps; }
      if (name.indexOf("lighting.") === 0) { return on && lamps; }
      return on;
    });
  }

  function visibilityPatch(boot, layers, zoom) {
    var patch = new dc.Patch();
    visibility(boot, layers, zoom).forEach(function (on, index) {
      patch.assign(["data", index, "visible"], on);
    });
    return patch;
  }

  dc.wall = {
    // Show the chosen layers (trace visibility only; the data stays) and keep them in the URL.
    // A zoom across the lamp zoom swaps the lighting cabinets for single lamps.
    applyLayers: function (layers, relayout, boot) {
      var chosen = layers || [];
      var zoom = view.zoom === null ? boot.view.zoom : view.zoom;
      var byZoom = relayout && relayout["map.zoom"] !== undefined;
      if (byZoom) {
        var before = zoom >= boot.traces.lamp_zoom;
        zoom = relayout["map.zoom"];
        view.zoom = zoom;
        var triggered = dc.callback_context && dc.callback_context.triggered || [];
        var onlyZoom = triggered.every(function (t) { return t.prop_id.indexOf("relayoutData") !== -1; });
        if (onlyZoom && before === (zoom >= boot.traces.lamp_zoom)) { return dc.no_update; }
      }
      if (!boot.kiosk && window.history && window.history.replaceState) {
        var url = new URL(window.location.href);
        url.searchParams.set("layers", chosen.join(","));
        window.history.replaceState(window.history.state, "", url.toString());
      }
      return visibilityPatch(boot, chosen, zoom).build();
    },

    // A kiosk scene: its layers, its view, its emphasis (a class on the wall), its title.
    applyScene: function (index, boot) {
      var scenes = boot.scenes;
      var scene = scenes[((index || 0) % scenes.length + scenes.length) % scenes.length];
      view.zoom = scene.zoom;
      var patch = visibilityPatch(boot, scene.layers, scene.zoom);
      patch.assign(["layout", "map", "center"], scene.center);
      patch.assign(["layout", "map", "zoom"], scene.zoom);
      var cls = "wall" + (boot.kiosk ? " kiosk" : "") + " scene-" + scene.name;
      return [scene.layers, patch.build(), cls, scene.title];
    },

    // The server answered with another app version: reload to get the matching page.
    checkVersion: function (serverVersion, boot) {
      if (serverVersion && boot && serverVersion !== boot.version) { reload(); }
    },
  };
})();
