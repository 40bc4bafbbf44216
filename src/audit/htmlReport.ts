import type { AuditReport, Decision, PriceChange } from "./auditRun.js";
import { findingSubject, type Finding } from "./findings.js";

/** One colour per node in the timeline, in order of node id (distinct, readable on white). */
export const NODE_COLOURS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22"] as const;

const esc = (s: unknown): string =>
  String(s ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] as string);

/**
 * The audit as one self-contained HTML page (inline CSS and SVG, no scripts, fonts or network):
 * the verdict and summary, a timeline of events per day per node, violations highlighted,
 * clock-skew warnings, most-recent-wins decisions with both sides, and the replay digests.
 */
export function renderHtml(report: AuditReport, generated = new Date()): string {
  const violations = report.findings.filter((f) => f.severity === "violation");
  const warnings = report.findings.filter((f) => f.severity === "warning");
  const infos = report.findings.filter((f) => f.severity === "info");
  const title = `sincro audit — ${report.source.path}`;
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title>
<style>
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;margin:24px 32px;color:#1b1b1b;background:#fff;max-width:1120px}
h1{font-size:22px;margin:0 0 4px} h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #ddd;padding-bottom:4px}
.meta{color:#555;font-size:13px}
.verdict{display:inline-block;padding:6px 14px;border-radius:4px;font-weight:bold;font-size:16px;margin:10px 0}
.ok{background:#e3f4e1;color:#1d5e17;border:1px solid #9ccc95}.bad{background:#fde2e1;color:#8b0d0a;border:1px solid #e69a97}
table{border-collapse:collapse;font-size:13px;margin:6px 0}th,td{border:1px solid #ddd;padding:3px 8px;text-align:left;vertical-align:top}
th{background:#f4f4f4}td.num{text-align:right;font-variant-numeric:tabular-nums}
tr.violation td{background:#fde2e1}tr.warning td{background:#fff4d6}tr.differs td{background:#fde2e1}
code{font-family:"DejaVu Sans Mono",monospace;font-size:12px}.muted{color:#666}
.cards{display:flex;gap:12px;flex-wrap:wrap}.card{border:1px solid #ddd;border-radius:4px;padding:6px 12px;min-width:120px}
.card b{display:block;font-size:20px}
</style></head><body>
<h1>${esc(title)}</h1>
<div class="meta">${esc(report.source.kind === "node" ? "node database" : report.source.kind === "log" ? "exported log" : "parking area")}${report.source.node ? ` of ${esc(report.source.node)}` : ""}${report.source.role ? ` (${esc(report.source.role)})` : ""} · generated ${esc(generated.toISOString())}</div>
<div class="verdict ${report.ok ? "ok" : "bad"}">${report.ok ? "VERIFIED: every check holds" : `FAILED: ${violations.length} violation${violations.length === 1 ? "" : "s"}`}</div>
<div class="cards">
<div class="card"><b>${report.events.toLocaleString("en")}</b>events checked</div>
<div class="card"><b>${report.origins.length}</b>origins</div>
<div class="card"><b>${violations.length}</b>violations</div>
<div class="card"><b>${warnings.length}</b>clock-skew warnings</div>
<div class="card"><b>${report.decisions.length}</b>most-recent-wins decisions</div>
${report.replay ? `<div class="card"><b>${report.replay.differing.length}</b>tables differing</div>` : ""}
</div>
<h2>Events per day per node</h2>
${timelineSvg(report)}
<h2>Violations</h2>
${findingTable(violations, "violation", "No violation: every hash, chain and sequence holds.")}
<h2>Clock skew</h2>
<p class="muted">An event is flagged when its HLC wall time is more than 24 h (the threshold) ahead of the receiving node's own clock (the time "at" of the next event that node recorded: the sender's clock ran ahead), or ahead of its own time "at" (its node's clock had been pulled forward by a skewed one).</p>
${findingTable(warnings, "warning", "No clock skew.")}
<h2>Most-recent-wins decisions</h2>
${decisionTable(report.decisions)}
<h2>Origins</h2>
<table><tr><th>origin</th><th>events held</th><th>seq range</th><th>checked as</th></tr>
${report.origins.map((o) => `<tr><td>${esc(o.origin)}</td><td class="num">${o.events}</td><td>${o.first}…${o.last}</td><td>${o.complete ? "complete own log" : "routed subset"}</td></tr>`).join("\n")}
</table>
${report.parking ? parkingTable(report) : ""}
${report.replay ? replayTable(report) : ""}
${report.specialPrices ? pricesTable(report) : ""}
<h2>Information</h2>
${findingTable(infos, "info", "Nothing to note.")}
</body></html>
`;
}

function timelineSvg(report: AuditReport): string {
  const days = [...new Set(report.timeline.map((t) => t.day))].sort();
  const origins = [...new Set(report.timeline.map((t) => t.origin))].sort();
  if (days.length === 0) return `<p class="muted">No events.</p>`;
  const colour = (o: string) => NODE_COLOURS[origins.indexOf(o) % NODE_COLOURS.length] as string;
  const totals = days.map((d) => report.timeline.filter((t) => t.day === d).reduce((n, t) => n + t.events, 0));
  const max = Math.max(...totals);
  const W = 1040;
  const H = 300;
  const left = 64;
  const right = 16;
  const top = 16;
  const bottom = 56;
  const plotW = W - left - right;
  const plotH = H - top - bottom;
  const step = plotW / days.length;
  const barW = Math.max(2, Math.min(60, Math.floor(step * 0.7)));
  const ticks = niceTicks(max);
  const yMax = ticks[ticks.length - 1] as number;
  const y = (v: number) => top + plotH - (v / yMax) * plotH;
  const parts: string[] = [];
  for (const t of ticks) {
    const yy = Math.round(y(t)) + 0.5;
    parts.push(`<line x1="${left}" y1="${yy}" x2="${W - right}" y2="${yy}" stroke="#e5e5e5"/>`);
    parts.push(`<text x="${left - 6}" y="${yy + 4}" text-anchor="end" font-size="11" fill="#444">${t.toLocaleString("en")}</text>`);
  }
  const labelEvery = Math.max(1, Math.ceil(days.length / 12));
  days.forEach((day, i) => {
    const x = Math.round(left + i * step + (step - barW) / 2);
    let acc = 0;
    for (const o of origins) {
      const n = report.timeline.find((t) => t.day === day && t.origin === o)?.events ?? 0;
      if (n === 0) continue;
      const y1 = Math.round(y(acc + n));
      const y0 = Math.round(y(acc));
      parts.push(`<rect x="${x}" y="${y1}" width="${barW}" height="${Math.max(1, y0 - y1)}" fill="${colour(o)}"><title>${esc(day)} ${esc(o)}: ${n} events</title></rect>`);
      acc += n;
    }
    if (i % labelEvery === 0) {
      parts.push(`<text x="${x + barW / 2}" y="${top + plotH + 16}" text-anchor="middle" font-size="11" fill="#444">${esc(day)}</text>`);
    }
  });
  parts.push(`<line x1="${left}" y1="${top + plotH + 0.5}" x2="${W - right}" y2="${top + plotH + 0.5}" stroke="#333"/>`);
  parts.push(`<line x1="${left - 0.5}" y1="${top}" x2="${left - 0.5}" y2="${top + plotH}" stroke="#333"/>`);
  parts.push(`<text x="14" y="${top + plotH / 2}" transform="rotate(-90 14 ${top + plotH / 2})" text-anchor="middle" font-size="12" fill="#222">events</text>`);
  parts.push(`<text x="${left + plotW / 2}" y="${H - 20}" text-anchor="middle" font-size="12" fill="#222">day (UTC, from each event's time "at")</text>`);
  const legend = origins
    .map((o, i) => `<rect x="${left + i * 110}" y="${H - 12}" width="12" height="12" fill="${colour(o)}"/><text x="${left + i * 110 + 17}" y="${H - 2}" font-size="12" fill="#222">${esc(o)}</text>`)
    .join("");
  return `<svg width="${W}" height="${H + 4}" viewBox="0 0 ${W} ${H + 4}" shape-rendering="crispEdges" role="img" aria-label="events per day per node" font-family="DejaVu Sans, sans-serif">
${parts.join("\n")}
${legend}
</svg>`;
}

function niceTicks(max: number): number[] {
  const raw = Math.max(1, max) / 4;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = ([1, 2, 5, 10].find((m) => m * mag >= raw) ?? 10) * mag;
  const out: number[] = [];
  for (let v = 0; v < max + step; v += step) out.push(v);
  if ((out[out.length - 1] as number) < max) out.push((out[out.length - 1] as number) + step);
  return out;
}

function findingTable(list: Finding[], cls: string, empty: string): string {
  if (list.length === 0) return `<p class="muted">${esc(empty)}</p>`;
  const shown = list.slice(0, 500);
  return `<table><tr><th>kind</th><th>what</th><th>where</th><th>detail</th></tr>
${shown.map((f) => `<tr class="${cls}"><td><b>${esc(f.kind)}</b></td><td><code>${esc(findingSubject(f))}</code></td><td>${esc(f.where ?? "")}</td><td>${esc(f.detail)}</td></tr>`).join("\n")}
</table>${list.length > shown.length ? `<p class="muted">… and ${list.length - shown.length} more (see --json).</p>` : ""}`;
}

function side(c: PriceChange | { ref: string }): string {
  if (!("hlc" in c)) return esc(c.ref);
  const what = c.type === "SpecialPriceRemoved" ? "removed" : `price ${esc(c.price)}${c.discounts.length ? ` −${c.discounts.map(esc).join("+")} %` : ""}`;
  return `<code>${esc(c.ref)}</code> ${what}<br><span class="muted">HLC ${esc(c.hlc)} · at ${esc(c.at)}</span>`;
}

function decisionTable(list: Decision[]): string {
  if (list.length === 0) return `<p class="muted">No special price was changed on two nodes without one seeing the other.</p>`;
  return `<table><tr><th>customer/product</th><th>won</th><th>lost</th><th>why</th></tr>
${list.map((d) => `<tr><td><code>${esc(d.key)}</code></td><td>${side(d.winner)}</td><td>${side(d.loser)}</td><td>${esc(d.detail)}</td></tr>`).join("\n")}
</table>`;
}

function parkingTable(report: AuditReport): string {
  const streams = report.parking?.streams ?? [];
  return `<h2>Streams in the parking area</h2><table><tr><th>stream</th><th>folder</th><th>segments</th><th>snapshots</th><th>events</th><th>offsets</th></tr>
${streams.map((s) => `<tr><td>${esc(s.stream)}</td><td><code>${esc(s.folder)}</code></td><td class="num">${s.segments}</td><td class="num">${s.snapshots}</td><td class="num">${s.events}</td><td>${s.first ?? ""}…${s.last ?? ""}</td></tr>`).join("\n")}
</table>`;
}

function replayTable(report: AuditReport): string {
  const r = report.replay as NonNullable<AuditReport["replay"]>;
  return `<h2>Replay${r.until ? ` until ${esc(r.until)}` : ""}</h2>
<p class="muted">${r.events} events replayed into fresh projections; a SHA-256 per table.</p>
<table><tr><th>table</th><th>rows</th><th>replay digest</th><th>node digest</th><th>same</th></tr>
${r.tables.map((t) => `<tr class="${t.same === false ? "differs" : ""}"><td>${esc(t.table)}</td><td class="num">${t.rows}</td><td><code>${esc(t.sha256.slice(0, 16))}</code></td><td><code>${esc(t.nodeSha256?.slice(0, 16) ?? "")}</code></td><td>${t.same === undefined ? "" : t.same ? "yes" : "<b>NO</b>"}</td></tr>`).join("\n")}
</table>`;
}

function pricesTable(report: AuditReport): string {
  const p = report.specialPrices as NonNullable<AuditReport["specialPrices"]>;
  return `<h2>Special prices of ${esc(p.customer)} as of ${esc(p.asOf)}</h2><table><tr><th>product</th><th>price</th><th>discounts</th><th>set by</th><th>HLC</th></tr>
${p.rows.map((r) => `<tr><td>${esc(r.product)}</td><td>${r.removed ? "(removed)" : esc(r.price)}</td><td>${esc(r.discounts.join("+"))}</td><td><code>${esc(r.setBy)}</code></td><td><code>${esc(r.hlc)}</code></td></tr>`).join("\n")}
</table>`;
}
