/**
 * The console's browser script (served as /console/app.js). Plain ES5-style JavaScript with no
 * build step and no dependency. It renders with DOM calls and textContent only (event data is
 * never parsed as markup), keeps one EventSource open (the browser reconnects it; every
 * (re)connect starts from a snapshot), and merges deltas by replacing whole services / sections.
 *
 * Kept as a string so it ships inside dist/ with the rest of the package; a unit test parses it,
 * and it must contain no backtick, no dollar-brace and no backslash (it lives in a template literal).
 */
export const CONSOLE_SCRIPT = `(function () {
  'use strict';

  var services = new Map();
  var decisions = [];
  var alerts = [];
  var audit = [];
  var proxies = [];
  var clockOffsetMs = 0;
  var historyWindows = 120;
  var revision = 0;
  var openKeys = new Set();
  var PALETTE = ['#3d7ad6', '#1f9d55', '#d98b0b', '#9b59b6', '#d64545', '#16a2b8', '#7f8c8d', '#c0398f'];
  var SVG_NS = 'http://www.w3.org/2000/svg';

  // --- DOM helpers: text always goes through textContent, never through markup ---------------
  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    setAttrs(node, attrs);
    append(node, children);
    return node;
  }
  function svg(tag, attrs) {
    var node = document.createElementNS(SVG_NS, tag);
    setAttrs(node, attrs);
    return node;
  }
  function setAttrs(node, attrs) {
    if (!attrs) return;
    Object.keys(attrs).forEach(function (name) {
      var value = attrs[name];
      if (value === null || value === undefined || value === false) return;
      if (name === 'text') node.textContent = String(value);
      else node.setAttribute(name, String(value));
    });
  }
  function append(node, children) {
    if (children === null || children === undefined) return;
    if (!Array.isArray(children)) children = [children];
    children.forEach(function (child) {
      if (child === null || child === undefined || child === false) return;
      node.appendChild(typeof child === 'string' || typeof child === 'number' ? document.createTextNode(String(child)) : child);
    });
  }
  function replace(id, children) {
    var node = document.getElementById(id);
    while (node.firstChild) node.removeChild(node.firstChild);
    append(node, children);
  }
  function badge(text, cls) {
    return el('span', { class: 'badge ' + (cls || ''), text: text });
  }
  /** A <details> whose open state survives re-rendering. */
  function details(key, summary, body) {
    var node = el('details', { 'data-key': key }, [el('summary', null, summary), el('div', { class: 'body' }, body)]);
    if (openKeys.has(key)) node.open = true;
    node.addEventListener('toggle', function () {
      if (node.open) openKeys.add(key);
      else openKeys.delete(key);
    });
    return node;
  }
  function kv(pairs) {
    var dl = el('dl', { class: 'kv' });
    pairs.forEach(function (p) {
      if (p[1] === null || p[1] === undefined || p[1] === '') return;
      append(dl, [el('dt', { text: p[0] }), el('dd', null, p[1])]);
    });
    return dl;
  }

  // --- formatting ---------------------------------------------------------------------------
  function dash(v) { return v === null || v === undefined; }
  function fmtNum(v, digits) { return dash(v) ? '—' : Number(v).toFixed(digits); }
  function fmtPct(v) { return dash(v) ? '—' : (v * 100).toFixed(v < 0.1 ? 2 : 1) + '%'; }
  function fmtMs(v) { return dash(v) ? '—' : (v >= 100 ? v.toFixed(0) : v.toFixed(1)) + ' ms'; }
  function pad(n) { return n < 10 ? '0' + n : String(n); }
  function fmtTime(ms) {
    if (dash(ms)) return '—';
    var d = new Date(ms);
    return pad(d.getHours()) + ':' + pad(d.getMinutes()) + ':' + pad(d.getSeconds());
  }
  function serverNow() { return Date.now() + clockOffsetMs; }
  function fmtAge(ms) {
    if (dash(ms)) return '—';
    var s = Math.max(0, Math.round((serverNow() - ms) / 1000));
    if (s < 60) return s + ' s ago';
    if (s < 3600) return Math.round(s / 60) + ' min ago';
    return Math.round(s / 3600) + ' h ago';
  }

  // --- charts: one polyline per instance, drawn in SVG ----------------------------------------
  function chart(title, series, fixedMax, unit) {
    var W = 400, H = 90, PAD = 4;
    var tMin = Infinity, tMax = -Infinity, vMax = fixedMax || 0;
    series.forEach(function (s) {
      s.points.forEach(function (p) {
        if (p.t < tMin) tMin = p.t;
        if (p.t > tMax) tMax = p.t;
        if (!fixedMax && p.v > vMax) vMax = p.v;
      });
    });
    if (vMax <= 0) vMax = 1;
    var root = svg('svg', { class: 'chart', viewBox: '0 0 ' + W + ' ' + H, preserveAspectRatio: 'none', role: 'img', 'aria-label': title });
    [0.25, 0.5, 0.75].forEach(function (f) {
      var y = PAD + (H - 2 * PAD) * f;
      root.appendChild(svg('line', { x1: 0, x2: W, y1: y, y2: y, stroke: '#e3e6eb', 'stroke-width': 1, 'vector-effect': 'non-scaling-stroke' }));
    });
    var span = tMax > tMin ? tMax - tMin : 1;
    series.forEach(function (s) {
      if (s.points.length === 0) return;
      var pts = s.points.map(function (p) {
        var x = s.points.length === 1 && tMax === tMin ? W : ((p.t - tMin) / span) * W;
        var y = PAD + (H - 2 * PAD) * (1 - Math.min(p.v, vMax) / vMax);
        return x.toFixed(1) + ',' + y.toFixed(1);
      });
      var line = svg('polyline', { points: pts.join(' '), fill: 'none', stroke: s.color, 'stroke-width': 2, 'vector-effect': 'non-scaling-stroke', 'data-series': s.label });
      var tip = svg('title');
      tip.textContent = s.label;
      line.appendChild(tip);
      root.appendChild(line);
    });
    var range = tMax >= tMin ? fmtTime(tMin) + ' – ' + fmtTime(tMax) : 'no data yet';
    return el('div', { class: 'chart-box' }, [
      el('div', { class: 'chart-title' }, [el('span', { text: title + ' (max ' + fmtNum(vMax, fixedMax ? 1 : 0) + (unit || '') + ')' }), el('span', { text: range })]),
      root,
    ]);
  }

  // --- sections -----------------------------------------------------------------------------
  function renderServices() {
    var list = Array.from(services.values()).sort(function (a, b) { return a.serviceId.localeCompare(b.serviceId, 'en', { numeric: true }); });
    if (list.length === 0) return replace('services', el('p', { class: 'empty', text: 'Waiting for the first health scores…' }));
    replace('services', list.map(function (s) {
      var head = el('div', { class: 'service-head' }, [
        el('h3', { text: s.serviceId }),
        el('span', { class: 'muted', text: 'config v' + (dash(s.configVersion) ? '—' : s.configVersion) }),
        el('span', { class: 'muted', text: 'decision v' + (dash(s.decisionVersion) ? '—' : s.decisionVersion) + (dash(s.decisionExpiresAtMs) ? '' : ' (valid until ' + fmtTime(s.decisionExpiresAtMs) + ')') }),
        // Past its expiry a proxy ignores the decision and balances on local signals alone.
        !dash(s.decisionExpiresAtMs) && s.decisionExpiresAtMs < serverNow() ? badge('decision expired', 'expired') : null,
        s.panic ? badge('PANIC', 'panic') : null,
      ]);
      var rows = s.instances.map(function (i, index) {
        var state = i.state || 'UNKNOWN';
        // An ejected instance gets no traffic: its latest window says nothing about why it is out,
        // so the row shows the score its ejection cites and no traffic figures.
        var ejected = state === 'EJECTED';
        var score = ejected && i.decisionScore !== null && i.decisionScore !== undefined ? fmtNum(i.decisionScore, 2) + ' at ejection' : fmtNum(i.score, 2);
        return el('tr', { 'data-instance': i.instanceId, 'data-state': state, class: 'row-' + state }, [
          el('td', null, [el('span', { class: 'swatch', 'data-color': index }), el('span', { text: i.instanceId }), i.address ? el('div', { class: 'muted', text: i.address }) : null]),
          el('td', { class: 'state' }, badge(i.state || '—', 'state-' + state)),
          el('td', { class: 'num weight', text: fmtNum(i.weight, 2) }),
          el('td', { class: 'num score', text: score }),
          el('td', { class: 'num rps', text: fmtNum(i.rps, 1) }),
          el('td', { class: 'num p95', text: ejected ? '—' : fmtMs(i.p95LatencyMs) }),
          el('td', { class: 'num errors', text: ejected ? '—' : fmtPct(i.errorRate) }),
          el('td', { class: 'wrap muted reason', text: i.reason || '' }),
        ]);
      });
      var table = el('table', { class: 'instances' }, [
        el('thead', null, el('tr', null, ['instance', 'state', 'weight', 'score', 'rps', 'p95', 'errors', 'reason'].map(function (h) { return el('th', { text: h }); }))),
        el('tbody', null, rows),
      ]);
      var colored = function (key) {
        return s.instances.map(function (i, index) { return { label: i.instanceId, color: PALETTE[index % PALETTE.length], points: i[key] }; });
      };
      var charts = el('div', { class: 'charts' }, [chart('score', colored('scoreHistory'), 1, ''), chart('rps', colored('rpsHistory'), 0, ' rps')]);
      var card = el('div', { class: 'service', 'data-service': s.serviceId }, [head, el('div', { class: 'service-body' }, [table, charts])]);
      // Swatch colours are data, not style: set them through the CSSOM (the CSP allows that).
      Array.prototype.forEach.call(card.querySelectorAll('.swatch'), function (node) {
        node.style.background = PALETTE[Number(node.getAttribute('data-color')) % PALETTE.length];
      });
      return card;
    }));
  }

  function evidenceBlock(ev) {
    if (!ev) return null;
    var parts = [];
    if (ev.notes && ev.notes.length) parts.push(el('ul', { class: 'notes' }, ev.notes.map(function (n) { return el('li', { text: n }); })));
    if (ev.scores && ev.scores.length) {
      parts.push(el('table', null, [
        el('thead', null, el('tr', null, [el('th', { text: 'instance' }), el('th', { text: 'score' }), el('th', { text: 'window end' })])),
        el('tbody', null, ev.scores.map(function (s) { return el('tr', null, [el('td', { text: s.instanceId }), el('td', { class: 'num', text: fmtNum(s.score, 2) }), el('td', { text: fmtTime(s.windowEndMs) })]); })),
      ]));
    }
    var windows = (ev.windows || []).map(function (w) { return fmtTime(w.startMs) + '–' + fmtTime(w.endMs); }).join(', ');
    var sources = (ev.sources || []).map(function (s) { return s.topic + '[' + s.partition + ']@' + s.offset; }).join(', ');
    parts.push(kv([['windows', windows], ['sources', sources]]));
    return el('div', { class: 'evidence' }, parts);
  }

  function renderAlerts() {
    var firing = alerts.filter(function (a) { return a.state === 'FIRING'; }).length;
    replace('alerts-count', firing + ' firing, ' + (alerts.length - firing) + ' resolved');
    if (alerts.length === 0) return replace('alerts', el('p', { class: 'empty', text: 'No alerts.' }));
    replace('alerts', el('div', { class: 'scroll' }, alerts.map(function (a) {
      var node = details('alert:' + a.dedupKey, [
        badge(a.state, 'alert-' + a.state), ' ', badge(a.severity, 'sev-' + a.severity), ' ',
        el('strong', { text: a.name }), ' ',
        el('span', { text: a.serviceId + (a.instanceId ? ' / ' + a.instanceId : '') }), ' — ',
        el('span', { text: a.summary }), ' ',
        el('span', { class: 'muted', text: a.state === 'FIRING' ? 'since ' + fmtTime(a.startsAtMs) : 'resolved ' + fmtTime(a.endsAtMs) }),
      ], [
        kv([['description', a.description], ['dedup key', a.dedupKey], ['started', fmtTime(a.startsAtMs)], ['ended', a.endsAtMs ? fmtTime(a.endsAtMs) : ''],
          ['labels', Object.keys(a.labels || {}).map(function (k) { return k + '=' + a.labels[k]; }).join(', ')]]),
        evidenceBlock(a.evidence),
      ]);
      node.setAttribute('data-alert', a.name);
      node.setAttribute('data-alert-state', a.state);
      node.setAttribute('data-instance', a.instanceId || '');
      return node;
    })));
  }

  function changeText(c) {
    var from = c.from ? c.from.state + ' ' + fmtNum(c.from.weight, 2) : 'new';
    return c.instanceId + ': ' + from + ' → ' + c.to.state + ' ' + fmtNum(c.to.weight, 2);
  }

  function renderDecisions() {
    if (decisions.length === 0) return replace('decisions', el('p', { class: 'empty', text: 'No decisions yet.' }));
    replace('decisions', el('div', { class: 'scroll' }, decisions.map(function (d) {
      var changes = d.changes.slice(0, 3).map(function (c) { return el('span', { class: 'change', text: changeText(c) }); });
      if (d.changes.length > 3) changes.push(el('span', { class: 'change muted', text: '+' + (d.changes.length - 3) + ' more' }));
      if (d.changes.length === 0) changes.push(el('span', { class: 'change muted', text: 'no change (refresh)' }));
      var node = details('decision:' + d.serviceId + '@' + d.version, [
        el('span', { class: 'muted', text: fmtTime(d.issuedAtMs) }), ' ', el('strong', { text: d.serviceId }), ' v' + d.version, ' ',
        d.panic ? badge('PANIC', 'panic') : null,
      ].concat(changes), [
        kv([['issued by', d.issuedBy], ['config version', dash(d.configVersion) ? '' : String(d.configVersion)], ['valid until', fmtTime(d.expiresAtMs)]]),
        el('table', null, [
          el('thead', null, el('tr', null, ['instance', 'state', 'weight', 'reason', 'until'].map(function (h) { return el('th', { text: h }); }))),
          el('tbody', null, d.instances.map(function (i) {
            return el('tr', null, [el('td', { text: i.instanceId }), el('td', null, badge(i.state, 'state-' + i.state)), el('td', { class: 'num', text: fmtNum(i.weight, 2) }),
              el('td', { class: 'wrap', text: i.reason }), el('td', { text: i.stateUntilMs ? fmtTime(i.stateUntilMs) : '' })]);
          })),
        ]),
        evidenceBlock(d.evidence),
      ]);
      node.setAttribute('data-decision', d.serviceId + '@' + d.version);
      return node;
    })));
  }

  function versionChips(rows) {
    if (rows.length === 0) return el('span', { class: 'muted', text: '—' });
    return el('span', null, rows.map(function (r) {
      var text = r.serviceId + ' ' + (dash(r.applied) ? '—' : 'v' + r.applied) + (dash(r.desired) || r.status === 'converged' ? '' : ' / want v' + r.desired);
      return el('span', null, [badge(text, 'conv-' + r.status), ' ']);
    }));
  }

  function renderConvergence() {
    if (proxies.length === 0) return replace('convergence', el('p', { class: 'empty', text: 'No proxy has reported its config status yet.' }));
    replace('convergence', el('table', null, [
      el('thead', null, el('tr', null, ['proxy', 'status', 'config', 'decisions', 'reported'].map(function (h) { return el('th', { text: h }); }))),
      el('tbody', null, proxies.map(function (p) {
        var rejected = p.lastRejected ? el('div', { class: 'muted', text: 'last rejected: ' + p.lastRejected.serviceId + ' v' + p.lastRejected.version + ' (' + p.lastRejected.errorCode + ': ' + p.lastRejected.reason + ')' }) : null;
        // Live or gone is the server's rule (core's fleet read model); goneAtMs is its deadline, so
        // a proxy that stops reporting turns gone here without another delta.
        var live = p.live && serverNow() <= p.goneAtMs;
        return el('tr', { 'data-proxy': p.proxyId, 'data-converged': String(p.converged), 'data-live': String(live) }, [
          el('td', null, [el('span', { text: p.proxyId }), p.snapshotLoaded ? el('div', { class: 'muted', text: 'booted from snapshot' }) : null]),
          el('td', null, [badge(p.converged ? 'converged' : 'not converged', p.converged ? 'conv-converged' : 'conv-behind')].concat(live ? [] : [' ', badge('gone', 'conv-unknown')])),
          el('td', { class: 'wrap' }, [versionChips(p.config), rejected]),
          el('td', { class: 'wrap' }, versionChips(p.decisions)),
          el('td', { class: 'muted', text: fmtAge(p.updatedAtMs) }),
        ]);
      })),
    ]));
  }

  function renderAudit() {
    if (audit.length === 0) return replace('audit', el('p', { class: 'empty', text: 'No audit records yet.' }));
    replace('audit', el('div', { class: 'scroll' }, audit.map(function (a) {
      var node = details('audit:' + a.auditId, [
        el('span', { class: 'muted', text: fmtTime(a.atMs) }), ' ',
        el('strong', { text: a.action }), ' ',
        el('span', { text: a.entityType + ' ' + a.entityId }), ' ',
        el('span', { class: 'muted', text: 'by ' + a.actor + ' (' + a.role + ')' }), a.reason ? ' — ' : '',
        a.reason ? el('span', { text: a.reason }) : null,
      ], [
        a.before ? el('div', null, [el('div', { class: 'muted', text: 'before' }), el('pre', { text: a.before })]) : null,
        a.after ? el('div', null, [el('div', { class: 'muted', text: 'after' }), el('pre', { text: a.after })]) : null,
        evidenceBlock(a.evidence),
      ]);
      node.setAttribute('data-audit', a.action);
      return node;
    })));
  }

  function renderHeader() {
    replace('updated', 'updated ' + fmtTime(serverNow()) + ' · revision ' + revision);
  }

  // --- the stream ---------------------------------------------------------------------------
  function setConnection(state, text) {
    document.getElementById('connection').setAttribute('data-state', state);
    replace('connection-text', text);
  }

  function received(message) {
    clockOffsetMs = message.generatedAtMs - Date.now();
    revision = message.revision;
  }

  // The same merge as the server's history.ts: ordered by window end, a replayed window replaces
  // its point, at most historyWindows points.
  function addPoint(series, point) {
    var out = series.slice();
    var i = out.length;
    while (i > 0 && out[i - 1].t > point.t) i -= 1;
    if (i > 0 && out[i - 1].t === point.t) out[i - 1] = point;
    else out.splice(i, 0, point);
    return out.length > historyWindows ? out.slice(out.length - historyWindows) : out;
  }

  /** A delta's service carries its full instance list but only the history points added since the last delta. */
  function mergeService(d) {
    var previous = services.get(d.serviceId);
    var known = new Map((previous ? previous.instances : []).map(function (i) { return [i.instanceId, i]; }));
    var instances = d.instances.map(function (i) {
      var before = known.get(i.instanceId);
      var view = Object.assign({}, i, { scoreHistory: before ? before.scoreHistory : [], rpsHistory: before ? before.rpsHistory : [] });
      delete view.scorePoints;
      delete view.rpsPoints;
      i.scorePoints.forEach(function (p) { view.scoreHistory = addPoint(view.scoreHistory, p); });
      i.rpsPoints.forEach(function (p) { view.rpsHistory = addPoint(view.rpsHistory, p); });
      return view;
    });
    services.set(d.serviceId, Object.assign({}, d, { instances: instances }));
  }

  function onSnapshot(event) {
    var snap = JSON.parse(event.data);
    received(snap);
    historyWindows = snap.historyWindows;
    services = new Map(snap.services.map(function (s) { return [s.serviceId, s]; }));
    decisions = snap.decisions;
    alerts = snap.alerts;
    audit = snap.audit;
    proxies = snap.proxies;
    renderServices(); renderAlerts(); renderDecisions(); renderConvergence(); renderAudit(); renderHeader();
  }

  function onDelta(event) {
    var delta = JSON.parse(event.data);
    received(delta);
    delta.services.forEach(mergeService);
    delta.removedServices.forEach(function (id) { services.delete(id); });
    if (delta.services.length || delta.removedServices.length) renderServices();
    if (delta.alerts) { alerts = delta.alerts; renderAlerts(); }
    if (delta.decisions) { decisions = delta.decisions; renderDecisions(); }
    if (delta.proxies) { proxies = delta.proxies; renderConvergence(); }
    if (delta.audit) { audit = delta.audit; renderAudit(); }
    renderHeader();
  }

  function connect() {
    var source = new EventSource('console/events');
    source.addEventListener('snapshot', onSnapshot);
    source.addEventListener('delta', onDelta);
    source.onopen = function () { setConnection('live', 'live'); };
    source.onerror = function () {
      if (source.readyState === EventSource.CLOSED) {
        // The browser gives up on a refused stream (e.g. 503): try again ourselves.
        setConnection('reconnecting', 'disconnected, retrying…');
        setTimeout(connect, 5000);
      } else {
        setConnection('reconnecting', 'reconnecting…');
      }
    };
  }

  // Ages ("12 s ago") move on even when nothing arrives.
  setInterval(function () { if (proxies.length) renderConvergence(); }, 5000);
  connect();
})();
`;
