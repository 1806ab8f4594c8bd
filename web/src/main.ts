// The logtracer dashboard: live tail, search, histogram, facets, event detail,
// alerts and failures. Plain TypeScript; every piece of log text reaches the DOM
// as a text node (see dom.ts), never as HTML.
import "./style.css";
import * as api from "./api";
import type { LogEvent } from "./api";
import { oneLine, stripAnsi } from "./ansi";
import { h, clear, text } from "./dom";
import { appendHighlighted, queryTerms } from "./highlight";
import { HistogramView } from "./histogram";
import { VirtualList } from "./virtual_list";

const MAX_ROWS = 20_000; // rows kept in memory; the DOM holds only the visible ones
// Live rows shown per second; above it each batch keeps its first rows and ends with
// an "N events skipped" row (search still finds them all). 2,000 rows/s already
// scroll faster than anyone reads, and rendering all of 20,000/s would only burn CPU.
const DISPLAY_RATE = 2_000;
const ROW_HEIGHT = 20;
const LEVELS = ["TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"];

type Row =
  | { kind: "event"; ev: LogEvent; ms: number; line: string }
  | { kind: "skipped"; count: number; ms: number };

type Tab = "logs" | "alerts" | "failures";

// ---- state kept in the URL -------------------------------------------------
interface UrlState {
  q: string;
  from?: number;
  to?: number;
  utc: boolean;
  tab: Tab;
}

function readUrl(): UrlState {
  const p = new URLSearchParams(location.search);
  const num = (k: string) => {
    const v = p.get(k);
    return v && /^\d+$/.test(v) ? Number(v) : undefined;
  };
  const tab = p.get("tab");
  return {
    q: p.get("q") ?? "",
    from: num("from"),
    to: num("to"),
    utc: p.get("tz") === "utc",
    tab: tab === "alerts" || tab === "failures" ? tab : "logs",
  };
}

function writeUrl(s: UrlState, push: boolean): void {
  const p = new URLSearchParams();
  if (s.q) p.set("q", s.q);
  if (s.from !== undefined) p.set("from", String(s.from));
  if (s.to !== undefined) p.set("to", String(s.to));
  if (s.utc) p.set("tz", "utc");
  if (s.tab !== "logs") p.set("tab", s.tab);
  const url = p.toString() ? `?${p}` : location.pathname;
  if (push) history.pushState(null, "", url);
  else history.replaceState(null, "", url);
}

let state = readUrl();
const isLive = () => state.from === undefined && state.to === undefined;

// ---- formatting ----------------------------------------------------------------
function parseTs(ts: string): number {
  // "2026-11-27T23:08:51.123456789Z": Date handles milliseconds; keep the rest for the detail view.
  const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(\.\d+)?(Z|[+-]\d\d:\d\d)$/.exec(ts);
  if (!m) return Date.parse(ts) || 0;
  const frac = (m[2] ?? ".000").slice(0, 4).padEnd(4, "0");
  return Date.parse(m[1] + frac + m[3]) || 0;
}

const pad = (n: number, w = 2) => String(n).padStart(w, "0");
function fmtTime(ms: number, withDate = false): string {
  const d = new Date(ms);
  const u = state.utc;
  const Y = u ? d.getUTCFullYear() : d.getFullYear();
  const M = (u ? d.getUTCMonth() : d.getMonth()) + 1;
  const D = u ? d.getUTCDate() : d.getDate();
  const hh = u ? d.getUTCHours() : d.getHours();
  const mm = u ? d.getUTCMinutes() : d.getMinutes();
  const ss = u ? d.getUTCSeconds() : d.getSeconds();
  const t = `${pad(hh)}:${pad(mm)}:${pad(ss)}.${pad(d.getMilliseconds(), 3)}`;
  return withDate ? `${Y}-${pad(M)}-${pad(D)} ${t}${u ? "Z" : ""}` : t;
}

function fmtRate(n: number): string {
  if (n >= 10_000) return `${(n / 1000).toFixed(0)}k/s`;
  if (n >= 1000) return `${(n / 1000).toFixed(1)}k/s`;
  return `${n.toFixed(n < 10 ? 1 : 0)}/s`;
}

function toRow(ev: LogEvent): Row {
  return { kind: "event", ev, ms: parseTs(ev.timestamp), line: oneLine(ev.message ?? "") };
}

// ---- layout ----------------------------------------------------------------------
const app = document.getElementById("app")!;

