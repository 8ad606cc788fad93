/** The console's stylesheet (served as /console/app.css; no inline style, the CSP forbids it). */
export const CONSOLE_STYLE = `
:root {
  --bg: #f5f6f8; --panel: #fff; --text: #1d2330; --muted: #6b7280; --line: #e3e6eb;
  --ok: #1f9d55; --bad: #d64545; --warn: #d98b0b; --info: #3d7ad6; --idle: #8a94a6;
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; font-size: 14px;
}
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--text); }
.top { display: flex; align-items: center; gap: 24px; padding: 12px 24px; background: #1d2330; color: #fff; }
.top h1 { font-size: 18px; margin: 0; font-weight: 600; }
.top .muted { color: #aeb6c4; }
.muted { color: var(--muted); }
main { padding: 16px 24px; display: flex; flex-direction: column; gap: 16px; }
.columns { display: grid; grid-template-columns: 1fr 1fr; gap: 16px; }
@media (max-width: 1100px) { .columns { grid-template-columns: 1fr; } }
.panel { background: var(--panel); border: 1px solid var(--line); border-radius: 8px; padding: 12px 16px; min-width: 0; }
.panel h2 { font-size: 15px; margin: 0 0 10px; }
.empty { color: var(--muted); margin: 4px 0; }
.count { color: var(--muted); font-weight: normal; }
.conn { display: flex; align-items: center; gap: 6px; font-size: 13px; }
.conn .dot { width: 10px; height: 10px; border-radius: 50%; background: var(--idle); }
.conn[data-state="live"] .dot { background: var(--ok); }
.conn[data-state="reconnecting"] .dot { background: var(--warn); }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: 5px 8px; border-bottom: 1px solid var(--line); vertical-align: middle; white-space: nowrap; }
th { font-weight: 600; color: var(--muted); font-size: 12px; text-transform: uppercase; letter-spacing: .03em; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
td.wrap { white-space: normal; }
.badge { display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: 12px; font-weight: 600; color: #fff; background: var(--idle); }
.state-ACTIVE { background: var(--ok); }
.state-EJECTED { background: var(--bad); }
.state-SLOW_START { background: var(--warn); }
.state-DRAINING { background: var(--info); }
.alert-FIRING { background: var(--bad); }
.alert-RESOLVED { background: var(--idle); }
.sev-CRITICAL { background: #8b1c1c; }
.sev-WARNING { background: var(--warn); }
.sev-INFO { background: var(--info); }
.conv-converged { background: var(--ok); }
.conv-behind { background: var(--bad); }
.conv-ahead, .conv-unknown { background: var(--warn); }
.panic { background: var(--bad); }
.expired { background: var(--warn); }
.service { border-top: 1px solid var(--line); padding: 10px 0; }
.service:first-child { border-top: 0; padding-top: 0; }
.service-head { display: flex; align-items: baseline; gap: 12px; margin-bottom: 6px; flex-wrap: wrap; }
.service-head h3 { margin: 0; font-size: 15px; }
.service-body { display: grid; grid-template-columns: minmax(0, 3fr) minmax(260px, 2fr); gap: 16px; align-items: start; }
@media (max-width: 1100px) { .service-body { grid-template-columns: 1fr; } }
.charts { display: flex; flex-direction: column; gap: 8px; }
.chart-title { font-size: 12px; color: var(--muted); display: flex; justify-content: space-between; }
svg.chart { width: 100%; height: 90px; background: #fafbfc; border: 1px solid var(--line); border-radius: 4px; }
svg.spark { width: 120px; height: 24px; vertical-align: middle; }
.swatch { display: inline-block; width: 10px; height: 10px; border-radius: 2px; margin-right: 6px; vertical-align: middle; }
tr.row-EJECTED td { background: #fdf0f0; }
details { border-bottom: 1px solid var(--line); padding: 6px 0; }
details > summary { cursor: pointer; list-style: revert; }
details .body { padding: 6px 0 4px 18px; display: flex; flex-direction: column; gap: 6px; }
.kv { display: grid; grid-template-columns: max-content 1fr; gap: 2px 12px; font-size: 13px; }
.kv dt { color: var(--muted); }
.kv dd { margin: 0; }
.change { margin-left: 8px; }
pre { margin: 0; font-size: 12px; white-space: pre-wrap; word-break: break-all; background: #fafbfc; padding: 6px; border-radius: 4px; border: 1px solid var(--line); }
ul.notes { margin: 0; padding-left: 18px; }
.evidence table { width: auto; min-width: 360px; }
.scroll { max-height: 420px; overflow: auto; }
`;
