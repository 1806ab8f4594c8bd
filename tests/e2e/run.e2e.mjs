// End-to-end: `logtracer run` — the command `make run` ends in — brings the
// dashboard up with live demo logs (no Kafka), seen in Debian's headless Chromium;
// SIGINT stops it cleanly. The only difference from `make run` is the port (0).
//
//   LT_BINARY=build/release/logtracer node tests/e2e/run.e2e.mjs
import { spawn } from "node:child_process";
import { mkdtempSync, mkdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { launchChromium, waitFor } from "./common.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const root = process.env.LT_SOURCE_DIR || resolve(here, "../..");
const binary = process.env.LT_BINARY || join(root, "build/release/logtracer");
const outDir = process.env.LT_E2E_OUT || join(root, "build/e2e-screenshots");
mkdirSync(outDir, { recursive: true });
const work = mkdtempSync(join(tmpdir(), "lt-e2e-run-"));

// Run from the source tree, like `make run`, so the demo finds the GeoIP database scripts/setup installed.
const proc = spawn(binary, ["run", "--listen", "127.0.0.1:0"], { cwd: root, stdio: ["ignore", "pipe", "pipe"] });
let log = "";
proc.stderr.on("data", (d) => (log += d));
const exited = new Promise((r) => proc.on("exit", (code, signal) => r({ code, signal })));
const url = await new Promise((resolveUrl, reject) => {
  let out = "";
  const timer = setTimeout(() => reject(new Error(`logtracer run did not print its URL:\n${log}`)), 30_000);
  proc.stdout.on("data", (d) => {
    out += d;
    const m = /open (http:\/\/\S+)/.exec(out);
    if (m) {
      clearTimeout(timer);
      resolveUrl(m[1]);
    }
  });
});

let failures = 0;
const context = await launchChromium(root, join(work, "profile"));
try {
  const page = context.pages()[0] ?? (await context.newPage());
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  await page.goto(url);
  const rows = () => page.$$eval(".vlist .row", (els) => els.filter((e) => e.style.display !== "none").map((e) => e.textContent));
  const check = async (name, fn) => {
    try {
      await fn();
      console.log(`ok   ${name}`);
    } catch (e) {
      failures++;
      console.log(`FAIL ${name}: ${e.stack ?? e}`);
    }
  };
  await check("live demo logs appear", () => waitFor("20 rows", async () => (await rows()).length >= 20));
  await check("they keep coming", async () => {
    const stats = async () => (await (await fetch(`${url}/api/v1/stats`)).json()).ingested_total;
    const before = await stats();
    await waitFor("more events", async () => (await stats()) > before + 50);
  });
  await check("the demo's services are in the facets", async () => {
    const facets = await (await fetch(`${url}/api/v1/facets`)).json();
    const text = JSON.stringify(facets);
    for (const s of ["checkout", "payments", "auth"]) if (!text.includes(s)) throw new Error(`no ${s} in ${text}`);
  });
  await check("events are processed (enriched) before they are shown", async () => {
    const page1 = await (await fetch(`${url}/api/v1/events?limit=50`)).json();
    const enriched = page1.events.filter((e) => e.attributes && e.attributes.cluster === "demo");
    if (enriched.length === 0) throw new Error("no event carries the demo's static field cluster=demo");
  });
  await check("no page errors", async () => {
    if (errors.length) throw new Error(errors.join("\n"));
  });
  await page.screenshot({ path: join(outDir, "run-demo.png") });
} finally {
  await context.close();
}
proc.kill("SIGINT");
const { code, signal } = await Promise.race([exited, new Promise((r) => setTimeout(() => r({ code: "timeout" }), 20_000))]);
if (code !== 0) {
  failures++;
  console.log(`FAIL Ctrl-C stops cleanly: exit ${code} ${signal ?? ""}\n${log.slice(-2000)}`);
  proc.kill("SIGKILL");
} else {
  console.log("ok   Ctrl-C stops cleanly (exit 0)");
}
rmSync(work, { recursive: true, force: true });
console.log(`${5 + 1 - failures} passed, ${failures} failed`);
process.exit(failures ? 1 : 0);