const searchInput = h("input", {
  class: "search",
  type: "text",
  placeholder: "Search — e.g.  service:checkout level>=WARN timeout      ( / to focus )",
  spellcheck: "false",
  autocomplete: "off",
  "aria-label": "query",
});
const searchError = h("div", { class: "search-error", role: "alert" });
const rangeSelect = h("select", { class: "range", "aria-label": "time range" });
for (const [v, label] of [
  ["live", "Live"],
  ["15m", "Last 15 min"],
  ["1h", "Last hour"],
  ["6h", "Last 6 hours"],
  ["all", "Whole window"],
  ["custom", "Custom range"],
])
  rangeSelect.append(h("option", { value: v }, label));
const tzButton = h("button", { class: "btn", type: "button", title: "Toggle local time / UTC" });
const pauseButton = h("button", { class: "btn pause", type: "button", title: "Pause / resume (space)" });
const followButton = h("button", { class: "btn", type: "button", title: "Jump to the newest events" }, "↓ Follow");
const tailStatus = h("span", { class: "tail-status" });
const logoutButton = h("button", { class: "btn hidden", type: "button", title: "End this session" }, "Log out");

const tabButtons: Record<Tab, HTMLButtonElement> = {
  logs: h("button", { class: "tab", type: "button" }, "Logs"),
  alerts: h("button", { class: "tab", type: "button" }, "Alerts"),
  failures: h("button", { class: "tab", type: "button" }, "Failures"),
};

const health = {
  rate: h("span", { class: "metric-value" }, "–"),
  lag: h("span", { class: "metric-value" }, "–"),
  window: h("span", { class: "metric-value" }, "–"),
  dlq: h("button", { class: "metric-value link", type: "button" }, "–"),
  alerts: h("button", { class: "metric-value link", type: "button" }, "–"),
  clients: h("span", { class: "metric-value" }, "–"),
};
const metric = (label: string, value: HTMLElement) => h("span", { class: "metric" }, h("span", { class: "metric-label" }, label), value);

const facetsPanel = h("aside", { class: "facets", "aria-label": "facets" });
const histogramView = new HistogramView((from, to) => setRange(from, to));
const list = new VirtualList<Row>({ rowHeight: ROW_HEIGHT, render: renderRow, onClick: (row) => row.kind === "event" && showDetail(row.ev) });
const listInfo = h("div", { class: "list-info" });
const loadOlderButton = h("button", { class: "btn small", type: "button" }, "Load older");
const detailPanel = h("aside", { class: "detail hidden", "aria-label": "event detail" });
const alertsView = h("section", { class: "page alerts-page hidden" });
const failuresView = h("section", { class: "page failures-page hidden" });

const logsView = h(
  "section",
  { class: "page logs-page" },
  facetsPanel,
  h("div", { class: "center" }, histogramView.root, h("div", { class: "list-bar" }, loadOlderButton, listInfo, followButton), list.root),
  detailPanel,
);

app.append(
  h(
    "header",
    { class: "top" },
    h("div", { class: "brand" }, h("span", { class: "logo" }, "▍"), "logtracer"),
    h("div", { class: "search-box" }, searchInput, searchError),
    rangeSelect,
    tzButton,
    pauseButton,
    tailStatus,
    logoutButton,
  ),
  h(
    "nav",
    { class: "strip" },
    tabButtons.logs,
    tabButtons.alerts,
    tabButtons.failures,
    h("span", { class: "spacer" }),
    metric("ingest", health.rate),
    metric("lag", health.lag),
    metric("window", health.window),
    metric("dead letters", health.dlq),
    metric("alerts firing", health.alerts),
    metric("tail clients", health.clients),
  ),
  h("main", {}, logsView, alertsView, failuresView),
);

// ---- rows ------------------------------------------------------------------------
let rows: Row[] = [];
let terms = queryTerms(state.q);
let selectedId: string | null = null;

function renderRow(row: Row, el: HTMLElement): void {
  clear(el);
  if (row.kind === "skipped") {
    el.className = "row skipped-row";
    el.append(h("span", { class: "skipped" }, `… ${row.count.toLocaleString()} events skipped (arriving faster than shown) …`));
    return;
  }
  const ev = row.ev;
  const level = LEVELS.includes(ev.level) ? ev.level : "INFO";
  el.className = `row lvl-${level}${ev.id === selectedId ? " selected" : ""}`;
  el.setAttribute("data-level", level);
  const msg = h("span", { class: "msg" });
  appendHighlighted(msg, row.line, terms);
  el.append(
    h("span", { class: "ts" }, fmtTime(row.ms)),
    h("span", { class: "lvl" }, level),
    h("span", { class: "svc", title: stripAnsi(`${ev.service ?? ""} ${ev.host ?? ""}`) }, stripAnsi(ev.service ?? "")),
    msg,
  );
}

