// End-to-end: the real `logtracer dashboard` reading the real local Kafka broker,
// driven in Debian's headless Chromium through playwright-core. Events are
// produced into fresh topics with kcat, so this is the production path.
//
//   LT_BINARY=build/release/logtracer node tests/e2e/dashboard.e2e.mjs
// Env: LT_KAFKA_BROKERS (127.0.0.1:9092), LT_E2E_OUT (build/e2e-screenshots),
//      LT_E2E_README_SCREENSHOT=1 also writes docs/screenshot.png.
import { spawnSync } from "node:child_process";
import { mkdtempSync, mkdirSync, rmSync, writeFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { launchChromium, startDashboard, stopProcess, waitFor } from "./common.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const root = process.env.LT_SOURCE_DIR || resolve(here, "../..");

const binary = process.env.LT_BINARY || join(root, "build/release/logtracer");
const brokers = process.env.LT_KAFKA_BROKERS || "127.0.0.1:9092";
const outDir = process.env.LT_E2E_OUT || join(root, "build/e2e-screenshots");
mkdirSync(outDir, { recursive: true });

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
const context = await launchChromium(root, join(work, "chromium-profile")).catch((e) => {
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

const rowTexts = () => page.$$eval(".vlist .row", (els) => els.filter((e) => e.style.display !== "none").map((e) => e.textContent));
const rowLevels = () =>
  page.$$eval(".vlist .row[data-level]", (els) => els.filter((e) => e.style.display !== "none").map((e) => e.getAttribute("data-level")));

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
    const row = page.locator(".vlist .row:visible", { hasText: "xss-marker" }).first();
    await row.waitFor({ timeout: 30_000 });
    await row.click();
    await waitFor("detail", () => page.$(".detail:not(.hidden) pre.message"));
    await page.click(".detail button:has-text('Show context')");
    await waitFor("context", () => page.$(".context .ctx-row.center"));
    await page.hover(".vlist .row");
    await page.waitForTimeout(300);
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

  await test("alerts and failures views show what Kafka carried", async () => {
    produce(topics.alerts, [
      JSON.stringify({ alert_id: "a1b2", state: "firing", rule: "checkout-errors", severity: "critical", group_key: "service=checkout", query: "service:checkout level>=ERROR", message: "12 errors in 1m <b>bold?</b>", started_at: new Date().toISOString(), count: 12 }),
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
    await page.click(".tab:has-text('Logs')");
  });

  await test("no page errors (CSP violations included)", async () => {
    assert(pageErrors.length === 0, pageErrors.join("\n"));
  });

  // The README picture: a calm live view with mixed levels.
  await page.fill(".search", "");
  await page.press(".search", "Enter");
  const demo = [];
  const msgs = [
    ["INFO", "GET /api/cart 200 in 12 ms"],
    ["DEBUG", "cache hit key=cart:u-42"],
    ["WARN", "retrying payment: connection refused (attempt 2/5)"],
    ["INFO", "POST /api/checkout 201 in 84 ms"],
    ["ERROR", "POST /api/checkout failed: upstream timeout after 3000 ms"],
    ["INFO", "user u-9 logged in"],
  ];
  for (let i = 0; i < 60; i++) demo.push(event(msgs[i % msgs.length][0], msgs[i % msgs.length][1]));
  produce(topics.processed, demo);
  await waitFor("demo rows", async () => (await rowTexts()).length > 40).catch(() => {});
  await page.waitForTimeout(5500); // one histogram/facets refresh
  await page.screenshot({ path: join(outDir, "overview.png") });
  if (process.env.LT_E2E_README_SCREENSHOT === "1") {
    await page.setViewportSize({ width: 1280, height: 720 });
    await page.waitForTimeout(300);
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
