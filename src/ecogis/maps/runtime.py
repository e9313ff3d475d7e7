"""The page-side code of an ecogis map: JavaScript and CSS written for ecogis.

Kept as Python strings (not ``.js`` files) so that they ship with the package
without package-data rules.  The JavaScript reads the map's configuration and
layers from a ``<script type="application/json">`` element and builds every
piece of text the user sees (popups, tooltips, legend, panel) with
``textContent`` / text nodes, so a value such as ``<img src=x onerror=...>`` is
shown as text and never parsed as HTML.  The one Leaflet API that takes HTML
(the layer-control labels) gets escaped text.

After it has run, ``window.ecogis`` holds ``map``, ``layers`` (id -> Leaflet
layer, feature count, title, kind, clustered), ``loadMs`` and ``ready``; tests
and curious users read the map through it.
"""

from __future__ import annotations

__all__ = ["RUNTIME_CSS", "RUNTIME_JS"]

RUNTIME_CSS = r"""
.ecogis-basemap-none.leaflet-container { background: #f4f3ef; }
.ecogis-box { background: rgba(255,255,255,0.94); padding: 6px 9px; border-radius: 5px;
  box-shadow: 0 1px 5px rgba(0,0,0,0.35); font: 12px/1.45 "Helvetica Neue", Arial, "Microsoft YaHei",
  "PingFang SC", "Noto Sans CJK SC", sans-serif; color: #222; }
.ecogis-panel { max-width: 330px; max-height: 45vh; overflow: auto; }
.ecogis-panel h1 { font-size: 15px; margin: 0 0 4px 0; }
.ecogis-panel table { border-collapse: collapse; }
.ecogis-panel td { padding: 1px 6px 1px 0; vertical-align: top; }
.ecogis-panel td.v { font-weight: bold; text-align: right; white-space: nowrap; }
.ecogis-note { margin-top: 4px; color: #8a4b00; }
.ecogis-legend { max-height: 50vh; overflow: auto; min-width: 140px; }
.ecogis-legend summary { font-weight: bold; cursor: pointer; }
.ecogis-legend .grp { margin-top: 5px; color: #555; font-size: 11px; border-bottom: 1px solid #ddd; }
.ecogis-legend .lyr { margin-top: 3px; font-weight: bold; }
.ecogis-legend .row { display: flex; align-items: center; gap: 5px; margin-left: 4px; }
.ecogis-legend .n { color: #777; }
.ecogis-sw { display: inline-block; width: 16px; height: 11px; flex: none; box-sizing: border-box; }
.ecogis-sw.pt { width: 11px; border-radius: 50%; }
.ecogis-sw.ln { height: 0; border-top-width: 3px; }
.ecogis-panel .ecogis-area { color: #444; margin: -2px 0 4px 0; }
.ecogis-titleblock { max-width: 340px; font-size: 11px; line-height: 1.4; }
.ecogis-titleblock .tb-k { color: #666; margin-right: 4px; }
.ecogis-titleblock .tb-src { display: block; }
.ecogis-titleblock code { font: 11px/1.4 "DejaVu Sans Mono", Menlo, Consolas, monospace; color: #222; }
.ecogis-north { background: rgba(255,255,255,0.85); border-radius: 4px; padding: 2px 4px 0 4px;
  box-shadow: 0 1px 4px rgba(0,0,0,0.3); text-align: center; font: bold 12px/1.1 "Microsoft YaHei",
  "Noto Sans CJK SC", "WenQuanYi Micro Hei", sans-serif; }
.ecogis-label { background: transparent; border: none; box-shadow: none; padding: 0; color: #1a1a1a;
  font: bold 13px/1.2 "Microsoft YaHei", "PingFang SC", "Noto Sans CJK SC", "WenQuanYi Micro Hei", sans-serif;
  text-shadow: -1px -1px 0 #fff, 1px -1px 0 #fff, -1px 1px 0 #fff, 1px 1px 0 #fff, 0 0 3px #fff;
  white-space: nowrap; }
.ecogis-label::before { display: none; }
.ecogis-label.pt { font-size: 11px; font-weight: normal; color: #003d73; }
.leaflet-tooltip.ecogis-label { pointer-events: none; }
.ecogis-print .leaflet-control-layers, .ecogis-print .leaflet-control-zoom, .ecogis-print .leaflet-bar,
.ecogis-print .leaflet-control-measure { display: none; }
.ecogis-print .ecogis-panel { max-height: 70vh; }
.ecogis-print .ecogis-legend { max-height: 75vh; }
.ecogis-popup { max-height: 260px; overflow: auto; }
.ecogis-popup b { display: block; margin-bottom: 3px; }
.ecogis-popup table { border-collapse: collapse; }
.ecogis-popup td { border-top: 1px solid #eee; padding: 1px 6px 1px 0; vertical-align: top; }
.ecogis-popup td.k { color: #666; white-space: nowrap; }
"""