function trim(): void {
  if (rows.length > MAX_ROWS + 2000) rows = rows.slice(rows.length - MAX_ROWS);
}

let skippedTotal = 0; // events not shown since the view was loaded (too fast, or a slow connection)

function appendRows(newRows: Row[]): void {
  if (newRows.length === 0) return;
  for (const r of newRows) {
    rows.push(r);
    if (r.kind === "skipped") skippedTotal += r.count;
  }
  trim();
  list.setItems(rows);
  updateListInfo();
}

// ---- pause / resume ----------------------------------------------------------
let paused = false;
let pending: Row[] = [];
let pendingArrived = 0; // events that arrived while paused (shown or not)
let pendingDropped = 0;

function setPaused(p: boolean): void {
  paused = p;
  if (!p) {
    const toShow: Row[] = [];
    if (pendingDropped > 0) toShow.push({ kind: "skipped", count: pendingDropped, ms: Date.now() });
    toShow.push(...pending);
    pending = [];
    pendingArrived = 0;
    pendingDropped = 0;
    appendRows(toShow);
    list.scrollToBottom();
  }
  updatePauseButton();
}

function updatePauseButton(): void {
  clear(pauseButton);
  if (paused) {
    pauseButton.classList.add("paused");
    pauseButton.append(text(`▶ Resume (${pendingArrived.toLocaleString()} new)`));
  } else {
    pauseButton.classList.remove("paused");
    pauseButton.append(text("❚❚ Pause"));
  }
  pauseButton.disabled = !isLive();
}

function receive(newRows: Row[], arrivedEvents: number): void {
  if (paused) {
    pendingArrived += arrivedEvents;
    for (const r of newRows) pending.push(r);
    if (pending.length > MAX_ROWS) {
      const drop = pending.length - MAX_ROWS;
      for (let i = 0; i < drop; i++) {
        const r = pending[i];
        pendingDropped += r.kind === "event" ? 1 : r.count;
      }
      pending = pending.slice(drop);
    }
    updatePauseButton();
    return;
  }
  appendRows(newRows);
}

// A token bucket of DISPLAY_RATE rows per second, holding at most one second's worth.
let displayBudget = DISPLAY_RATE;
let displayBudgetAt = 0;
function takeDisplayBudget(n: number): number {
  const now = performance.now();
  displayBudget = Math.min(DISPLAY_RATE, displayBudget + ((now - displayBudgetAt) * DISPLAY_RATE) / 1000);
  displayBudgetAt = now;
  const take = Math.min(n, Math.floor(displayBudget));
  displayBudget -= take;
  return take;
}

function receiveLive(events: LogEvent[]): void {
  if (paused) return receive(events.map(toRow), events.length);
  const keep = takeDisplayBudget(events.length);
  const shown: Row[] = (keep === events.length ? events : events.slice(0, keep)).map(toRow);
  // The marker ends the batch, so in follow mode the last line says that rows are being skipped.
  if (keep < events.length) shown.push({ kind: "skipped", count: events.length - keep, ms: Date.now() });
  receive(shown, events.length);
}

// ---- live tail -----------------------------------------------------------------
let socket: WebSocket | null = null;
let socketQuery = "";
let reconnectDelay = 500;
let reconnectTimer = 0;

function setTailStatus(s: "live" | "connecting" | "off" | "error", detail = ""): void {
  tailStatus.className = `tail-status ${s}`;
  clear(tailStatus);
  const label = { live: "● live", connecting: "○ connecting…", off: "◌ range", error: "● disconnected" }[s];
  tailStatus.append(text(detail ? `${label} ${detail}` : label));
}

function stopTail(): void {
  clearTimeout(reconnectTimer);
  if (socket) {
    socket.onclose = null;
    socket.close();
    socket = null;
  }
}

// While the view loads, live events wait here: the tail is subscribed before the search
// runs, so an event lands in the search answer, in this buffer, or in both (merged by id),
// never in the gap between them.
let liveBuffer: { events: LogEvent[]; skipped: number } | null = null;

