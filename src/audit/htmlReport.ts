import type { AuditReport, Decision, PriceChange } from "./auditRun.js";
import { findingSubject, findingText, type Finding } from "./findings.js";
import { Translator } from "../i18n/translator.js";

/** One colour per node in the timeline, in order of node id (distinct, readable on white). */
export const NODE_COLOURS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22"] as const;

const esc = (s: unknown): string =>
  String(s ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] as string);

/**
 * The audit as one self-contained HTML page (inline CSS and SVG, no scripts, fonts or network):
 * the verdict and summary, a timeline of events per day per node, violations highlighted,
 * clock-skew warnings, most-recent-wins decisions with both sides, and the replay digests;
 * in the language of `t`, numbers and times as it writes them (local time).
 */
export function renderHtml(report: AuditReport, generated = new Date(), t: Translator = new Translator("en")): string {
  const violations = report.findings.filter((f) => f.severity === "violation");
  const warnings = report.findings.filter((f) => f.severity === "warning");
  const infos = report.findings.filter((f) => f.severity === "info");
  const title = t.t("audit.html.title", { source: report.source.path });
  const kind = t.t(report.source.kind === "node" ? "audit.html.kind.node" : report.source.kind === "log" ? "audit.html.kind.log" : "audit.html.kind.parking");
  const when = { date: t.dateOf(generated), time: t.time(generated) };
  const meta = report.source.node
    ? t.t("audit.html.metaOf", { kind, node: report.source.node, role: report.source.role ?? "", ...when })
    : t.t("audit.html.meta", { kind, ...when });
  return `<!DOCTYPE html>
<html lang="${t.lang}"><head><meta charset="utf-8"><title>${esc(title)}</title>
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
<div class="meta">${esc(meta)}</div>
<div class="verdict ${report.ok ? "ok" : "bad"}">${esc(report.ok ? t.t("audit.html.ok") : t.t("audit.html.failed", { n: violations.length }))}</div>
<div class="cards">
<div class="card"><b>${t.number(report.events)}</b>${esc(t.t("audit.html.card.events"))}</div>
<div class="card"><b>${t.number(report.origins.length)}</b>${esc(t.t("audit.html.card.origins"))}</div>
<div class="card"><b>${t.number(violations.length)}</b>${esc(t.t("audit.html.card.violations"))}</div>
<div class="card"><b>${t.number(warnings.length)}</b>${esc(t.t("audit.html.card.skew"))}</div>
<div class="card"><b>${t.number(report.decisions.length)}</b>${esc(t.t("audit.html.card.decisions"))}</div>
${report.replay ? `<div class="card"><b>${t.number(report.replay.differing.length)}</b>${esc(t.t("audit.html.card.differing"))}</div>` : ""}
</div>
<h2>${esc(t.t("audit.html.h.timeline"))}</h2>
${timelineSvg(report, t)}
<h2>${esc(t.t("audit.html.h.violations"))}</h2>
${findingTable(violations, "violation", t.t("audit.html.noViolations"), t)}
<h2>${esc(t.t("audit.html.h.skew"))}</h2>
<p class="muted">${esc(t.t("audit.html.skewNote"))}</p>
${findingTable(warnings, "warning", t.t("audit.html.noSkew"), t)}
<h2>${esc(t.t("audit.html.h.decisions"))}</h2>
${decisionTable(report.decisions, t)}
<h2>${esc(t.t("audit.html.h.origins"))}</h2>
<table><tr><th>${esc(t.t("audit.html.th.origin"))}</th><th>${esc(t.t("audit.html.th.eventsHeld"))}</th><th>${esc(t.t("audit.html.th.seqRange"))}</th><th>${esc(t.t("audit.html.th.checkedAs"))}</th></tr>
${report.origins.map((o) => `<tr><td>${esc(o.origin)}</td><td class="num">${t.number(o.events)}</td><td>${o.first}…${o.last}</td><td>${esc(t.t(o.complete ? "audit.html.complete" : "audit.html.subset"))}</td></tr>`).join("\n")}
</table>
${report.parking ? parkingTable(report, t) : ""}
${report.replay ? replayTable(report, t) : ""}
${report.specialPrices ? pricesTable(report, t) : ""}
<h2>${esc(t.t("audit.html.h.info"))}</h2>
${findingTable(infos, "info", t.t("audit.html.noInfo"), t)}
</body></html>
`;
}