RUNTIME_JS = r"""
(function () {
  'use strict';

  function escapeHtml(text) {
    return String(text).replace(/[&<>"']/g, function (c) {
      return {'&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;'}[c];
    });
  }

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) { node.className = cls; }
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    return node;
  }

  function formatValue(v, labels) {
    if (v === null || v === undefined || v === '') { return '\u2014'; }
    if (v === true) { return labels.yes; }
    if (v === false) { return labels.no; }
    if (typeof v === 'number') {
      return Number.isInteger(v) ? String(v) : String(Math.round(v * 1e4) / 1e4);
    }
    if (typeof v === 'object') { return JSON.stringify(v); }
    return String(v);
  }

  function hatchId(color) { return 'ecogis-hatch-' + String(color).replace(/[^0-9a-fA-F]/g, ''); }

  function addHatches(renderer, syms) {
    var svg = renderer._container;
    if (!svg) { return; }
    var ns = 'http://www.w3.org/2000/svg';
    var defs = svg.querySelector('defs') || svg.insertBefore(document.createElementNS(ns, 'defs'), svg.firstChild);
    syms.forEach(function (sym) {
      if (!sym.hatch || defs.querySelector('#' + hatchId(sym.fillColor))) { return; }
      var pat = document.createElementNS(ns, 'pattern');
      pat.setAttribute('id', hatchId(sym.fillColor));
      pat.setAttribute('patternUnits', 'userSpaceOnUse');
      pat.setAttribute('width', '7'); pat.setAttribute('height', '7');
      pat.setAttribute('patternTransform', 'rotate(45)');
      var line = document.createElementNS(ns, 'line');
      line.setAttribute('x1', '0'); line.setAttribute('y1', '0');
      line.setAttribute('x2', '0'); line.setAttribute('y2', '7');
      line.setAttribute('stroke', sym.fillColor); line.setAttribute('stroke-width', '2.5');
      line.setAttribute('stroke-opacity', String(Math.max(sym.fillOpacity, 0.5)));
      pat.appendChild(line);
      defs.appendChild(pat);
    });
  }

  function swatch(sym, geom) {
    var s = el('span', 'ecogis-sw ' + (geom === 'point' ? 'pt' : geom === 'line' ? 'ln' : 'pg'));
    if (geom === 'line') {
      s.style.borderTopColor = sym.color;
      s.style.borderTopStyle = sym.dashArray ? 'dashed' : 'solid';
    } else {
      s.style.border = Math.min(sym.weight, 3) + 'px ' + (sym.dashArray ? 'dashed ' : 'solid ') + sym.color;
      if (sym.fill && sym.hatch && geom !== 'point') {
        s.style.backgroundImage = 'repeating-linear-gradient(45deg, ' + sym.fillColor + ' 0 2px, transparent 2px 5px)';
      } else if (sym.fill) {
        var op = geom === 'point' ? Math.max(sym.fillOpacity, 0.6) : Math.max(sym.fillOpacity, 0.25);
        s.style.backgroundColor = sym.fillColor;
        s.style.opacity = 1;
        s.style.backgroundClip = 'padding-box';
        s.style.boxShadow = 'inset 0 0 0 20px rgba(255,255,255,' + (1 - op).toFixed(2) + ')';
      }
    }
    return s;
  }

  function popupNode(spec, props, labels) {
    var box = el('div', 'ecogis-popup');
    var head = props.name !== undefined && props.name !== null ? props.name : props.id;
    box.appendChild(el('b', null, (head === undefined || head === null) ? spec.title : head));
    var table = el('table');
    spec.fields.forEach(function (f) {
      if (!(f[0] in props)) { return; }
      var tr = el('tr');
      tr.appendChild(el('td', 'k', f[1]));
      tr.appendChild(el('td', 'v', formatValue(props[f[0]], labels)));
      table.appendChild(tr);
    });
    box.appendChild(table);
    return box;
  }

  function tooltipNode(spec, props) {
    var v = props.name !== undefined && props.name !== null ? props.name : props.id;
    return el('span', null, (v === undefined || v === null) ? spec.title : v);
  }

  // title block (sources, dates, version), metric scale bar and north arrow, bottom right
  function titleBlock(map, cfg, state) {
    var tb = cfg.titleBlock;
    if (!tb) { return; }
    var sep = cfg.lang === 'zh' ? '：' : ': ';
    var Block = L.Control.extend({
      options: {position: 'bottomright'},
      onAdd: function () {
        var box = el('div', 'ecogis-box ecogis-titleblock');
        box.id = 'ecogis-titleblock';
        if (tb.sources && tb.sources.length) {
          var head = el('div');
          head.appendChild(el('span', 'tb-k', tb.labels.sources + sep));
          box.appendChild(head);
          tb.sources.forEach(function (src) {
            var line = el('span', 'tb-src');
            line.appendChild(el('code', 'ecogis-src-file', src.file));
            var what = (src.date ? ' ' + src.date : '') +
              (src.layers && src.layers.length ? (cfg.lang === 'zh' ? '（' + src.layers.join('、') + '）'
                                                             : ' (' + src.layers.join(', ') + ')') : '');
            line.appendChild(document.createTextNode(what));
            box.appendChild(line);
          });
        }
        var made = el('div');
        made.appendChild(el('span', 'tb-k', tb.labels.made + sep));
        made.appendChild(document.createTextNode(tb.made));
        box.appendChild(made);
        L.DomEvent.disableClickPropagation(box);
        L.DomEvent.disableScrollPropagation(box);
        return box;
      }
    });
    new Block().addTo(map);
    L.control.scale({position: 'bottomright', metric: true, imperial: false, maxWidth: 160}).addTo(map);
    var North = L.Control.extend({
      options: {position: 'bottomright'},
      onAdd: function () {
        var box = el('div', 'ecogis-north');
        box.id = 'ecogis-north';
        var ns = 'http://www.w3.org/2000/svg';
        var svg = document.createElementNS(ns, 'svg');
        svg.setAttribute('width', '22'); svg.setAttribute('height', '30'); svg.setAttribute('viewBox', '0 0 22 30');
        var left = document.createElementNS(ns, 'path');
        left.setAttribute('d', 'M11 1 L20 29 L11 23 Z'); left.setAttribute('fill', '#fff');
        left.setAttribute('stroke', '#222'); left.setAttribute('stroke-width', '1.2');
        var right = document.createElementNS(ns, 'path');
        right.setAttribute('d', 'M11 1 L2 29 L11 23 Z'); right.setAttribute('fill', '#222');
        right.setAttribute('stroke', '#222'); right.setAttribute('stroke-width', '1.2');
        svg.appendChild(left); svg.appendChild(right);
        box.appendChild(el('div', null, tb.labels.north));
        box.appendChild(svg);
        return box;
      }
    });
    new North().addTo(map);
  }

  // names of districts and sections, permanent, as text (never parsed as HTML)
  function featureLabels(map, cfg, state) {
    var group = L.layerGroup();
    (cfg.featureLabels || []).forEach(function (lab) {
      var point = lab[3] === 'point';
      var tip = L.tooltip({permanent: true, interactive: false, direction: point ? 'right' : 'center',
                           offset: point ? [7, 0] : [0, 0], className: 'ecogis-label' + (point ? ' pt' : ''),
                           opacity: 1});
      tip.setLatLng([lab[0], lab[1]]);
      tip.setContent(el('span', null, lab[2]));
      group.addLayer(tip);
    });
    group.addTo(map);
    state.labels = group;
    // an area's name over a section's name: move the area's name below it
    function untangle() {
      var tips = group.getLayers().map(function (t) { return t.getElement(); }).filter(Boolean);
      var points = tips.filter(function (n) { return n.classList.contains('pt'); });
      tips.forEach(function (n) {
        if (n.classList.contains('pt')) { return; }
        n.style.marginTop = '0px';
        var a = n.getBoundingClientRect();
        points.forEach(function (p) {
          var b = p.getBoundingClientRect();
          if (a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom) {
            n.style.marginTop = (b.bottom - a.top + 3) + 'px';
            a = n.getBoundingClientRect();
          }
        });
      });
    }
    map.on('zoomend', untangle);
    state.untangleLabels = untangle;
  }

  function render(map, cfg) {
    var t0 = performance.now();
    var labels = cfg.labels;
    var state = {map: map, layers: {}, order: [], ready: false, errors: []};
    window.ecogis = state;
    // marker clustering needs a maximum zoom, and tiles stop at 18-19
    if (!isFinite(map.getMaxZoom())) { map.setMaxZoom(cfg.maxZoom); }
    if (cfg.basemap.none) { map.getContainer().classList.add('ecogis-basemap-none'); }

    var bases = {};
    (cfg.basemap.tiles || []).forEach(function (t, i) {
      var tl = L.tileLayer(t.url, t.options);
      tl.addTo(map);
      if (i === 0) { bases[escapeHtml(cfg.basemap.title)] = tl; }
    });

    var overlays = [];
    // rasters: folium image overlays (drawn under the vectors, in their own pane), named in the switcher
    state.rasters = {};
    (cfg.rasters || []).forEach(function (r) {
      var img = window[r.layer];
      if (!img) { state.errors.push('raster ' + r.id + ' has no image layer'); return; }
      overlays.push([img, escapeHtml(r.title)]);
      state.rasters[r.id] = {layer: img, count: r.count, title: r.title};
    });
    cfg.layers.forEach(function (spec) {
      var syms = spec.categories.map(function (c) { return c.symbol; });
      spec.data.features.forEach(function (f, i) { f.__k = spec.cat[i]; });
      // hatched polygons (violations) need SVG fill patterns: their own SVG renderer
      var hatched = spec.geometry !== 'point' && syms.concat([spec.default]).some(function (s) { return s.hatch; });
      var renderer = hatched ? L.svg({padding: 0.5}) : null;
      var gjOptions = {
        style: function (feature) {
          var sym = feature.__k >= 0 ? syms[feature.__k] : spec.default;
          if (hatched && sym.hatch && feature.geometry && !/Point/.test(feature.geometry.type)) {
            return L.extend({}, sym, {fillColor: 'url(#' + hatchId(sym.fillColor) + ')', fillOpacity: 1});
          }
          return sym;
        },
        pointToLayer: function (feature, latlng) {
          var sym = feature.__k >= 0 ? syms[feature.__k] : spec.default;
          return L.circleMarker(latlng, renderer ? L.extend({renderer: renderer}, sym) : sym);
        }
      };
      if (renderer) { gjOptions.renderer = renderer; }
      var gj = L.geoJSON(spec.data, gjOptions);
      var layer = gj;
      if (spec.cluster) {
        layer = L.markerClusterGroup({chunkedLoading: true, showCoverageOnHover: false,
                                      disableClusteringAtZoom: 17, maxClusterRadius: 50});
        layer.addLayers(gj.getLayers());
      }
      layer.bindPopup(function (target) {
        return popupNode(spec, (target.feature || {}).properties || {}, labels);
      }, {maxWidth: 380});
      layer.bindTooltip(function (target) {
        return tooltipNode(spec, (target.feature || {}).properties || {});
      }, {sticky: true});
      layer.addTo(map);
      if (renderer) { addHatches(renderer, syms.concat([spec.default])); }
      overlays.push([layer, escapeHtml(spec.title) + ' <span class="ecogis-n">(' + spec.count + ')</span>']);
      state.layers[spec.id] = {layer: layer, geojson: gj, count: spec.count, title: spec.title,
                               kind: spec.kind, clustered: !!spec.cluster};
      state.order.push(spec.id);
    });

    // overlays one by one: an object keyed by label would merge layers of equal titles
    var control = L.control.layers(bases, {}, {collapsed: cfg.layers.length > 12, position: 'topright'});
    overlays.forEach(function (o) { control.addOverlay(o[0], o[1]); });
    control.addTo(map);

    // panel: title, key numbers, notes
    var Panel = L.Control.extend({
      options: {position: 'topright'},
      onAdd: function () {
        var box = el('div', 'ecogis-box ecogis-panel');
        box.id = 'ecogis-panel';
        box.appendChild(el('h1', null, cfg.panel.title));
        var tb = cfg.titleBlock || {};
        if (tb.area) {
          box.appendChild(el('div', 'ecogis-area', tb.labels.area + (cfg.lang === 'zh' ? '：' : ': ') + tb.area));
        }
        if (cfg.panel.rows.length) {
          var table = el('table');
          cfg.panel.rows.forEach(function (r) {
            var tr = el('tr');
            tr.appendChild(el('td', 'k', r[0]));
            tr.appendChild(el('td', 'v', r[1]));
            table.appendChild(tr);
          });
          box.appendChild(table);
        }
        cfg.panel.notes.forEach(function (n) { box.appendChild(el('div', 'ecogis-note', n)); });
        L.DomEvent.disableClickPropagation(box);
        L.DomEvent.disableScrollPropagation(box);
        return box;
      }
    });
    new Panel().addTo(map);
    // the panel goes above the layer control
    var corner = map._controlCorners.topright;
    var panelNode = document.getElementById('ecogis-panel');
    if (panelNode && corner.firstChild !== panelNode) { corner.insertBefore(panelNode, corner.firstChild); }

    // legend: one section per styled layer, grouped
    var Legend = L.Control.extend({
      options: {position: 'bottomleft'},
      onAdd: function () {
        var box = el('details', 'ecogis-box ecogis-legend');
        box.id = 'ecogis-legend';
        box.open = true;
        box.appendChild(el('summary', null, labels.legend));
        var group = null;
        cfg.legend.forEach(function (entry) {
          if (entry.group !== group) {
            group = entry.group;
            box.appendChild(el('div', 'grp', entry.groupTitle || group));
          }
          var sec = el('div', 'ecogis-legend-layer');
          sec.setAttribute('data-layer', entry.id);
          sec.appendChild(el('div', 'lyr', entry.title));
          entry.rows.forEach(function (r) {
            var row = el('div', 'row');
            row.appendChild(swatch(r.symbol, entry.geometry));
            row.appendChild(el('span', null, r.label));
            row.appendChild(el('span', 'n', '(' + r.count + ')'));
            sec.appendChild(row);
          });
          box.appendChild(sec);
        });
        L.DomEvent.disableClickPropagation(box);
        L.DomEvent.disableScrollPropagation(box);
        return box;
      }
    });
    new Legend().addTo(map);

    titleBlock(map, cfg, state);
    featureLabels(map, cfg, state);

    if (L.control.fullscreen) {
      L.control.fullscreen({position: 'topleft', title: labels.fullscreen, titleCancel: labels.exitFullscreen})
        .addTo(map);
    }
    if (L.Control.Measure) {
      // leaflet-measure 3.1 with Leaflet >= 1.8: github.com/ljagis/leaflet-measure/issues/171
      L.Control.Measure.include({
        _setCaptureMarkerIcon: function () {
          this._captureMarker.options.autoPanOnFocus = false;
          this._captureMarker.setIcon(L.divIcon({iconSize: this._map.getSize().multiplyBy(2)}));
        }
      });
      new L.Control.Measure({position: 'topleft', primaryLengthUnit: 'meters',
        secondaryLengthUnit: 'kilometers', primaryAreaUnit: 'sqmeters', secondaryAreaUnit: 'hectares',
        activeColor: '#d7301f', completedColor: '#2b8cbe'}).addTo(map);
    }

    // '#print' (ecogis map --png): a picture, not a page: no buttons, the data clear of the panel and legend
    var print = /(^|[#&])print($|&)/.test(window.location.hash);
    if (print) { map.getContainer().classList.add('ecogis-print'); map.options.zoomSnap = 0.25; }
    state.print = print;
    if (cfg.bounds) {
      var panelBox = document.getElementById('ecogis-panel'), legendBox = document.getElementById('ecogis-legend');
      var fit = print ? {paddingTopLeft: [(legendBox ? legendBox.offsetWidth : 0) + 24, 16],
                         paddingBottomRight: [(panelBox ? panelBox.offsetWidth : 0) + 24, 16], animate: false}
                      : {padding: [12, 12], animate: false};
      map.fitBounds(cfg.bounds, fit);
    }
    if (state.untangleLabels) { state.untangleLabels(); }
    state.loadMs = performance.now() - t0;
    state.ready = true;
    return state;
  }

  window.ecogisRender = function (map, configId) {
    var node = document.getElementById(configId);
    return render(map, JSON.parse(node.textContent));
  };
})();
"""