// Resolves once the server has registered the subscription ("hello"), or the socket failed,
// or after a few seconds: a slow upgrade must not hold the search back.
function startTail(): Promise<void> {
  stopTail();
  socketQuery = state.q;
  setTailStatus("connecting");
  const ws = new WebSocket(api.tailUrl(state.q));
  socket = ws;
  let ready: () => void = () => {};
  const subscribed = new Promise<void>((r) => (ready = r));
  const readyTimer = window.setTimeout(ready, 5000);
  ws.onopen = () => {
    reconnectDelay = 500;
    setTailStatus("live");
  };
  ws.onmessage = (m) => {
    let msg: api.TailMessage;
    try {
      msg = JSON.parse(String(m.data));
    } catch {
      return;
    }
    if (msg.type === "hello") ready();
    else if (msg.type === "events") {
      if (liveBuffer) for (const ev of msg.events) liveBuffer.events.push(ev);
      else receiveLive(msg.events);
    } else if (msg.type === "skipped") {
      if (liveBuffer) liveBuffer.skipped += msg.count;
      else receive([{ kind: "skipped", count: msg.count, ms: Date.now() }], msg.count);
    } else if (msg.type === "error") {
      setTailStatus("error", msg.error);
      ready();
    }
  };
  ws.onclose = () => {
    ready();
    if (socket !== ws) return;
    socket = null;
    setTailStatus("error");
    // A browser does not show why an upgrade failed: ask whether the session is gone.
    api
      .session()
      .then((s) => {
        if (s.auth_required && !s.authenticated) showLogin();
      })
      .catch(() => {});
    reconnectTimer = window.setTimeout(() => {
      if (isLive() && socketQuery === state.q && !loginShown) resumeTail();
    }, reconnectDelay);
    reconnectDelay = Math.min(reconnectDelay * 2, 5000);
  };
  return subscribed.finally(() => clearTimeout(readyTimer));
}

// Shows the buffered live events after `head` (events found by a search), skipping any
// already shown: the search answer and the subscription overlap.
function flushLiveBuffer(head: LogEvent[] = []): void {
  const buf = liveBuffer;
  liveBuffer = null;
  if (!buf) return;
  const seen = new Set<string>();
  for (const r of rows) if (r.kind === "event") seen.add(r.ev.id);
  for (const r of pending) if (r.kind === "event") seen.add(r.ev.id);
  const fresh: LogEvent[] = [];
  for (const batch of [head, buf.events])
    for (const ev of batch)
      if (!seen.has(ev.id)) {
        seen.add(ev.id);
        fresh.push(ev);
      }
  if (buf.skipped > 0) receive([{ kind: "skipped", count: buf.skipped, ms: Date.now() }], buf.skipped);
  if (fresh.length > 0) receiveLive(fresh);
}

// After a dropped connection: subscribe again, then fetch what arrived since the newest
// row shown, so a reconnect leaves no hole either.
async function resumeTail(): Promise<void> {
  const seq = loadSeq;
  liveBuffer = { events: [], skipped: 0 };
  await startTail();
  if (seq !== loadSeq) return;
  let since: LogEvent[] = [];
  let newest = 0;
  for (let i = rows.length - 1; i >= 0 && !newest; i--) {
    const r = rows[i];
    if (r.kind === "event") newest = r.ms;
  }
  if (newest > 0) {
    try {
      since = (await api.searchEvents(state.q, { from: newest }, 1000)).events.reverse();
    } catch {
      /* the live events still come */
    }
    if (seq !== loadSeq) return;
  }
  flushLiveBuffer(since);
}

// ---- loading --------------------------------------------------------------------
let olderCursor: string | null = null;
let loadSeq = 0;

async function reload(): Promise<void> {
  const seq = ++loadSeq;
  terms = queryTerms(state.q);
  stopTail();
  liveBuffer = null;
  rows = [];
  pending = [];
  pendingArrived = 0;
  pendingDropped = 0;
  skippedTotal = 0;
  paused = false;
  updatePauseButton();
  list.setItems(rows);
  closeDetail();
  const live = isLive();
  if (live) {
    liveBuffer = { events: [], skipped: 0 };
    await startTail();
    if (seq !== loadSeq) return;
  }
  try {
    const page = await api.searchEvents(state.q, rangeOf(), 500);
    if (seq !== loadSeq) return;
    rows = page.events.reverse().map(toRow);
    olderCursor = page.more ? page.next_before : null;
    list.setItems(rows);
    list.scrollToBottom();
    updateListInfo();
    showSearchError(null);
  } catch (e) {
    if (seq !== loadSeq) return;
    liveBuffer = null;
    stopTail();
    if (e instanceof api.ApiError) showSearchError(e.body);
    return;
  }
  if (live) flushLiveBuffer();
  else setTailStatus("off");
  refreshAggregates();
}

async function loadOlder(): Promise<void> {
  if (!olderCursor) return;
  const page = await api.searchEvents(state.q, rangeOf(), 1000, olderCursor);
  const older = page.events.reverse().map(toRow);
  olderCursor = page.more ? page.next_before : null;
  rows = older.concat(rows);
  if (rows.length > MAX_ROWS) rows = rows.slice(0, MAX_ROWS); // keep what was just asked for
  list.setItems(rows);
  list.scrollToIndex(older.length);
  updateListInfo();
}