function timelineSvg(report: AuditReport, t: Translator): string {
  const days = [...new Set(report.timeline.map((t) => t.day))].sort();
  const origins = [...new Set(report.timeline.map((t) => t.origin))].sort();
  if (days.length === 0) return `<p class="muted">${esc(t.t("audit.html.noEvents"))}</p>`;
  const colour = (o: string) => NODE_COLOURS[origins.indexOf(o) % NODE_COLOURS.length] as string;
  const totals = days.map((d) => report.timeline.filter((e) => e.day === d).reduce((n, e) => n + e.events, 0));
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
  for (const tick of ticks) {
    const yy = Math.round(y(tick)) + 0.5;
    parts.push(`<line x1="${left}" y1="${yy}" x2="${W - right}" y2="${yy}" stroke="#e5e5e5"/>`);
    parts.push(`<text x="${left - 6}" y="${yy + 4}" text-anchor="end" font-size="11" fill="#444">${t.number(tick)}</text>`);
  }
  const labelEvery = Math.max(1, Math.ceil(days.length / 12));
  days.forEach((day, i) => {
    const x = Math.round(left + i * step + (step - barW) / 2);
    let acc = 0;
    for (const o of origins) {
      const n = report.timeline.find((e) => e.day === day && e.origin === o)?.events ?? 0;
      if (n === 0) continue;
      const y1 = Math.round(y(acc + n));
      const y0 = Math.round(y(acc));
      parts.push(`<rect x="${x}" y="${y1}" width="${barW}" height="${Math.max(1, y0 - y1)}" fill="${colour(o)}"><title>${esc(t.t("audit.html.barTitle", { day, origin: o, n }))}</title></rect>`);
      acc += n;
    }
    if (i % labelEvery === 0) {
      parts.push(`<text x="${x + barW / 2}" y="${top + plotH + 16}" text-anchor="middle" font-size="11" fill="#444">${esc(day)}</text>`);
    }
  });
  parts.push(`<line x1="${left}" y1="${top + plotH + 0.5}" x2="${W - right}" y2="${top + plotH + 0.5}" stroke="#333"/>`);
  parts.push(`<line x1="${left - 0.5}" y1="${top}" x2="${left - 0.5}" y2="${top + plotH}" stroke="#333"/>`);
  parts.push(`<text x="14" y="${top + plotH / 2}" transform="rotate(-90 14 ${top + plotH / 2})" text-anchor="middle" font-size="12" fill="#222">${esc(t.t("audit.html.axis.events"))}</text>`);
  parts.push(`<text x="${left + plotW / 2}" y="${H - 20}" text-anchor="middle" font-size="12" fill="#222">${esc(t.t("audit.html.axis.day"))}</text>`);
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

function findingTable(list: Finding[], cls: string, empty: string, t: Translator): string {
  if (list.length === 0) return `<p class="muted">${esc(empty)}</p>`;
  const shown = list.slice(0, 500);
  return `<table><tr><th>${esc(t.t("audit.html.th.kind"))}</th><th>${esc(t.t("audit.html.th.what"))}</th><th>${esc(t.t("audit.html.th.where"))}</th><th>${esc(t.t("audit.html.th.detail"))}</th></tr>
${shown.map((f) => `<tr class="${cls}"><td>${kindCell(f, t)}</td><td><code>${esc(findingSubject(f))}</code></td><td>${esc(f.where ?? "")}</td><td>${esc(findingText(f, t))}</td></tr>`).join("\n")}
</table>${list.length > shown.length ? `<p class="muted">${esc(t.t("audit.html.more", { n: list.length - shown.length }))}</p>` : ""}`;
}

/** The kind in the reader's language, its code beside it (muted) where the two differ. */
function kindCell(f: Finding, t: Translator): string {
  const label = t.t(`audit.kind.${f.kind}`);
  return label === f.kind ? `<b>${esc(label)}</b>` : `<b>${esc(label)}</b> <span class="muted">(${esc(f.kind)})</span>`;
}

function side(c: PriceChange | { ref: string }, t: Translator): string {
  if (!("hlc" in c)) return esc(c.ref);
  const what = c.type === "SpecialPriceRemoved" ? esc(t.t("audit.html.removed")) : `${esc(t.t("audit.html.price", { price: c.price === null ? "" : t.money(c.price) }))}${c.discounts.length ? ` −${c.discounts.map(esc).join("+")} %` : ""}`;
  return `<code>${esc(c.ref)}</code> ${what}<br><span class="muted">${esc(t.t("audit.html.sideMeta", { hlc: c.hlc, at: t.dateTime(c.at) }))}</span>`;
}

function decisionTable(list: Decision[], t: Translator): string {
  if (list.length === 0) return `<p class="muted">${esc(t.t("audit.html.noDecisions"))}</p>`;
  const th = (k: "key" | "won" | "lost" | "why") => `<th>${esc(t.t(`audit.html.th.${k}`))}</th>`;
  return `<table><tr>${th("key")}${th("won")}${th("lost")}${th("why")}</tr>
${list.map((d) => `<tr><td><code>${esc(d.key)}</code></td><td>${side(d.winner, t)}</td><td>${side(d.loser, t)}</td><td>${esc(d.detail)}</td></tr>`).join("\n")}
</table>`;
}

function parkingTable(report: AuditReport, t: Translator): string {
  const streams = report.parking?.streams ?? [];
  const th = (k: "stream" | "folder" | "segments" | "snapshots" | "events" | "offsets") => `<th>${esc(t.t(`audit.html.th.${k}`))}</th>`;
  return `<h2>${esc(t.t("audit.html.h.parking"))}</h2><table><tr>${th("stream")}${th("folder")}${th("segments")}${th("snapshots")}${th("events")}${th("offsets")}</tr>
${streams.map((s) => `<tr><td>${esc(s.stream)}</td><td><code>${esc(s.folder)}</code></td><td class="num">${s.segments}</td><td class="num">${s.snapshots}</td><td class="num">${s.events}</td><td>${s.first ?? ""}…${s.last ?? ""}</td></tr>`).join("\n")}
</table>`;
}

function replayTable(report: AuditReport, t: Translator): string {
  const r = report.replay as NonNullable<AuditReport["replay"]>;
  const th = (k: "table" | "rows" | "replayDigest" | "nodeDigest" | "same") => `<th>${esc(t.t(`audit.html.th.${k}`))}</th>`;
  return `<h2>${esc(r.until ? t.t("audit.html.h.replayUntil", { until: r.until }) : t.t("audit.html.h.replay"))}</h2>
<p class="muted">${esc(t.t("audit.html.replayNote", { events: r.events }))}</p>
<table><tr>${th("table")}${th("rows")}${th("replayDigest")}${th("nodeDigest")}${th("same")}</tr>
${r.tables.map((x) => `<tr class="${x.same === false ? "differs" : ""}"><td>${esc(x.table)}</td><td class="num">${t.number(x.rows)}</td><td><code>${esc(x.sha256.slice(0, 16))}</code></td><td><code>${esc(x.nodeSha256?.slice(0, 16) ?? "")}</code></td><td>${x.same === undefined ? "" : x.same ? esc(t.t("common.yes")) : `<b>${esc(t.t("common.no"))}</b>`}</td></tr>`).join("\n")}
</table>`;
}

function pricesTable(report: AuditReport, t: Translator): string {
  const p = report.specialPrices as NonNullable<AuditReport["specialPrices"]>;
  const th = (k: "product" | "price" | "discounts" | "setBy") => `<th>${esc(t.t(`audit.html.th.${k}`))}</th>`;
  return `<h2>${esc(t.t("audit.html.h.prices", { customer: p.customer, asOf: p.asOf }))}</h2><table><tr>${th("product")}${th("price")}${th("discounts")}${th("setBy")}<th>HLC</th></tr>
${p.rows.map((r) => `<tr><td>${esc(r.product)}</td><td>${r.removed ? esc(t.t("audit.html.removedParen")) : esc(r.price === null ? "" : t.money(r.price))}</td><td>${esc(r.discounts.join("+"))}</td><td><code>${esc(r.setBy)}</code></td><td><code>${esc(r.hlc)}</code></td></tr>`).join("\n")}
</table>`;
}

