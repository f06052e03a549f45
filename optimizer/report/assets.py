"""The interactive report's style sheet and script (kept in Python so that they install with it).

The script reads the JSON embedded by :mod:`landalloc.optimizer.report.html` and uses the inlined
plotly.js: the front (scatter, or scatter matrix + parallel coordinates), two layout panels A
and B (map with district boundaries and names, quota table, transition matrix, change by
district, district table), and the A-versus-B table. Clicking a point of the front shows its
layout in panel A (or B, as the radio buttons say); each panel downloads its layout as CSV or
GeoJSON, a file built in the page (a Blob) from the embedded data.
"""

STYLE = """
:root { --ink: #1d2433; --muted: #5b6475; --line: #d9dee7; --accent: #1f77b4; }
* { box-sizing: border-box; }
body { font-family: "Noto Sans", "DejaVu Sans", "Noto Sans CJK SC", "Microsoft YaHei", "PingFang SC",
       sans-serif; color: var(--ink); margin: 0; background: #f6f7f9; font-size: 14px; }
header { background: #ffffff; border-bottom: 1px solid var(--line); padding: 14px 24px; }
header h1 { font-size: 20px; margin: 0 0 4px 0; }
header p { margin: 2px 0; color: var(--muted); }
main { padding: 12px 24px 40px 24px; }
section { background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: 12px 16px;
          margin-bottom: 14px; }
h2 { font-size: 16px; margin: 2px 0 8px 0; }
h3 { font-size: 14px; margin: 12px 0 6px 0; }
.hint { color: var(--muted); font-size: 12px; }
.row { display: flex; gap: 14px; flex-wrap: wrap; }
.panel { flex: 1 1 520px; min-width: 0; background: #fff; border: 1px solid var(--line);
         border-radius: 6px; padding: 10px 14px; }
.panel h2 span.badge { display: inline-block; background: var(--accent); color: #fff; border-radius: 4px;
                       padding: 0 7px; margin-right: 6px; }
.panel.b h2 span.badge { background: #ff7f0e; }
.controls { display: flex; gap: 12px; align-items: center; flex-wrap: wrap; margin-bottom: 6px; }
select { font-size: 13px; padding: 2px 4px; max-width: 100%; }
.map { width: 100%; height: 560px; }
table.data { border-collapse: collapse; font-size: 12px; margin: 4px 0; }
table.data th, table.data td { border: 1px solid var(--line); padding: 2px 6px; text-align: right; }
table.data th { background: #f0f2f6; }
table.data td:first-child, table.data th:first-child { text-align: left; }
table.data tr.bad td { background: #fde2e1; }
.scroll { overflow-x: auto; }
table.points tbody tr { cursor: pointer; }
table.points tbody tr:hover { background: #eef5fc; }
table.points tbody tr.a { outline: 2px solid var(--accent); }
table.points tbody tr.b { outline: 2px dashed #ff7f0e; }
.better { color: #1a7f37; } .worse { color: #c62828; }
.note { background: #fff8e1; border: 1px solid #f2d98b; padding: 6px 10px; border-radius: 4px; }
.alarm { background: #fdecea; border: 1px solid #e57373; color: #8e1b1b; padding: 6px 10px; border-radius: 4px;
         margin: 6px 0; }
.alarm ul { margin: 4px 0 0 0; padding-left: 20px; }
.downloads { color: var(--muted); font-size: 12px; }
.downloads button { font-size: 12px; padding: 1px 8px; cursor: pointer; }
"""