function rangeOf(): api.Range {
  return { from: state.from, to: state.to };
}

function updateListInfo(): void {
  clear(listInfo);
  const n = rows.filter((r) => r.kind === "event").length;
  const what = isLive()
    ? "live"
    : `${state.from !== undefined ? fmtTime(state.from, true) : "window start"} → ${state.to ? fmtTime(state.to, true) : "now"}`;
  listInfo.append(text(`${n.toLocaleString()} events shown · ${what}`));
  if (skippedTotal > 0)
    listInfo.append(h("span", { class: "skipped-info" }, ` · ${skippedTotal.toLocaleString()} skipped (arriving faster than shown)`));
  loadOlderButton.classList.toggle("hidden", !olderCursor);
  followButton.classList.toggle("hidden", list.following() || !isLive());
}
list.setFollowListener(() => updateListInfo());

let aggregatesTimer = 0;
async function refreshAggregates(): Promise<void> {
  clearTimeout(aggregatesTimer);
  const seq = loadSeq;
  try {
    const [hist, fac] = await Promise.all([api.histogram(state.q, rangeOf(), 60), api.facets(state.q, rangeOf())]);
    if (seq !== loadSeq) return;
    histogramView.update(hist);
    renderFacets(fac);
  } catch {
    /* shown by the search error already */
  }
  if (isLive()) aggregatesTimer = window.setTimeout(refreshAggregates, 5000);
}

// ---- facets -----------------------------------------------------------------------
const FACET_FIELDS: [string, string][] = [
  ["level", "Levels"],
  ["service", "Services"],
  ["environment", "Environments"],
  ["host", "Hosts"],
];

function quoteValue(v: string): string {
  return /^[A-Za-z0-9_.\-/@]+$/.test(v) ? v : `"${v.replace(/["\\]/g, "\\$&")}"`;
}

function renderFacets(f: api.FacetsResult): void {
  clear(facetsPanel);
  facetsPanel.append(h("div", { class: "facet-total" }, `${f.matched.toLocaleString()} matching in window`));
  for (const [field, title] of FACET_FIELDS) {
    const values = f.fields[field] ?? [];
    const box = h("div", { class: "facet" }, h("div", { class: "facet-title" }, title));
    const max = Math.max(1, ...values.map((v) => v.count));
    for (const v of values) {
      const bar = h("span", { class: "facet-bar" });
      bar.style.width = `${Math.round((100 * v.count) / max)}%`;
      const item = h(
        "button",
        { class: `facet-value${field === "level" ? ` lvl-${v.value}` : ""}`, type: "button", title: "click: only this · shift/alt-click: exclude" },
        bar,
        h("span", { class: "facet-name" }, stripAnsi(v.value)),
        h("span", { class: "facet-count" }, v.count.toLocaleString()),
      );
      item.addEventListener("click", (ev) => {
        const term = `${ev.shiftKey || ev.altKey ? "-" : ""}${field}:${quoteValue(v.value)}`;
        applyQuery(state.q.trim() ? `${state.q.trim()} ${term}` : term);
      });
      box.append(item);
    }
    if (values.length === 0) box.append(h("div", { class: "facet-empty" }, "—"));
    facetsPanel.append(box);
  }
}

// ---- event detail ----------------------------------------------------------------
function closeDetail(): void {
  selectedId = null;
  detailPanel.classList.add("hidden");
  list.refresh();
}

function showDetail(ev: LogEvent): void {
  selectedId = ev.id;
  list.refresh();
  clear(detailPanel);
  detailPanel.classList.remove("hidden");
  const copy = h("button", { class: "btn small", type: "button" }, "Copy JSON");
  copy.addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(JSON.stringify(ev, null, 2));
      copy.textContent = "Copied";
    } catch {
      copy.textContent = "Copy failed";
    }
    setTimeout(() => (copy.textContent = "Copy JSON"), 1500);
  });
  const ctxButton = h("button", { class: "btn small", type: "button" }, "Show context");
  const ctxBox = h("div", { class: "context" });
  ctxButton.addEventListener("click", () => showContext(ev, ctxBox));
  const close = h("button", { class: "btn small", type: "button", title: "Close (Esc)" }, "✕");
  close.addEventListener("click", closeDetail);

  const table = h("table", { class: "fields" });
  const addField = (k: string, v: unknown) => {
    if (v === undefined || v === null || v === "") return;
    const s = typeof v === "string" ? v : JSON.stringify(v);
    table.append(h("tr", {}, h("th", {}, k), h("td", {}, stripAnsi(s))));
  };
  addField("timestamp", ev.timestamp);
  addField("level", ev.level);
  for (const k of ["service", "environment", "host", "source", "trace_id", "span_id", "id"] as const) addField(k, ev[k]);
  for (const [k, v] of Object.entries(ev.attributes ?? {})) addField(k, v);
  const message = h("pre", { class: "message" });
  appendHighlighted(message, stripAnsi(ev.message ?? ""), terms);
  const lvl = LEVELS.includes(ev.level) ? ev.level : "INFO";
  detailPanel.append(
    h("div", { class: "detail-head" }, h("span", { class: `badge lvl-${lvl}` }, lvl), h("span", { class: "detail-time" }, fmtTime(parseTs(ev.timestamp), true)), h("span", { class: "spacer" }), copy, ctxButton, close),
    message,
    table,
    ctxBox,
  );
}

