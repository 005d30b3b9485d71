/*
 * RECPnet Portal charts: renders <canvas> elements from JSON emitted by Django's json_script.
 * Needs static/vendor/chart.umd.js and, for maps, static/vendor/chartjs-chart-geo/index.umd.min.js
 * loaded before this file. No inline script is needed (CSP-friendly).
 *
 * Bar / line chart:
 *   <canvas data-chart="bar|line" data-chart-source="ID" aria-label="..."></canvas>
 *   {{ data|json_script:"ID" }}
 *   data = {"labels": [...], "datasets": [{"label": str, "data": [numbers]}], "y_label": str}
 *
 * World choropleth:
 *   <canvas data-choropleth data-chart-source="ID"
 *           data-topojson-url="{% static 'vendor/world-atlas/countries-110m.json' %}"></canvas>
 *   data = {"values": {"404": 12, ...}, "label": str}
 *   Keys are ISO 3166-1 numeric codes as 3-digit strings (world-atlas feature ids). Optional
 *   "names": {"404": "Kenya"} overrides the Natural Earth names in tooltips. Countries without a
 *   value are drawn light grey. Antarctica is left out.
 *
 * Optional attribute: data-aspect-ratio="2" (width / height).
 * Content swapped in by htmx is rendered too (htmx:load).
 */
