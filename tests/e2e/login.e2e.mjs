// End-to-end: a dashboard with dashboard.auth in Debian's headless Chromium —
// the login form appears instead of data, a wrong password is refused inline,
// the right one opens the app (API and live-tail WebSocket through the HttpOnly
// cookie), and logging out brings the form back with the session gone.
//
//   LT_BINARY=build/release/logtracer node tests/e2e/login.e2e.mjs
import { spawnSync } from "node:child_process";
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { launchChromium, startDashboard, stopProcess, waitFor } from "./common.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const root = process.env.LT_SOURCE_DIR || resolve(here, "../..");
const binary = process.env.LT_BINARY || join(root, "build/release/logtracer");
const outDir = process.env.LT_E2E_OUT || join(root, "build/e2e-screenshots");
mkdirSync(outDir, { recursive: true });
const work = mkdtempSync(join(tmpdir(), "lt-e2e-login-"));

const hashed = spawnSync(binary, ["hash-password"], { input: "wonderland\n", encoding: "utf8" });
if (hashed.status !== 0) throw new Error(`hash-password failed: ${hashed.stderr}`);
const config = join(work, "dashboard.yaml");
writeFileSync(
  config,
  `dashboard:\n  listen: 127.0.0.1:0\n  auth:\n    users:\n      - username: alice\n        password_hash: "${hashed.stdout.trim()}"\n`,
);

const { proc, url } = await startDashboard(binary, config, { extraArgs: ["--no-kafka"] });

let failures = 0;
let passed = 0;
const context = await launchChromium(root, join(work, "profile"));
try {
  const page = context.pages()[0] ?? (await context.newPage());
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  const check = async (name, fn) => {
    try {
      await fn();
      passed++;
      console.log(`ok   ${name}`);
    } catch (e) {
      failures++;
      console.log(`FAIL ${name}: ${e.stack ?? e}`);
    }
  };
  const loginVisible = () => page.$eval(".login-page", (el) => !el.classList.contains("hidden"));
  const apiStatus = () => page.evaluate(async () => (await fetch("/api/v1/stats")).status);

  await page.goto(url);
  await check("the login form is shown, not data", async () => {
    await waitFor("login form", loginVisible);
    if ((await apiStatus()) !== 401) throw new Error("the API answered without a session");
  });
  await page.screenshot({ path: join(outDir, "login.png") });
  await check("a wrong password is refused inline, without saying which part was wrong", async () => {
    await page.fill('input[name="username"]', "alice");
    await page.fill('input[name="password"]', "looking-glass");
    await page.click('.login button[type="submit"]');
    await waitFor("error text", async () => (await page.textContent(".login-error")) === "wrong username or password");
    if (!(await loginVisible())) throw new Error("the form went away");
  });
  await check("the right password opens the app and its live tail", async () => {
    await page.fill('input[name="password"]', "wonderland");
    await page.click('.login button[type="submit"]');
    await waitFor("app", async () => !(await loginVisible()));
    await waitFor("live tail connected", async () => (await page.textContent(".tail-status")).includes("live"));
    if ((await apiStatus()) !== 200) throw new Error("the API refused the session");
  });
  await check("the session cookie is invisible to scripts (HttpOnly)", async () => {
    const visible = await page.evaluate(() => document.cookie);
    if (visible.includes("lt_session")) throw new Error(`document.cookie shows ${visible}`);
    const cookies = await context.cookies(url);
    const c = cookies.find((x) => x.name === "lt_session");
    if (!c || !c.httpOnly || c.sameSite !== "Strict") throw new Error(JSON.stringify(cookies));
  });
  await check("logging out brings the form back and ends the session", async () => {
    await page.click("text=Log out");
    await waitFor("login form again", loginVisible);
    if ((await apiStatus()) !== 401) throw new Error("the session still works after logout");
  });
  await check("no page errors", async () => {
    if (errors.length) throw new Error(errors.join("\n"));
  });
} finally {
  await context.close();
}
await stopProcess(proc);
rmSync(work, { recursive: true, force: true });
console.log(`${passed} passed, ${failures} failed`);
process.exit(failures ? 1 : 0);