async function showContext(ev: LogEvent, box: HTMLElement): Promise<void> {
  clear(box);
  box.append(h("div", { class: "muted" }, "loading context…"));
  try {
    const c = await api.eventContext(ev.id, 15);
    clear(box);
    box.append(h("div", { class: "facet-title" }, `Context: ${stripAnsi(ev.service ?? "")} on ${stripAnsi(ev.host ?? "")}`));
    const line = (e: LogEvent, center: boolean) => {
      const lvl = LEVELS.includes(e.level) ? e.level : "INFO";
      return h("div", { class: `ctx-row lvl-${lvl}${center ? " center" : ""}` }, h("span", { class: "ts" }, fmtTime(parseTs(e.timestamp))), h("span", { class: "lvl" }, lvl), h("span", { class: "msg" }, oneLine(e.message ?? "")));
    };
    for (const e of c.before) box.append(line(e, false));
    box.append(line(c.event, true));
    for (const e of c.after) box.append(line(e, false));
  } catch (e) {
    clear(box);
    box.append(h("div", { class: "muted" }, e instanceof Error ? e.message : "context unavailable"));
  }
}

// ---- alerts and failures ------------------------------------------------------
// The events behind an alert: its evaluation window before it started, up to when it
// resolved (or now, while it fires), with a minute's margin at the end for late events.
function alertRange(a: api.Alert): api.Range {
  const started = a.started_at ? parseTs(a.started_at) : 0;
  if (!started) return {};
  const span = a.window_ms && a.window_ms > 0 ? a.window_ms : 5 * 60_000;
  const resolved = a.resolved_at ? parseTs(a.resolved_at) : 0;
  const end = resolved > started ? resolved + 60_000 : Math.max(Date.now(), started) + 60_000;
  return { from: Math.max(1, Math.floor(started - span)), to: Math.ceil(end) };
}

async function renderAlerts(): Promise<void> {
  const data = await api.alerts().catch(() => ({ firing: [], recent: [] }));
  clear(alertsView);
  const section = (title: string, items: api.Alert[]) => {
    const box = h("div", { class: "card" }, h("h2", {}, title));
    if (items.length === 0) box.append(h("div", { class: "muted" }, "none"));
    for (const a of items) {
      const link = h("button", { class: "btn small", type: "button" }, "matching events →");
      link.addEventListener("click", () => {
        state.tab = "logs";
        const range = alertRange(a);
        state.from = range.from;
        state.to = range.to;
        syncRangeSelect();
        applyQuery(a.query ?? "", true);
        showTab();
      });
      box.append(
        h(
          "div",
          { class: `alert-row ${a.state}` },
          h("span", { class: `badge ${a.state}` }, a.state),
          h("span", { class: "alert-rule" }, stripAnsi(a.rule ?? a.alert_id)),
          h("span", { class: "alert-group" }, stripAnsi(a.group_key ?? "")),
          h("span", { class: "alert-msg" }, oneLine(a.message ?? "")),
          h("span", { class: "muted" }, a.started_at ? fmtTime(parseTs(a.started_at), true) : ""),
          a.query ? link : null,
        ),
      );
    }
    return box;
  };
  alertsView.append(section("Firing", data.firing), section("Recent notifications", data.recent));
}