(function () {
  "use strict";

  var PALETTE = ["#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00", "#999999", "#000000"];
  var MISSING = "#e0e0e0";
  var BORDER = "#ffffff";
  var RAMP = [
    [198, 219, 239],
    [66, 146, 198],
    [8, 48, 107],
  ];
  var ANTARCTICA = "010";
  var topologies = {};

  function reducedMotion() {
    return !!(window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches);
  }

  function readSource(canvas) {
    var id = canvas.getAttribute("data-chart-source");
    var el = id ? document.getElementById(id) : null;
    if (!el) {
      throw new Error("charts.js: no JSON element #" + id);
    }
    return JSON.parse(el.textContent);
  }

  function aspectRatio(canvas, fallback) {
    var value = parseFloat(canvas.getAttribute("data-aspect-ratio"));
    return value > 0 ? value : fallback;
  }

  function describe(canvas, text) {
    if (!canvas.hasAttribute("role")) {
      canvas.setAttribute("role", "img");
    }
    if (text && !canvas.hasAttribute("aria-label") && !canvas.hasAttribute("aria-labelledby")) {
      canvas.setAttribute("aria-label", text);
    }
  }

  function formatNumber(value) {
    return typeof value === "number" ? value.toLocaleString() : String(value);
  }

  function baseOptions(canvas, fallbackRatio) {
    var options = {
      responsive: true,
      maintainAspectRatio: true,
      aspectRatio: aspectRatio(canvas, fallbackRatio),
    };
    if (reducedMotion()) {
      options.animation = false;
    }
    return options;
  }

  function renderXY(canvas, kind) {
    var source = readSource(canvas);
    var datasets = (source.datasets || []).map(function (ds, i) {
      var color = PALETTE[i % PALETTE.length];
      return {
        label: ds.label,
        data: ds.data,
        backgroundColor: kind === "line" ? color : color + "cc",
        borderColor: color,
        borderWidth: kind === "line" ? 2 : 1,
        pointRadius: kind === "line" ? 3 : undefined,
        tension: 0,
        fill: false,
      };
    });
    var options = baseOptions(canvas, 2);
    options.scales = {
      y: {
        beginAtZero: true,
        title: { display: !!source.y_label, text: source.y_label || "" },
      },
    };
    options.plugins = {
      legend: { display: datasets.length > 1 },
      tooltip: {
        callbacks: {
          label: function (item) {
            var name = item.dataset.label ? item.dataset.label + ": " : "";
            return name + formatNumber(item.parsed.y);
          },
        },
      },
    };
    describe(canvas, datasets.length === 1 ? datasets[0].label : source.y_label);
    return new window.Chart(canvas, { type: kind, data: { labels: source.labels || [], datasets: datasets }, options: options });
  }

  function ramp(t) {
    var x = Math.max(0, Math.min(1, t)) * (RAMP.length - 1);
    var i = Math.min(Math.floor(x), RAMP.length - 2);
    var f = x - i;
    var rgb = RAMP[i].map(function (c, k) {
      return Math.round(c + (RAMP[i + 1][k] - c) * f);
    });
    return "rgb(" + rgb.join(",") + ")";
  }

  function loadTopology(url) {
    if (!topologies[url]) {
      topologies[url] = fetch(url, { credentials: "same-origin" }).then(function (response) {
        if (!response.ok) {
          throw new Error("charts.js: " + url + " returned " + response.status);
        }
        return response.json();
      });
    }
    return topologies[url];
  }

  function isoId(feature) {
    return feature.id == null ? null : String(feature.id).padStart(3, "0");
  }

  function renderChoropleth(canvas) {
    var source = readSource(canvas);
    var url = canvas.getAttribute("data-topojson-url");
    var geo = window.ChartGeo;
    if (!geo || !url) {
      throw new Error("charts.js: choropleth needs ChartGeo and data-topojson-url");
    }
    describe(canvas, source.label);
    return loadTopology(url).then(function (topology) {
      if (window.Chart.getChart(canvas)) {
        return; // rendered meanwhile (e.g. htmx:load after DOMContentLoaded)
      }
      var values = source.values || {};
      var names = source.names || {};
      var features = geo.topojson.feature(topology, topology.objects.countries).features.filter(function (f) {
        return isoId(f) !== ANTARCTICA;
      });
      var points = features.map(function (f) {
        var id = isoId(f);
        var value = id !== null && typeof values[id] === "number" ? values[id] : null;
        return { feature: f, value: value };
      });
      var numbers = points
        .map(function (p) {
          return p.value;
        })
        .filter(function (v) {
          return v !== null;
        });
      // Fixed domain (from 0 when all values are >= 0); a zero-width range would paint every
      // country as "missing".
      var min = Math.min.apply(null, [0].concat(numbers));
      var max = Math.max.apply(null, [min].concat(numbers));
      if (max <= min) {
        max = min + 1;
      }
      var options = baseOptions(canvas, 2);
      options.showOutline = false;
      options.showGraticule = false;
      options.elements = { geoFeature: { borderColor: BORDER, borderWidth: 0.6 } };
      options.plugins = {
        legend: { display: false },
        tooltip: {
          callbacks: {
            label: function (item) {
              var point = item.raw;
              var id = isoId(point.feature);
              var name = (id && names[id]) || point.feature.properties.name;
              return name + ": " + (point.value === null ? "no data" : formatNumber(point.value));
            },
          },
        },
      };
      options.scales = {
        projection: { axis: "x", projection: "equalEarth" },
        color: {
          axis: "x",
          min: min,
          max: max,
          interpolate: ramp,
          missing: MISSING,
          ticks: { precision: 0 },
          legend: { position: "bottom-left", align: "right", length: 0.35, margin: 8 },
        },
      };
      return new window.Chart(canvas, {
        type: "choropleth",
        data: {
          labels: features.map(function (f) {
            return f.properties.name;
          }),
          datasets: [{ label: source.label || "", data: points }],
        },
        options: options,
      });
    });
  }

  function renderOne(canvas) {
    if (!window.Chart || window.Chart.getChart(canvas) || canvas.getAttribute("data-chart-state")) {
      return;
    }
    canvas.setAttribute("data-chart-state", "pending");
    function done() {
      canvas.setAttribute("data-chart-state", "rendered");
    }
    function failed(error) {
      canvas.setAttribute("data-chart-state", "error");
      if (window.console) {
        window.console.error(error);
      }
    }
    try {
      if (canvas.hasAttribute("data-choropleth")) {
        renderChoropleth(canvas).then(done, failed);
      } else {
        var kind = canvas.getAttribute("data-chart");
        if (kind !== "bar" && kind !== "line") {
          throw new Error("charts.js: unsupported data-chart=" + kind);
        }
        renderXY(canvas, kind);
        done();
      }
    } catch (error) {
      failed(error);
    }
  }

  function renderAll(root) {
    var scope = root && root.querySelectorAll ? root : document;
    var canvases = scope.querySelectorAll("canvas[data-chart][data-chart-source], canvas[data-choropleth][data-chart-source]");
    Array.prototype.forEach.call(canvases, renderOne);
    if (scope.matches && scope.matches("canvas[data-chart-source]")) {
      renderOne(scope);
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () {
      renderAll(document);
    });
  } else {
    renderAll(document);
  }
  document.addEventListener("htmx:load", function (event) {
    renderAll(event.target);
  });
})();
