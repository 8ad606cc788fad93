/**
 * The console page. Static markup only: the script fills it from the event stream with DOM
 * calls and textContent (never innerHTML), and the CSP header forbids inline script and style.
 * URLs are relative so the page also works behind a path-rewriting reverse proxy.
 */
export const CONSOLE_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Smart Load Balancer · console</title>
<link rel="stylesheet" href="console/app.css">
<script src="console/app.js" defer></script>
</head>
<body>
<header class="top">
  <h1>Smart Load Balancer <span class="muted">console</span></h1>
  <div class="conn" id="connection" data-state="connecting"><span class="dot"></span><span id="connection-text">connecting…</span></div>
  <div class="muted" id="updated"></div>
</header>
<main>
  <section class="panel" id="alerts-panel">
    <h2>Alerts <span class="count" id="alerts-count"></span></h2>
    <div id="alerts"><p class="empty">No alerts.</p></div>
  </section>
  <section class="panel" id="services-panel">
    <h2>Services</h2>
    <div id="services"><p class="empty">Waiting for the first health scores…</p></div>
  </section>
  <div class="columns">
    <section class="panel" id="decisions-panel">
      <h2>Recent routing decisions</h2>
      <div id="decisions"><p class="empty">No decisions yet.</p></div>
    </section>
    <section class="panel" id="convergence-panel">
      <h2>Config convergence per proxy</h2>
      <div id="convergence"><p class="empty">No proxy has reported its config status yet.</p></div>
    </section>
  </div>
  <section class="panel" id="audit-panel">
    <h2>Audit log</h2>
    <div id="audit"><p class="empty">No audit records yet.</p></div>
  </section>
</main>
</body>
</html>
`;