async function renderFailures(): Promise<void> {
  const data = await api.deadLetters().catch(() => ({ total: 0, recent: [] as api.DeadLetter[] }));
  clear(failuresView);
  const box = h("div", { class: "card" }, h("h2", {}, `Dead letters — ${data.total.toLocaleString()} since start`));
  box.append(h("div", { class: "muted" }, "Records the pipeline could not process, with why and where they came from. Original bytes are shown as text."));
  if (data.recent.length === 0) box.append(h("div", { class: "muted" }, "none — every record was processed"));
  for (const d of data.recent) {
    box.append(
      h(
        "div",
        { class: "dlq-row" },
        h(
          "div",
          { class: "dlq-head" },
          h("span", { class: "badge ERROR" }, d.code),
          h("span", {}, `stage ${d.stage || "?"}`),
          h("span", { class: "muted" }, `${d.origin.topic}[${d.origin.partition}]@${d.origin.offset}`),
          h("span", { class: "muted" }, d.failed_at ? fmtTime(parseTs(d.failed_at), true) : ""),
          h("span", { class: "muted" }, `attempts ${d.attempts}`),
        ),
        h("div", { class: "dlq-msg" }, stripAnsi(d.message)),
        h("pre", { class: "dlq-payload" }, stripAnsi(d.payload) + (d.payload_truncated ? " …(truncated)" : "")),
      ),
    );
  }
  failuresView.append(box);
}

// ---- health strip ----------------------------------------------------------------
async function refreshStats(): Promise<void> {
  if (loginShown) return;
  try {
    const s = await api.stats();
    health.rate.textContent = fmtRate(s.ingest_rate);
    health.lag.textContent = s.consumer_lag === null ? "n/a" : s.consumer_lag.toLocaleString();
    health.lag.classList.toggle("warn", (s.consumer_lag ?? 0) > 10_000);
    health.window.textContent = `${s.window_events.toLocaleString()} / ${s.window_max_events.toLocaleString()}`;
    health.dlq.textContent = s.dead_letters_total.toLocaleString();
    health.dlq.classList.toggle("bad", s.dead_letters_total > 0);
    health.alerts.textContent = String(s.alerts_firing);
    health.alerts.classList.toggle("bad", s.alerts_firing > 0);
    health.clients.textContent = String(s.tail_clients);
  } catch {
    health.rate.textContent = "offline";
  }
}
health.dlq.addEventListener("click", () => switchTab("failures"));
health.alerts.addEventListener("click", () => switchTab("alerts"));

// ---- search, range, tabs ---------------------------------------------------------
function showSearchError(err: api.QueryError | null): void {
  clear(searchError);
  searchInput.classList.toggle("invalid", !!err);
  if (!err) return;
  const col = err.column && err.column > 0 ? err.column : 0;
  searchError.append(h("span", { class: "caret" }, col ? `${" ".repeat(col - 1)}^` : ""), h("span", {}, err.error));
}

let validateTimer = 0;
searchInput.addEventListener("input", () => {
  clearTimeout(validateTimer);
  validateTimer = window.setTimeout(async () => {
    const q = searchInput.value;
    const err = await api.validateQuery(q);
    if (q === searchInput.value) showSearchError(err);
  }, 250);
});
searchInput.addEventListener("keydown", (ev) => {
  if (ev.key === "Enter") applyQuery(searchInput.value, true);
  if (ev.key === "Escape") searchInput.blur();
});

async function applyQuery(q: string, push = true): Promise<void> {
  const err = await api.validateQuery(q);
  searchInput.value = q;
  showSearchError(err);
  if (err) return;
  state.q = q;
  writeUrl(state, push);
  reload();
}

function setRange(from?: number, to?: number): void {
  state.from = from;
  state.to = to;
  syncRangeSelect();
  writeUrl(state, true);
  reload();
}

function syncRangeSelect(): void {
  rangeSelect.value = isLive() ? "live" : state.from === undefined ? "all" : "custom";
}

rangeSelect.addEventListener("change", () => {
  const now = Date.now();
  const v = rangeSelect.value;
  if (v === "live") setRange(undefined, undefined);
  else if (v === "15m") setRange(now - 15 * 60_000, now);
  else if (v === "1h") setRange(now - 3600_000, now);
  else if (v === "6h") setRange(now - 6 * 3600_000, now);
  // No `from`: the server starts at the window's oldest event (a made-up start would
  // spread the buckets over decades and leave the chart empty).
  else if (v === "all") setRange(undefined, now + 1000);
});

tzButton.addEventListener("click", () => {
  state.utc = !state.utc;
  writeUrl(state, false);
  updateTz();
  list.refresh();
});
function updateTz(): void {
  tzButton.textContent = state.utc ? "UTC" : "Local";
  histogramView.setUtc(state.utc);
}

pauseButton.addEventListener("click", () => setPaused(!paused));
followButton.addEventListener("click", () => list.scrollToBottom());
loadOlderButton.addEventListener("click", () => loadOlder());

