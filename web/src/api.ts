// The dashboard's HTTP and WebSocket API (docs/api.md), typed.
export interface LogEvent {
  id: string;
  timestamp: string; // RFC 3339, nanoseconds
  level: string;
  service?: string;
  environment?: string;
  host?: string;
  source?: string;
  message: string;
  trace_id?: string;
  span_id?: string;
  attributes?: Record<string, unknown>;
}

export interface QueryError {
  error: string;
  column?: number;
}

export class ApiError extends Error {
  constructor(
    public status: number,
    public body: QueryError,
  ) {
    super(body.error);
  }
}

// Called on every 401: the session expired or was never there (main.ts shows the login form).
let onUnauthorized: () => void = () => {};
export function setUnauthorizedHandler(f: () => void): void {
  onUnauthorized = f;
}

async function getJson<T>(path: string, params: Record<string, string | number | undefined> = {}): Promise<T> {
  const qs = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== "") qs.set(k, String(v));
  const url = qs.toString() ? `${path}?${qs}` : path;
  const res = await fetch(url, { headers: { Accept: "application/json" }, cache: "no-store" });
  const body = await res.json().catch(() => ({ error: `HTTP ${res.status}` }));
  if (res.status === 401) onUnauthorized();
  if (!res.ok) throw new ApiError(res.status, body as QueryError);
  return body as T;
}

async function postJson<T>(path: string, payload: unknown): Promise<T> {
  const res = await fetch(path, {
    method: "POST",
    headers: { Accept: "application/json", "Content-Type": "application/json" },
    body: JSON.stringify(payload),
    cache: "no-store",
    credentials: "same-origin",
  });
  const body = await res.json().catch(() => ({ error: `HTTP ${res.status}` }));
  if (!res.ok) throw new ApiError(res.status, body as QueryError);
  return body as T;
}

export interface Session {
  auth_required: boolean;
  password_login: boolean;
  authenticated: boolean;
  username: string | null;
}
export const session = () => getJson<Session>("/api/v1/session");
export const login = (username: string, password: string) =>
  postJson<{ ok: boolean; username: string }>("/api/v1/login", { username, password });
export const logout = () => postJson<{ ok: boolean }>("/api/v1/logout", {});

export interface Range {
  from?: number; // epoch ms
  to?: number;
}

export interface EventsPage {
  events: LogEvent[];
  more: boolean;
  next_before: string | null;
}
export const searchEvents = (q: string, r: Range, limit: number, before?: string) =>
  getJson<EventsPage>("/api/v1/events", { q, from: r.from, to: r.to, limit, before });

export interface ContextResult {
  before: LogEvent[];
  event: LogEvent;
  after: LogEvent[];
}
export const eventContext = (id: string, n = 20) =>
  getJson<ContextResult>(`/api/v1/events/${encodeURIComponent(id)}/context`, { n });

export interface HistogramResult {
  from_ms: number;
  step_ms: number;
  levels: string[];
  counts: number[][];
}
export const histogram = (q: string, r: Range, buckets: number) =>
  getJson<HistogramResult>("/api/v1/histogram", { q, from: r.from, to: r.to, buckets });

export interface FacetsResult {
  matched: number;
  fields: Record<string, { value: string; count: number }[]>;
}
export const facets = (q: string, r: Range) => getJson<FacetsResult>("/api/v1/facets", { q, from: r.from, to: r.to });

export interface Stats {
  ingest_rate: number;
  ingested_total: number;
  window_events: number;
  window_bytes: number;
  window_max_events: number;
  tail_clients: number;
  tail_skipped_total: number;
  dead_letters_total: number;
  alerts_firing: number;
  consumer_lag: number | null;
}
export const stats = () => getJson<Stats>("/api/v1/stats");

export interface Alert {
  alert_id: string;
  state: "firing" | "resolved";
  rule?: string;
  severity?: string;
  query?: string;
  group_key?: string;
  message?: string;
  started_at?: string;
  resolved_at?: string;
  sent_at?: string;
  count?: number;
  window_ms?: number;
}
export const alerts = () => getJson<{ firing: Alert[]; recent: Alert[] }>("/api/v1/alerts");

export interface DeadLetter {
  code: string;
  message: string;
  stage: string;
  origin: { topic: string; partition: number; offset: number };
  failed_at: string | null;
  attempts: number;
  payload: string;
  payload_truncated: boolean;
}
export const deadLetters = () => getJson<{ total: number; recent: DeadLetter[] }>("/api/v1/deadletters");

export async function validateQuery(q: string): Promise<QueryError | null> {
  try {
    await getJson("/api/v1/query/validate", { q });
    return null;
  } catch (e) {
    if (e instanceof ApiError && e.status === 400) return e.body;
    return null;
  }
}

export type TailMessage =
  | { type: "hello" }
  | { type: "events"; events: LogEvent[] }
  | { type: "skipped"; count: number }
  | { type: "error"; error: string };

export function tailUrl(q: string): string {
  const proto = location.protocol === "https:" ? "wss:" : "ws:";
  return `${proto}//${location.host}/api/v1/tail?q=${encodeURIComponent(q)}`;
}