SCRIPT = r"""
(function () {
  const D = JSON.parse(document.getElementById('report-data').textContent);
  const plotConfig = {displaylogo: false, responsive: true, modeBarButtonsToRemove: ['sendDataToCloud']};
  const state = {a: D.initial.a, b: D.initial.b, target: 'a', change: {a: false, b: false}};
  const keysByTrace = [];  // front chart: trace number -> solution keys of its points

  function fmt(objective, v) {
    if (v === null || v === undefined || Number.isNaN(v)) return '';
    if (objective === 'equity') return (100 * v).toFixed(1) + ' %';
    return v.toLocaleString('en-US', {maximumFractionDigits: Math.abs(v) < 100 ? 3 : 1});
  }

  // ---------- the front ----------
  // a trace of points: a scatter for one or two objectives, a scatter matrix for three or more
  function pointsTrace(name, points, props) {
    const m = D.objectives.length;
    const base = m >= 3
      ? {type: 'splom', showupperhalf: false, diagonal: {visible: false},
         dimensions: D.objectives.map((o, j) => ({label: o.label, values: points.map(p => p.values[j])}))}
      : {type: 'scatter', mode: 'markers', x: points.map(p => p.values[0]),
         y: points.map(p => m === 2 ? p.values[1] : 0)};
    return Object.assign(base, {name: name, text: points.map(p => p.hover || name),
                                hovertemplate: '%{text}<extra></extra>'}, props);
  }

  function frontTraces() {
    const m = D.objectives.length;
    const traces = [];
    function add(trace, keys) { traces.push(trace); keysByTrace.push(keys); }
    D.series.forEach(function (s) {
      // points stopped on a time limit: open markers (not proven optimal; the hover gives the gap)
      const props = {hovertemplate: '%{text}<extra>' + s.name + '</extra>',
                     marker: {color: s.points.map(p => p.feasible ? s.color : '#9e9e9e'),
                              symbol: s.points.map(p => p.limited ? s.symbol + '-open' : s.symbol), size: 9,
                              line: {color: s.points.map(p => p.limited ? s.color : '#fff'),
                                     width: s.points.map(p => p.limited ? 2 : 0.7)}}};
      if (m === 2) Object.assign(props, {mode: 'lines+markers', line: {color: s.color, width: 1}});
      add(pointsTrace(s.name, s.points, props), s.points.map(p => p.key));
    });
    const limited = D.series.find(s => s.points.some(p => p.limited));
    if (limited) {
      add({type: 'scatter', mode: 'markers', x: [null], y: [null], hoverinfo: 'skip', name: 'stopped at time limit',
           marker: {symbol: limited.symbol + '-open', size: 9, color: limited.color, line: {width: 2}}}, []);
    }
    const infeasible = D.today.feasible === false;
    [['payoff extremes', D.marks.extremes, {symbol: 'diamond-open', size: 15, color: '#000', line: {width: 1.5}}],
     ['knee point', D.marks.knee, {symbol: 'star', size: 17, color: '#ffd400', line: {color: '#000', width: 1}}],
     [infeasible ? "today's layout (infeasible)" : "today's layout", D.marks.current,
      {symbol: 'x', size: 12, color: infeasible ? '#c62828' : '#000'}]].forEach(function (mark) {
      if (mark[1].length) add(pointsTrace(mark[0], mark[1], {marker: mark[2]}), mark[1].map(p => p.key || null));
    });
    D.selectionTrace = traces.length;  // two traces ringing the points shown in A and B
    ['layout A', 'layout B'].forEach(function (name, i) {
      add(pointsTrace(name, [], {marker: {symbol: 'circle-open', size: 22, color: i ? '#ff7f0e' : '#1f77b4',
                                          line: {width: 3}}}), []);
    });
    return traces;
  }

  function selectionUpdate() {
    const m = D.objectives.length;
    ['a', 'b'].forEach(function (panel, i) {
      const s = D.solutions[state[panel]];
      const values = s ? s.values : null;
      const trace = D.selectionTrace + i;
      keysByTrace[trace] = s ? [state[panel]] : [];
      if (m >= 3) {
        const dims = D.objectives.map((o, j) => ({label: o.label, values: values ? [values[j]] : []}));
        Plotly.restyle('front', {dimensions: [dims]}, [trace]);
      } else {
        const x = values ? [values[0]] : [], y = values ? [m === 2 ? values[1] : 0] : [];
        Plotly.restyle('front', {x: [x], y: [y]}, [trace]);
      }
    });
  }

  function drawFront() {
    const m = D.objectives.length;
    const traces = frontTraces();
    const layout = {margin: {l: 70, r: 20, t: 30, b: 60}, hovermode: 'closest', height: m >= 3 ? 200 * m : 430,
                    legend: {orientation: 'h', y: 1.08}, dragmode: 'zoom'};
    // the axes fit the front; today's layout, when far off, is an arrow at the edge pointing to it
    if (m <= 2) {
      layout.xaxis = {title: {text: D.objectives[0].label}, zeroline: false, range: D.ranges[0]};
      layout.yaxis = m === 2 ? {title: {text: D.objectives[1].label}, zeroline: false, range: D.ranges[1]}
                             : {visible: false, range: [-1, 1]};
    } else {
      D.objectives.forEach(function (o, j) {
        const suffix = j ? String(j + 1) : '';
        layout['xaxis' + suffix] = {range: D.ranges[j]};
        layout['yaxis' + suffix] = {range: D.ranges[j]};
      });
    }
    const arrow = D.today.arrow, infeasible = D.today.feasible === false;
    if (arrow) {
      const dx = arrow.tail[0] - arrow.tip[0], dy = arrow.tail[1] - arrow.tip[1];
      const norm = Math.max(Math.hypot(dx, dy), 1e-12);
      layout.annotations = [{xref: 'x domain', yref: 'y domain', x: arrow.tip[0], y: arrow.tip[1],
        ax: 90 * dx / norm, ay: -90 * dy / norm, text: arrow.text, showarrow: true, arrowhead: 2, arrowwidth: 1.5,
        arrowcolor: infeasible ? '#c62828' : '#000', font: {size: 11, color: infeasible ? '#c62828' : '#000'},
        bgcolor: 'rgba(255,255,255,0.85)'}];
    }
    Plotly.newPlot('front', traces, layout, plotConfig);
    selectionUpdate();
    document.getElementById('front').on('plotly_click', function (ev) {
      if (!ev || !ev.points || !ev.points.length) return;
      const p = ev.points[0];
      const keys = keysByTrace[p.curveNumber] || [];
      const key = keys[p.pointIndex !== undefined ? p.pointIndex : p.pointNumber];
      if (key) choose(state.target, key);
    });
    if (m >= 3) drawParallel();
  }

  function drawParallel() {
    const all = [];
    D.series.forEach((s, si) => s.points.forEach(p => all.push({v: p.values, c: si})));
    // today's line only where it lies within the front's ranges (the axes fit the front)
    const inside = v => v.every((x, j) => x >= D.ranges[j][0] && x <= D.ranges[j][1]);
    if (D.marks.current.length && inside(D.marks.current[0].values)) {
      all.push({v: D.marks.current[0].values, c: D.series.length});
    }
    const colors = D.series.map(s => s.color).concat(['#000000']);
    const n = colors.length;
    const cs = [];
    colors.forEach(function (c, i) { cs.push([i / n, c]); cs.push([(i + 1) / n, c]); });
    const dims = D.objectives.map(function (o, j) {
      const vals = all.map(r => r.v[j]);
      const lo = D.ranges[j][0], hi = D.ranges[j][1];
      return {label: o.label, values: vals, range: o.sense === 'max' ? [lo, hi] : [hi, lo]};
    });
    Plotly.newPlot('parallel', [{type: 'parcoords', dimensions: dims,
      line: {color: all.map(r => (r.c + 0.5) / n), cmin: 0, cmax: 1, colorscale: cs}}],
      {margin: {l: 80, r: 80, t: 60, b: 30}, height: 360}, plotConfig);
  }

  // ---------- maps ----------
  // Parcels are painted on a canvas (fast for tens of thousands of polygons) that plotly shows
  // as a layout image under the zoning outlines; zooming or panning repaints it at the new view.
  function colourOf(key, change) {
    const layout = D.solutions[key].layout, today = D.current_layout;
    const colours = new Array(layout.length);
    for (let i = 0; i < layout.length; i++) {
      const k = layout.charCodeAt(i) - 48;
      colours[i] = change && k === today.charCodeAt(i) - 48 ? '#e0e0e0' : D.uses[k].color;
    }
    return colours;
  }

  function paintCanvas(colours, xr, yr, width, height) {
    const ratio = window.devicePixelRatio || 1;
    const canvas = document.createElement('canvas');
    canvas.width = Math.max(1, Math.round(width * ratio));
    canvas.height = Math.max(1, Math.round(height * ratio));
    const ctx = canvas.getContext('2d');
    const g = D.geometry;
    const sx = canvas.width / (xr[1] - xr[0]), sy = canvas.height / (yr[1] - yr[0]);
    const X = v => (v + g.x0 - xr[0]) * sx, Y = v => (yr[1] - v - g.y0) * sy;
    const byColour = {};
    colours.forEach(function (c, i) { (byColour[c] = byColour[c] || []).push(i); });
    Object.keys(byColour).forEach(function (colour) {
      ctx.beginPath();
      byColour[colour].forEach(function (i) {
        if (g.kind === 'polygons') {
          for (let r = g.partStart[i]; r < g.partStart[i + 1]; r++) {
            const a = g.ringStart[r], b = g.ringStart[r + 1];
            ctx.moveTo(X(g.x[a]), Y(g.y[a]));
            for (let c = a + 1; c < b; c++) ctx.lineTo(X(g.x[c]), Y(g.y[c]));
            ctx.closePath();
          }
        } else {
          const half = g.side / 2;
          ctx.rect(X(g.cx[i] - half), Y(g.cy[i] + half), g.side * sx, g.side * sy);
        }
      });
      ctx.fillStyle = colour;
      ctx.fill();
      if (g.edges) { ctx.strokeStyle = 'rgba(255,255,255,0.8)'; ctx.lineWidth = 0.5 * ratio; ctx.stroke(); }
    });
    return canvas.toDataURL('image/png');
  }

  function paint(panel) {
    const div = document.getElementById('map-' + panel);
    const full = div._fullLayout;
    if (!full || !full.xaxis) return Promise.resolve();
    const xr = full.xaxis.range.slice(), yr = full.yaxis.range.slice();
    const source = paintCanvas(colourOf(state[panel], state.change[panel]), xr, yr, full._size.w, full._size.h);
    div.dataset.painted = state[panel] + (state.change[panel] ? ':change' : '');
    return Plotly.relayout(div, {images: [{source: source, xref: 'x', yref: 'y', x: xr[0], y: yr[1],
      sizex: xr[1] - xr[0], sizey: yr[1] - yr[0], sizing: 'stretch', layer: 'below'}]});
  }

  function mapTraces(key, change) {
    const layout = D.solutions[key].layout, today = D.current_layout;
    const b = D.geometry.bounds;
    // the county's corners: autoscale (double-click) shows all of it
    const traces = [{type: 'scatter', mode: 'markers', x: [b[0], b[2]], y: [b[1], b[3]], showlegend: false,
                     hoverinfo: 'skip', marker: {opacity: 0}}];
    const present = new Set();
    for (let i = 0; i < layout.length; i++) {
      const k = layout.charCodeAt(i) - 48;
      present.add(change && k === today.charCodeAt(i) - 48 ? 'same' : k);
    }
    const legend = (change ? ['same'] : []).concat(D.uses.map((u, k) => k)).filter(g => present.has(g));
    legend.forEach(function (g) {
      traces.push({type: 'scatter', mode: 'markers', x: [null], y: [null], hoverinfo: 'skip',
                   name: g === 'same' ? D.text.unchanged : (change ? '→ ' : '') + D.uses[g].label,
                   marker: {symbol: 'square', size: 12, color: g === 'same' ? '#e0e0e0' : D.uses[g].color}});
    });
    D.outlines.forEach(function (o) {
      traces.push({type: 'scatter', mode: 'lines', x: o.x, y: o.y, name: o.name, hoverinfo: 'skip',
                   line: {color: o.color, width: 2, dash: o.dash}});
    });
    if (D.districts.x.length) {
      traces.push({type: 'scatter', mode: 'lines', x: D.districts.x, y: D.districts.y, name: D.districts.name,
                   hoverinfo: 'skip', line: {color: '#252525', width: 1.3}});
      traces.push({type: 'scatter', mode: 'text', x: D.districts.labels.map(l => l.x),
                   y: D.districts.labels.map(l => l.y), text: D.districts.labels.map(l => l.text), showlegend: false,
                   hoverinfo: 'skip', textfont: {size: 12, color: '#111'}, name: 'district names'});
    }
    if (D.geometry.hover) {
      const g = D.geometry;
      traces.push({type: 'scatter', mode: 'markers', x: g.cx.map(v => v + g.x0), y: g.cy.map(v => v + g.y0),
                   showlegend: false, name: 'parcel', marker: {size: 6, opacity: 0},
                   hovertemplate: '%{text}<extra></extra>',
                   text: D.parcel_ids.map((id, i) => 'parcel ' + id + ': ' + D.uses[layout.charCodeAt(i) - 48].label +
                     (layout[i] !== today[i] ? '<br>today: ' + D.uses[today.charCodeAt(i) - 48].label : ''))});
    }
    return traces;
  }

  function drawMap(panel) {
    const key = state[panel];
    const div = document.getElementById('map-' + panel);
    const b = D.geometry.bounds;
    const old = div.layout && div.layout.xaxis ? div.layout : null;
    const layout = {margin: {l: 5, r: 5, t: 5, b: 5}, showlegend: true, uirevision: 'map',
                    legend: {orientation: 'h', y: -0.02, yanchor: 'top', font: {size: 11}},
                    xaxis: {visible: false, range: old ? old.xaxis.range : [b[0], b[2]]},
                    yaxis: {visible: false, scaleanchor: 'x', scaleratio: 1,
                            range: old ? old.yaxis.range : [b[1], b[3]]},
                    images: old ? old.images : [], plot_bgcolor: '#ffffff', hovermode: 'closest'};
    div.dataset.solution = key;
    return Plotly.react(div, mapTraces(key, state.change[panel]), layout, plotConfig).then(() => paint(panel));
  }

  // ---------- tables ----------
  function fillTables(panel) {
    const s = D.solutions[state[panel]];
    const root = document.getElementById('tables-' + panel);
    root.dataset.solution = state[panel];
    root.innerHTML = '<h3>' + D.text.areas + '</h3><div class="scroll">' + s.tables.areas + '</div>' +
      '<h3>' + D.text.transitions + '</h3><div class="scroll">' + s.tables.transitions + '</div>' +
      '<h3>' + D.text.changes + '</h3><div class="scroll">' + s.tables.changes + '</div>' +
      (s.tables.districts ?
        '<h3>' + D.text.districts + '</h3><div class="scroll">' + s.tables.districts + '</div>' : '') +
      (D.text.missing ? '<p class="hint">' + D.text.missing + '</p>' : '');
    document.getElementById('title-' + panel).textContent = s.label;
    document.getElementById('note-' + panel).textContent = s.note || '';
    document.getElementById('select-' + panel).value = state[panel];
  }

  function fillVersus() {
    const a = D.solutions[state.a], b = D.solutions[state.b];
    let html = '<table class="data" id="versus-table"><thead><tr><th>objective</th><th>A: ' + esc(a.label) +
      '</th><th>B: ' + esc(b.label) + '</th><th>B − A</th></tr></thead><tbody>';
    D.objectives.forEach(function (o, j) {
      const va = a.values ? a.values[j] : null, vb = b.values ? b.values[j] : null;
      let diff = '', cls = '';
      if (va !== null && vb !== null) {
        const d = vb - va;
        diff = (d > 0 ? '+' : '') + fmt(o.name, d);
        if (Math.abs(d) > 1e-12) cls = ((d > 0) === (o.sense === 'max')) ? 'better' : 'worse';
      }
      html += '<tr><td>' + o.label + '</td><td>' + fmt(o.name, va) + '</td><td>' + fmt(o.name, vb) +
        '</td><td class="' + cls + '">' + diff + '</td></tr>';
    });
    html += '<tr><td>area changed from today (ha)</td><td>' + fmt('', a.changed_ha) + '</td><td>' +
      fmt('', b.changed_ha) +
      '</td><td>' + fmt('', b.changed_ha - a.changed_ha) + '</td></tr>';
    html += '<tr><td>parcels that differ between A and B</td><td colspan="3">' +
      differing(a.layout, b.layout) + '</td></tr>';
    document.getElementById('versus').innerHTML = html + '</tbody></table>';
  }

  function differing(x, y) {
    let n = 0;
    for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) n++;
    return n.toLocaleString('en-US');
  }
  function esc(t) { const d = document.createElement('div'); d.textContent = t; return d.innerHTML; }

  function markRows() {
    document.querySelectorAll('table.points tbody tr').forEach(function (tr) {
      tr.classList.toggle('a', tr.dataset.key === state.a);
      tr.classList.toggle('b', tr.dataset.key === state.b);
    });
  }

  // ---------- downloads: the panel's layout as CSV (parcel_id,use) or GeoJSON, built here ----------
  function layoutCodes(key) {
    const layout = D.solutions[key].layout;
    const codes = new Array(layout.length);
    for (let i = 0; i < layout.length; i++) codes[i] = D.uses[layout.charCodeAt(i) - 48].code;
    return codes;
  }
  function csvCell(v) { return /[",\r\n]/.test(v) ? '"' + v.replace(/"/g, '""') + '"' : v; }
  function layoutCSV(key) {
    const codes = layoutCodes(key);
    const lines = ['parcel_id,use'];
    D.parcel_ids.forEach(function (id, i) { lines.push(csvCell(id) + ',' + csvCell(codes[i])); });
    return '\ufeff' + lines.join('\r\n') + '\r\n';  // a BOM: Excel reads UTF-8 ids right
  }
  function layoutGeoJSON(key) {
    const codes = layoutCodes(key);
    const features = D.download.geojson.features.map(function (f, i) {
      return {type: 'Feature', properties: Object.assign({}, f.properties, {use: codes[i]}), geometry: f.geometry};
    });
    return JSON.stringify({type: 'FeatureCollection', name: key, features: features});
  }
  function download(panel, format) {
    const key = state[panel];
    const text = format === 'csv' ? layoutCSV(key) : layoutGeoJSON(key);
    const blob = new Blob([text], {type: format === 'csv' ? 'text/csv;charset=utf-8' : 'application/geo+json'});
    const a = document.createElement('a');
    a.href = URL.createObjectURL(blob);
    a.download = key.replace(/[^A-Za-z0-9_.-]+/g, '_') + (format === 'csv' ? '.csv' : '.geojson');
    document.body.appendChild(a);
    a.click();
    setTimeout(function () { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
  }

  function choose(panel, key) {
    if (!D.solutions[key]) return;
    state[panel] = key;
    drawMap(panel);
    fillTables(panel);
    fillVersus();
    selectionUpdate();
    markRows();
  }

  // ---------- wiring ----------
  function init() {
    const t0 = performance.now();
    ['a', 'b'].forEach(function (panel) {
      const select = document.getElementById('select-' + panel);
      D.order.forEach(function (key) {
        const o = document.createElement('option');
        o.value = key; o.textContent = D.solutions[key].label; select.appendChild(o);
      });
      select.addEventListener('change', () => choose(panel, select.value));
      document.getElementById('change-' + panel).addEventListener('change', function (ev) {
        state.change[panel] = ev.target.checked; drawMap(panel);
      });
      document.getElementById('download-csv-' + panel).addEventListener('click', () => download(panel, 'csv'));
      const geojson = document.getElementById('download-geojson-' + panel);
      if (D.download.geojson) geojson.addEventListener('click', () => download(panel, 'geojson'));
      else {
        geojson.disabled = true;
        geojson.title = 'more than ' + D.download.limit.toLocaleString('en-US') +
          ' parcels (or no CRS): every layout is in layouts.gpkg';
      }
    });
    document.querySelectorAll('input[name="target"]').forEach(function (r) {
      r.addEventListener('change', function () { if (r.checked) state.target = r.value; });
    });
    document.querySelectorAll('table.points tbody tr').forEach(function (tr) {
      tr.addEventListener('click', () => choose(state.target, tr.dataset.key));
    });
    drawFront();
    const maps = ['a', 'b'].map(function (panel) { fillTables(panel); return drawMap(panel); });
    fillVersus();
    markRows();
    // the two maps share their view: zooming one zooms the other; each repaints its parcels
    let syncing = false;
    ['a', 'b'].forEach(function (panel) {
      const other = panel === 'a' ? 'b' : 'a';
      document.getElementById('map-' + panel).on('plotly_relayout', function (ev) {
        if (!ev) return;
        const update = {};
        ['xaxis.range[0]', 'xaxis.range[1]', 'yaxis.range[0]', 'yaxis.range[1]', 'xaxis.autorange', 'yaxis.autorange']
          .forEach(function (k) { if (k in ev) update[k] = ev[k]; });
        if (!Object.keys(update).length) return;
        paint(panel);
        if (syncing) return;
        syncing = true;
        Plotly.relayout('map-' + other, update).then(() => { syncing = false; });
      });
    });
    Promise.all(maps).then(function () {
      document.body.dataset.ready = 'true';
      document.body.dataset.seconds = ((performance.now() - t0) / 1000).toFixed(2);
    });
  }
  init();
})();
"""