function switchTab(tab: Tab): void {
  state.tab = tab;
  writeUrl(state, true);
  showTab();
}
function showTab(): void {
  for (const [t, b] of Object.entries(tabButtons)) b.classList.toggle("active", t === state.tab);
  logsView.classList.toggle("hidden", state.tab !== "logs");
  alertsView.classList.toggle("hidden", state.tab !== "alerts");
  failuresView.classList.toggle("hidden", state.tab !== "failures");
  if (state.tab === "alerts") renderAlerts();
  if (state.tab === "failures") renderFailures();
}
for (const [t, b] of Object.entries(tabButtons)) b.addEventListener("click", () => switchTab(t as Tab));

document.addEventListener("keydown", (ev) => {
  const target = ev.target as HTMLElement;
  const typing = target.tagName === "INPUT" || target.tagName === "TEXTAREA" || target.tagName === "SELECT";
  if (ev.key === "/" && !typing) {
    ev.preventDefault();
    searchInput.focus();
    searchInput.select();
  } else if (ev.key === " " && !typing && target.tagName !== "BUTTON" && isLive()) {
    ev.preventDefault();
    setPaused(!paused);
  } else if (ev.key === "Escape" && !typing) {
    closeDetail();
  }
});

window.addEventListener("popstate", () => {
  state = readUrl();
  searchInput.value = state.q;
  syncRangeSelect();
  updateTz();
  showTab();
  reload();
});

// ---- authentication ------------------------------------------------------------
// Shown whenever the API answers 401. The password goes to /api/v1/login only;
// the session lives in an HttpOnly cookie this script cannot read.
let loginShown = false;
let appStarted = false;
const loginUser = h("input", { class: "search", type: "text", name: "username", autocomplete: "username", required: true, spellcheck: "false" });
const loginPass = h("input", { class: "search", type: "password", name: "password", autocomplete: "current-password", required: true });
const loginError = h("div", { class: "login-error", role: "alert" });
const loginButton = h("button", { class: "btn", type: "submit" }, "Log in");
const loginForm = h(
  "form",
  { class: "login", "aria-label": "Log in to logtracer" },
  h("h1", {}, h("span", { class: "logo" }, "▍"), "logtracer"),
  h("label", {}, h("span", {}, "Username"), loginUser),
  h("label", {}, h("span", {}, "Password"), loginPass),
  loginError,
  loginButton,
);
// Without JavaScript the form still works: a plain POST, answered with a redirect to /.
loginForm.method = "post";
loginForm.action = "/api/v1/login";
const loginPage = h("div", { class: "login-page hidden" }, loginForm);
document.body.append(loginPage);

function showLogin(message = ""): void {
  stopTail();
  loginError.textContent = message;
  if (loginShown) return;
  loginShown = true;
  app.setAttribute("aria-hidden", "true");
  loginPage.classList.remove("hidden");
  loginUser.focus();
}

function hideLogin(username: string | null): void {
  loginShown = false;
  app.removeAttribute("aria-hidden");
  loginPage.classList.add("hidden");
  loginPass.value = "";
  loginError.textContent = "";
  logoutButton.classList.toggle("hidden", !username);
  logoutButton.title = username ? `Log out ${username}` : "";
}

loginForm.addEventListener("submit", (ev) => {
  ev.preventDefault();
  loginButton.disabled = true;
  api
    .login(loginUser.value, loginPass.value)
    .then((r) => {
      hideLogin(r.username);
      startApp();
    })
    .catch((e) => {
      loginPass.value = "";
      loginError.textContent = e instanceof api.ApiError ? e.body.error : "cannot reach the dashboard";
      loginPass.focus();
    })
    .finally(() => {
      loginButton.disabled = false;
    });
});

logoutButton.addEventListener("click", () => {
  api
    .logout()
    .catch(() => {})
    .finally(() => {
      logoutButton.classList.add("hidden");
      showLogin("Logged out.");
    });
});

api.setUnauthorizedHandler(() => showLogin());

// ---- start -------------------------------------------------------------------------
function startApp(): void {
  if (appStarted) {
    reload();
    refreshStats();
    return;
  }
  appStarted = true;
  searchInput.value = state.q;
  syncRangeSelect();
  updateTz();
  showTab();
  reload();
  refreshStats();
  setInterval(refreshStats, 2000);
  setInterval(() => {
    if (loginShown) return;
    if (state.tab === "alerts") renderAlerts();
    if (state.tab === "failures") renderFailures();
  }, 5000);
}

api
  .session()
  .then((s) => {
    if (s.auth_required && !s.authenticated) return showLogin();
    hideLogin(s.username);
    startApp();
  })
  .catch(() => startApp()); // an older server without /api/v1/session
