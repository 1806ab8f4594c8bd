// End-to-end: the real `logtracer dashboard` reading the real local Kafka broker,
// driven in Debian's headless Chromium through playwright-core. Events are
// produced into fresh topics with kcat, so this is the production path.
//
//   LT_BINARY=build/release/logtracer node tests/e2e/dashboard.e2e.mjs
// Env: LT_KAFKA_BROKERS (127.0.0.1:9092), LT_E2E_OUT (build/e2e-screenshots),
//      LT_E2E_README_SCREENSHOT=1 also writes docs/screenshot.png.
import { spawnSync } from "node:child_process";
import { mkdtempSync, mkdirSync, readdirSync, rmSync, writeFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { launchChromium, nextFrames, startDashboard, stopProcess, waitFor } from "./common.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const root = process.env.LT_SOURCE_DIR || resolve(here, "../..");

const binary = process.env.LT_BINARY || join(root, "build/release/logtracer");
const brokers = process.env.LT_KAFKA_BROKERS || "127.0.0.1:9092";
const outDir = process.env.LT_E2E_OUT || join(root, "build/e2e-screenshots");
mkdirSync(outDir, { recursive: true });
// A FAILED-*.png left by an earlier run would read as this run's failure.
for (const f of readdirSync(outDir)) if (/^FAILED-.*\.png$/.test(f)) rmSync(join(outDir, f));

const run = `e2e-${Date.now()}-${process.pid}`;
const topics = { processed: `${run}.processed`, alerts: `${run}.alerts`, dlq: `${run}.dlq` };
const work = mkdtempSync(join(tmpdir(), "lt-e2e-"));

// ---------------------------------------------------------------- helpers
let seq = 0;
function event(level, message, extra = {}) {
  seq++;
  return {
    id: `${run}-${String(seq).padStart(6, "0")}`,
    timestamp: new Date().toISOString(),
    level,
    service: extra.service ?? ["checkout", "payments", "auth"][seq % 3],
    environment: "production",
    host: extra.host ?? `web-${seq % 2}`,
    source: "generator",
    message,
    attributes: extra.attributes ?? { status: 200, path: "/api/cart" },
  };
}

function produce(topic, records, headers = []) {
  const args = ["-P", "-b", brokers, "-t", topic, "-z", "none"];
  for (const [k, v] of headers) args.push("-H", `${k}=${v}`);
  const input = records.map((r) => (typeof r === "string" ? r : JSON.stringify(r))).join("\n") + "\n";
  const r = spawnSync("kcat", args, { input, timeout: 30_000 });
  if (r.status !== 0) throw new Error(`kcat failed: ${r.stderr}`);
}

const results = [];
async function test(name, fn) {
  const t0 = Date.now();
  try {
    await fn();
    results.push([name, true]);
    console.log(`ok   ${name} (${Date.now() - t0} ms)`);
  } catch (e) {
    results.push([name, false]);
    console.log(`FAIL ${name}: ${e && e.stack ? e.stack : e}`);
    try {
      await page.screenshot({ path: join(outDir, `FAILED-${name.replace(/\W+/g, "_")}.png`) });
    } catch {}
  }
}
function assert(cond, msg) {
  if (!cond) throw new Error(`assertion failed: ${msg}`);
}

// ---------------------------------------------------------------- start
// A seed event produced before the dashboard starts: it must be rebuilt from history.
produce(topics.processed, [event("INFO", "seed event from before the dashboard started")]);
// Create the other topics too (auto-create on first write), so the dashboard's subscription finds them at once.
produce(topics.alerts, [JSON.stringify({ alert_id: "warmup", state: "resolved", rule: "warmup" })]);
produce(topics.dlq, ["warmup"], [["lt.error.code", "e2e.warmup"]]);

const config = join(work, "dashboard.yaml");
writeFileSync(
  config,
  `kafka:
  brokers: "${brokers}"
  topics:
    processed: "${topics.processed}"
    alerts: "${topics.alerts}"
    dlq: "${topics.dlq}"
dashboard:
  history: 1h
`,
);
const { proc: dash, url } = await startDashboard(binary, config);
console.log(`dashboard at ${url}, topics ${run}.*`);

// A fresh profile every run; playwright-core drives Debian's chromium (never a downloaded browser).
// A zone with a half-hour offset, so local time and UTC differ visibly on every row.
const TZ_OFFSET_MIN = 330;
const context = await launchChromium(root, join(work, "chromium-profile"), { timezoneId: "Asia/Kolkata" }).catch((e) => {
  dash.kill("SIGKILL");
  throw e;
});
const page = context.pages()[0] ?? (await context.newPage());
const pageErrors = [];
page.on("pageerror", (e) => pageErrors.push(String(e)));
page.on("console", (m) => {
  // A 400 from /api/v1/query/validate is the designed answer to an invalid query, not a page error.
  if (m.type() === "error" && !/status of 400/.test(m.text())) pageErrors.push(m.text());
});
// Anything the page tries to load from elsewhere (an <img src> from log text, say) shows up here.
const foreignRequests = [];
page.on("request", (r) => {
  if (!r.url().startsWith(url) && !r.url().startsWith("ws://127.0.0.1") && !r.url().startsWith("data:"))
    foreignRequests.push(r.url());
});

// The visible rows, each read in one synchronous pass in the page: $$eval queries first and runs its function in
// a later step, between which the virtual list may recycle and detach a row. (No `new Function`: the page's CSP
// has no 'unsafe-eval'.)
const rowTexts = () =>
  page.evaluate(() =>
    Array.from(document.querySelectorAll(".vlist .row"))
      .filter((e) => e.style.display !== "none")
      .map((e) => e.textContent),
  );
const rowLevels = () =>
  page.evaluate(() =>
    Array.from(document.querySelectorAll(".vlist .row[data-level]"))
      .filter((e) => e.style.display !== "none")
      .map((e) => e.getAttribute("data-level")),
  );
const rowServices = () =>
  page.evaluate(() =>
    Array.from(document.querySelectorAll(".vlist .row[data-level]"))
      .filter((e) => e.style.display !== "none")
      .map((e) => e.querySelector(".svc")?.textContent ?? ""),
  );
// "N events shown" in the list bar: every event row kept, not only the ones in view.
const shownCount = async () => Number((await page.textContent(".list-info")).match(/^([\d,]+) events shown/)[1].replace(/,/g, ""));
const facetTotal = async () => Number((await page.textContent(".facet-total")).match(/^([\d,]+) matching/)[1].replace(/,/g, ""));
// What the histogram drew (web/src/histogram.ts puts it on the element).
const histogram = () =>
  page.$eval(".histogram", (e) => Object.fromEntries(["total", "fromMs", "stepMs", "buckets", "xMinMs", "xMaxMs"].map((k) => [k, Number(e.dataset[k] ?? NaN)])));
const coversNewestBucket = (h) => h.xMinMs <= h.fromMs + 1 && h.xMaxMs >= h.fromMs + h.buckets * h.stepMs - 1;
const urlParams = () => new URL(page.url()).searchParams;
const facetValue = (title, name) =>
  page
    .locator(".facet", { has: page.locator(".facet-title", { hasText: new RegExp(`^${title}$`) }) })
    .locator(".facet-value", { has: page.locator(".facet-name", { hasText: new RegExp(`^${name}$`) }) });
const produced = () => seq; // every event() goes to the processed topic

// A second live-tail client in its own tab: seen() counts the events it received whose message
// starts with `prefix`, so a test knows when the dashboard has sent them out.
async function tailObserver(prefix) {
  const observer = await context.newPage();
  await observer.goto(`${url}/healthz`);
  await observer.evaluate(
    ([tailUrl, prefix]) => {
      window.__seen = 0;
      const ws = new WebSocket(tailUrl);
      ws.onmessage = (m) => {
        const msg = JSON.parse(m.data);
        if (msg.type === "hello") window.__ready = true;
        if (msg.type === "events") window.__seen += msg.events.filter((e) => e.message.startsWith(prefix)).length;
      };
    },
    [`${url.replace(/^http/, "ws")}/api/v1/tail?q=`, prefix],
  );
  await waitFor("the observer subscribed", () => observer.evaluate(() => window.__ready === true));
  return { page: observer, seen: () => observer.evaluate(() => window.__seen) };
}

// ---------------------------------------------------------------- tests
try {
  const response = await page.goto(url);
  await test("security headers on the page", async () => {
    const h = response.headers();
    assert(h["content-security-policy"]?.includes("default-src 'self'"), "CSP default-src 'self'");
    assert(h["content-security-policy"]?.includes("frame-ancestors 'none'"), "CSP frame-ancestors");
    assert(!h["content-security-policy"]?.includes("unsafe-inline"), "no unsafe-inline");
    assert(h["x-content-type-options"] === "nosniff", "nosniff");
    assert(h["referrer-policy"] === "no-referrer", "no-referrer");
  });

  await test("history is rebuilt from Kafka on start", async () => {
    await waitFor("seed row", async () => (await rowTexts()).some((t) => t.includes("seed event from before")));
  });

  await test("events produced into Kafka appear live", async () => {
    await waitFor("tail connected", async () => (await page.textContent(".tail-status")).includes("live"));
    const batch = [];
    for (let i = 0; i < 30; i++) batch.push(event(["INFO", "WARN", "ERROR", "DEBUG"][i % 4], `live event number ${i} GET /api/cart in ${i} ms`));
    produce(topics.processed, batch);
    await waitFor("30 live rows", async () => (await rowTexts()).filter((t) => t.includes("live event number")).length === 30);
  });

  await test("histogram and facets render", async () => {
    await waitFor("histogram canvas", () => page.$(".histogram canvas"));
    await waitFor("facets", async () => {
      const names = await page.$$eval(".facet-value .facet-name", (els) => els.map((e) => e.textContent));
      return names.includes("checkout") && names.includes("ERROR");
    }, 15_000);
    await page.screenshot({ path: join(outDir, "live.png") });
  });

  await test("typing a query filters events (and lands in the URL)", async () => {
    await page.keyboard.press("/");
    assert(await page.evaluate(() => document.activeElement?.classList.contains("search")), "/ focuses the search box");
    await page.keyboard.type("level:error");
    await page.keyboard.press("Enter");
    await waitFor("only ERROR rows", async () => {
      const levels = await rowLevels();
      return levels.length > 0 && levels.every((l) => l === "ERROR");
    });
    assert(new URL(page.url()).searchParams.get("q") === "level:error", "query in URL");
    produce(topics.processed, [event("INFO", "filtered-out info"), event("ERROR", "filtered-in error after query")]);
    await waitFor("new error row", async () => (await rowTexts()).some((t) => t.includes("filtered-in error after query")));
    assert(!(await rowTexts()).some((t) => t.includes("filtered-out info")), "INFO event must not show");
  });

  await test("an invalid query shows an inline error with its column", async () => {
    await page.fill(".search", "level>=WRN");
    await waitFor("inline error", async () => (await page.textContent(".search-error")).includes("WRN"));
    const caret = await page.textContent(".search-error .caret");
    assert(caret.trimStart() === "^" && caret.indexOf("^") === 7, `caret under column 8, got '${caret}'`);
    await page.screenshot({ path: join(outDir, "query-error.png") });
  });

  await test("matches are highlighted with <mark>", async () => {
    await page.fill(".search", "cart");
    await page.press(".search", "Enter");
    await waitFor("marks", async () => (await page.$$eval(".vlist .row mark", (m) => m.map((x) => x.textContent))).some((t) => t.toLowerCase() === "cart"));
  });

  await test("pause keeps counting, resume shows what arrived", async () => {
    await page.fill(".search", "");
    await page.press(".search", "Enter");
    await waitFor("live again", async () => (await page.textContent(".tail-status")).includes("live"));
    await page.click(".vlist"); // focus away from the search box; space must toggle pause
    await page.keyboard.press("Space");
    await waitFor("paused", async () => (await page.textContent(".btn.pause")).includes("Resume"));
    const during = [];
    for (let i = 0; i < 10; i++) during.push(event("WARN", `arrived during pause ${i}`));
    produce(topics.processed, during);
    await waitFor("counter says 10 new", async () => (await page.textContent(".btn.pause")).includes("(10 new)"));
    assert(!(await rowTexts()).some((t) => t.includes("arrived during pause")), "nothing shown while paused");
    await page.screenshot({ path: join(outDir, "paused.png") });
    await page.keyboard.press("Space");
    await waitFor("rows after resume", async () => (await rowTexts()).filter((t) => t.includes("arrived during pause")).length === 10);
  });

  const xssMessage = [
    `<script>window.__xss = "script"</script>`,
    `<img src=x onerror="window.__xss='img'">`,
    `<a href="javascript:window.__xss='link'">click me</a>`,
    `<svg onload="window.__xss='svg'"><script>window.__xss='svg2'</script></svg>`,
    `\u001b]8;;javascript:window.__xss='osc8'\u0007osc8 link text\u001b]8;;\u0007`,
    `\u001b[31mred\u001b[0m \u001b]0;title\u0007`,
    `"><iframe src="javascript:window.__xss='iframe'"></iframe>`,
    `{{constructor.constructor('window.__xss=1')()}}`,
    `xss-marker`,
  ].join(" ");

  await test("XSS payloads in log text are inert text", async () => {
    produce(topics.processed, [
      event("ERROR", xssMessage, {
        service: `<img src=x onerror="window.__xss='svc'">`,
        host: `<svg onload="window.__xss='host'">`,
        attributes: { "<b onmouseover=alert(1)>": `<script>window.__xss='attr'</script>`, url: "javascript:alert(1)" },
      }),
    ]);
    await page.fill(".search", "xss-marker");
    await page.press(".search", "Enter");
    // Click only once the list shows the search's answer: the live tail may list the
    // event first, further down the unfiltered list, in a row the search then recycles
    // (CI once failed clicking such a row, "not visible", for 30 s).
    await waitFor("only the matching row", async () => {
      const texts = await rowTexts();
      return texts.length > 0 && texts.every((t) => t.includes("xss-marker"));
    });
    const row = page.locator(".vlist .row:visible", { hasText: "xss-marker" }).first();
    await row.waitFor({ timeout: 30_000 });
    await row.click();
    await waitFor("detail", () => page.$(".detail:not(.hidden) pre.message"));
    await page.click(".detail button:has-text('Show context')");
    await waitFor("context", () => page.$(".context .ctx-row.center"));
    await page.hover(".vlist .row");
    await nextFrames(page); // any handler the hover could trigger has run
    const verdict = await page.evaluate(() => ({
      xss: window.__xss,
      scripts: [...document.querySelectorAll("script")].filter((s) => !s.src).length,
      bad: document.querySelectorAll("img, a, iframe, svg, object, embed, [onerror], [onload], [onmouseover]").length,
      messageText: document.querySelector(".detail pre.message")?.textContent ?? "",
      marks: document.querySelectorAll(".detail pre.message mark").length,
    }));
    assert(verdict.xss === undefined, `window.__xss is ${verdict.xss}`);
    assert(verdict.scripts === 0, "no inline <script> element");
    assert(verdict.bad === 0, `no img/a/iframe/svg/handler elements (found ${verdict.bad})`);
    assert(verdict.messageText.includes(`<script>window.__xss = "script"</script>`), "payload shown as text");
    assert(verdict.messageText.includes("osc8 link text") && !verdict.messageText.includes("\u001b"), "ANSI stripped, OSC 8 text kept");
    assert(verdict.marks === 1, "the search term is highlighted");
    assert(foreignRequests.length === 0, `no foreign requests: ${foreignRequests.join(", ")}`);
    await page.screenshot({ path: join(outDir, "xss-inert.png") });
  });

  const alertStart = new Date(Math.floor(Date.now() / 1000) * 1000);
  await test("alerts and failures views show what Kafka carried", async () => {
    produce(topics.alerts, [
      JSON.stringify({ alert_id: "a1b2", state: "firing", rule: "checkout-errors", severity: "critical", group_key: "service=checkout", query: "service:checkout level>=ERROR", message: "12 errors in 1m <b>bold?</b>", started_at: alertStart.toISOString(), window_ms: 600_000, count: 12 }),
    ]);
    produce(topics.dlq, [`{"broken json <script>window.__xss='dlq'</script>`], [
      ["lt.error.code", "decode.not_json"],
      ["lt.error.message", "expected a JSON object"],
      ["lt.stage", "decode"],
      ["lt.origin.topic", "logs.raw"],
      ["lt.origin.partition", "2"],
      ["lt.origin.offset", "4711"],
    ]);
    await page.click(".tab:has-text('Alerts')");
    await waitFor("firing alert", async () => (await page.textContent(".alerts-page")).includes("checkout-errors"), 20_000);
    await page.screenshot({ path: join(outDir, "alerts.png") });
    await page.click(".tab:has-text('Failures')");
    await waitFor("dead letter", async () => (await page.textContent(".failures-page")).includes("logs.raw[2]@4711"), 20_000);
    const dlqText = await page.textContent(".failures-page .dlq-payload");
    assert(dlqText.includes("<script>"), "original bytes shown as text");
    assert((await page.evaluate(() => window.__xss)) === undefined, "no script ran");
    await page.screenshot({ path: join(outDir, "failures.png") });
  });

  await test("an alert's 'matching events' link keeps the alert's query and time window", async () => {
    await page.click(".tab:has-text('Alerts')");
    await page.click(".alerts-page .alert-row.firing button:has-text('matching events')");
    await waitFor("the logs tab with the alert's range", async () => urlParams().get("to") !== null && !(await page.$(".logs-page.hidden")));
    const p = urlParams();
    assert(p.get("q") === "service:checkout level>=ERROR", `query ${p.get("q")}`);
    assert(Number(p.get("from")) === alertStart.getTime() - 600_000, `from ${p.get("from")} = started_at - window_ms`);
    assert(Number(p.get("to")) > alertStart.getTime(), `to ${p.get("to")} after started_at`);
    assert((await page.inputValue(".range")) === "custom", "the range selector says custom");
    await waitFor("the alert's events", async () => {
      const services = await rowServices();
      return services.length > 0 && services.every((s) => s === "checkout") && (await rowLevels()).every((l) => l === "ERROR" || l === "FATAL");
    });
    await waitFor("facets agree with the list", async () => (await facetTotal()) === (await shownCount()));
  });

  await test("no event is lost while the view reloads (search answer vs. live subscription)", async () => {
    await page.goto(url);
    await waitFor("tail connected", async () => (await page.textContent(".tail-status")).includes("live"));
    await waitFor("everything so far listed", async () => (await shownCount()) === produced());
    const observer = await tailObserver("produced while the search");
    // Hold the next search answer until events produced after the search ran were sent to
    // the live clients: they are in neither the answer nor, unless the page subscribed
    // before searching, its live stream.
    let held = 0;
    const route = /\/api\/v1\/events\?/;
    await page.route(route, async (r) => {
      const response = await r.fetch();
      if (held++ === 0) {
        const during = [];
        for (let i = 0; i < 25; i++) during.push(event(["INFO", "WARN"][i % 2], `produced while the search answer was on its way ${i}`));
        produce(topics.processed, during);
        await waitFor("the live stream sent them", async () => (await observer.seen()) === 25);
      }
      await r.fulfill({ response });
    });
    try {
      await page.fill(".search", "");
      await page.press(".search", "Enter");
      await waitFor("the held search was answered", () => held > 0);
      await waitFor(`all ${produced()} events listed`, async () => (await shownCount()) === produced(), 15_000);
    } finally {
      await page.unroute(route);
      await observer.page.close();
    }
    await waitFor("the held events in view", async () => (await rowTexts()).some((t) => t.includes("produced while the search answer")));
  });

  await test("histogram and facets count every event; the newest bucket is inside the chart", async () => {
    // The demo events: a mix of levels for the histogram and the README picture.
    const msgs = [
      ["INFO", "GET /api/cart 200 in 12 ms"],
      ["DEBUG", "cache hit key=cart:u-42"],
      ["WARN", "retrying payment: connection refused (attempt 2/5)"],
      ["INFO", "POST /api/checkout 201 in 84 ms"],
      ["ERROR", "POST /api/checkout failed: upstream timeout after 3000 ms"],
      ["INFO", "user u-9 logged in"],
    ];
    const demo = [];
    for (let i = 0; i < 60; i++) demo.push(event(msgs[i % msgs.length][0], msgs[i % msgs.length][1]));
    produce(topics.processed, demo);
    await waitFor(`all ${produced()} events listed`, async () => (await shownCount()) === produced());
    // Live aggregates refresh every 5 s.
    await waitFor("facets count them", async () => (await facetTotal()) === produced(), 20_000);
    await waitFor("the histogram counts them", async () => (await histogram()).total === produced(), 20_000);
    // uPlot draws after setData: the drawn x range is checked once it is there.
    await waitFor("the x axis ends after the newest bucket", async () => coversNewestBucket(await histogram()));
  });

  await test("whole window: the histogram spans the window's events, not decades", async () => {
    await page.selectOption(".range", "all");
    await waitFor("range in the URL", () => urlParams().get("to") !== null);
    assert(urlParams().get("from") === null, "no made-up start");
    await waitFor(`all ${produced()} events listed`, async () => (await shownCount()) === produced());
    await waitFor("the histogram counts them", async () => (await histogram()).total === produced());
    const h = await histogram();
    assert(h.stepMs < 3600_000, `buckets of ${h.stepMs} ms for a window minutes long`);
    await waitFor("the x axis ends after the newest bucket", async () => coversNewestBucket(await histogram()));
    await page.screenshot({ path: join(outDir, "whole-window.png") });
  });

  await test("drag across the histogram zooms to that range", async () => {
    const before = await histogram();
    const box = await page.locator(".histogram .u-over").boundingBox();
    const y = box.y + box.height / 2;
    await page.mouse.move(box.x + box.width * 0.5, y);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.75, y, { steps: 4 });
    await page.mouse.move(box.x + box.width - 1, y, { steps: 4 });
    await page.mouse.up();
    await waitFor("from and to in the URL", () => urlParams().get("from") !== null && urlParams().get("to") !== null);
    const from = Number(urlParams().get("from")), to = Number(urlParams().get("to"));
    const mid = (before.xMinMs + before.xMaxMs) / 2;
    assert(Math.abs(from - mid) <= before.stepMs && to <= before.xMaxMs + 1 && from < to, `zoomed to ${from}..${to} (chart ${before.xMinMs}..${before.xMaxMs})`);
    assert((await page.inputValue(".range")) === "custom", "the range selector says custom");
    await waitFor("the histogram shows the new range", async () => (await histogram()).fromMs === from);
    const h = await histogram();
    // The seed event sits at the window's start, left of the selection: fewer events, and the list agrees.
    assert(h.total > 0 && h.total < produced(), `${h.total} of ${produced()} events in the right half`);
    await waitFor("the list holds the range's events", async () => (await shownCount()) === h.total);
  });

  await test("facet click filters to a value, shift-click excludes one", async () => {
    await page.selectOption(".range", "live");
    await waitFor("live again", async () => urlParams().get("to") === null && (await page.textContent(".tail-status")).includes("live"));
    await waitFor("facets for everything", async () => (await facetTotal()) === produced());
    const errorCount = Number((await facetValue("Levels", "ERROR").locator(".facet-count").textContent()).replace(/,/g, ""));
    await facetValue("Levels", "ERROR").click();
    await waitFor("query in the URL", () => urlParams().get("q") === "level:ERROR");
    await waitFor("only the ERROR events", async () => (await shownCount()) === errorCount && (await rowLevels()).every((l) => l === "ERROR"));
    await waitFor("facets of the ERROR events", async () => (await facetTotal()) === errorCount);
    const checkout = Number((await facetValue("Services", "checkout").locator(".facet-count").textContent()).replace(/,/g, ""));
    assert(checkout > 0 && checkout < errorCount, `checkout has ${checkout} of ${errorCount} errors`);
    await facetValue("Services", "checkout").click({ modifiers: ["Shift"] });
    await waitFor("exclusion in the URL", () => urlParams().get("q") === "level:ERROR -service:checkout");
    await waitFor("checkout excluded", async () => (await shownCount()) === errorCount - checkout);
    let services = [];
    await waitFor("rows without checkout", async () => (services = await rowServices()).length > 0 && !services.includes("checkout"))
      .catch((e) => {
        throw new Error(`${e.message}: rows show ${services.join(",")}`);
      });
  });

  await test("the UTC toggle shows times in UTC and keeps it in the URL", async () => {
    // The list recycles row elements: follow one event by its index.
    const index = await waitFor("a visible row", () =>
      page.evaluate(() => Array.from(document.querySelectorAll(".vlist .row[data-level]")).find((e) => e.style.display !== "none")?.dataset.index),
    );
    const firstTime = async () => page.$eval(`.vlist .row[data-level][data-index="${index}"] .ts`, (e) => e.textContent);
    const secs = (t) => {
      const [hh, mm, ss] = t.split(":").map(Number);
      return hh * 3600 + mm * 60 + ss;
    };
    const local = await firstTime();
    await page.click("button[title='Toggle local time / UTC']");
    await waitFor("tz=utc in the URL", () => urlParams().get("tz") === "utc");
    assert((await page.textContent("button[title='Toggle local time / UTC']")) === "UTC", "the button says UTC");
    const utc = await firstTime();
    const diff = (((secs(local) - secs(utc)) % 86400) + 86400) % 86400;
    assert(Math.round(diff) === TZ_OFFSET_MIN * 60, `local ${local} is UTC ${utc} + ${TZ_OFFSET_MIN} min`);
    assert((await page.getAttribute(".histogram", "data-utc")) === "true", "the histogram's time axis is in UTC too");
    await nextFrames(page);
    await page.screenshot({ path: join(outDir, "utc.png") });
    await page.click("button[title='Toggle local time / UTC']");
    await waitFor("back to local time", async () => urlParams().get("tz") === null && (await firstTime()) === local);
    assert((await page.getAttribute(".histogram", "data-utc")) === "false", "the histogram's time axis is local again");
  });

  await test("events produced while the live connection was down are shown after it reconnects", async () => {
    const observer = await tailObserver("produced while disconnected");
    // The page's tail goes through Playwright, which can drop it and hold the reconnection
    // until events produced meanwhile were sent to the other clients.
    let connections = 0;
    let first = null;
    await page.routeWebSocket(/\/api\/v1\/tail/, async (ws) => {
      const n = ++connections;
      if (n === 1) {
        first = { page: ws, server: ws.connectToServer() };
        return;
      }
      if (n === 2) {
        const gap = [];
        for (let i = 0; i < 15; i++) gap.push(event("WARN", `produced while disconnected ${i}`));
        produce(topics.processed, gap);
        await waitFor("the live stream sent them", async () => (await observer.seen()) === 15);
      }
      ws.connectToServer();
    });
    try {
      await page.fill(".search", "");
      await page.press(".search", "Enter");
      await waitFor("the routed tail is live", async () => first !== null && (await page.textContent(".tail-status")).includes("live"));
      await waitFor("everything so far listed", async () => (await shownCount()) === produced());
      await first.server.close();
      await first.page.close();
      await waitFor("reconnected", () => connections >= 2);
      await waitFor(`all ${produced()} events listed`, async () => (await shownCount()) === produced());
      await waitFor("live again", async () => (await page.textContent(".tail-status")).includes("live"));
      await waitFor("the gap's events in view", async () => (await rowTexts()).filter((t) => t.includes("produced while disconnected")).length === 15);
    } finally {
      await observer.page.close();
    }
  });

  await test("no page errors (CSP violations included)", async () => {
    assert(pageErrors.length === 0, pageErrors.join("\n"));
  });

  // The README picture: the live view with every event, the histogram and facets up to date.
  await page.fill(".search", "");
  await page.press(".search", "Enter");
  await waitFor("all events listed", async () => (await shownCount()) === produced());
  await waitFor("aggregates up to date", async () => (await facetTotal()) === produced() && (await histogram()).total === produced(), 20_000);
  // The health strip refreshes every 2 s; the page's own subscription counts once it did.
  await waitFor("health strip up to date", async () => (await page.locator(".metric", { hasText: "tail clients" }).locator(".metric-value").textContent()) === "1");
  await page.screenshot({ path: join(outDir, "overview.png") });
  if (process.env.LT_E2E_README_SCREENSHOT === "1") {
    await page.setViewportSize({ width: 1280, height: 720 });
    await waitFor("the histogram resized", () =>
      page.evaluate(() => {
        const plot = document.querySelector(".histogram .uplot");
        return plot && Math.abs(plot.getBoundingClientRect().width - document.querySelector(".histogram").clientWidth) < 2;
      }));
    await nextFrames(page);
    const shot = join(root, "docs/screenshot.png");
    await page.screenshot({ path: shot });
    console.log(`wrote ${shot} (${statSync(shot).size} bytes)`);
  }
} finally {
  await context.close().catch(() => {});
  await stopProcess(dash);
  rmSync(work, { recursive: true, force: true });
}

const passed = results.filter((r) => r[1]).length;
const failed = results.length - passed;
console.log(`screenshots in ${outDir}`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 && passed > 0 ? 0 : 1);
