// Shared by the e2e suites: bounded waiting, and Debian's headless Chromium driven
// by playwright-core (never a downloaded browser), with a fresh profile.
import { join } from "node:path";
import { createRequire } from "node:module";

export async function waitFor(what, fn, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  let last;
  while (Date.now() < deadline) {
    try {
      last = await fn();
      if (last) return last;
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what} (last: ${last})`);
}

// `options` go to launchPersistentContext as well (timezoneId, say).
export function launchChromium(root, profileDir, options = {}) {
  const require = createRequire(join(root, "tests", "package.json"));
  const { chromium } = require("playwright-core");
  return chromium.launchPersistentContext(profileDir, {
    executablePath: "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
           "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    viewport: { width: 1400, height: 820 },
    ...options,
  });
}

// Resolves after the page rendered two more frames: what a DOM event just changed is painted.
export function nextFrames(page) {
  return page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(() => r()))));
}

// Starts `logtracer dashboard --config FILE [extraArgs]` on an ephemeral port; resolves with
// { proc, url, log } once it printed its URL, rejects (and kills it) otherwise.
export async function startDashboard(binary, config, { timeoutMs = 30_000, extraArgs = [] } = {}) {
  const { spawn } = await import("node:child_process");
  const proc = spawn(binary, ["dashboard", "--config", config, "--listen", "127.0.0.1:0", ...extraArgs], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let log = "";
  proc.stderr.on("data", (d) => (log += d));
  const url = await new Promise((resolveUrl, reject) => {
    let out = "";
    const timer = setTimeout(() => reject(new Error(`dashboard did not start:\n${log}`)), timeoutMs);
    proc.stdout.on("data", (d) => {
      out += d;
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolveUrl(m[1]);
      }
    });
    proc.on("exit", (code) => reject(new Error(`dashboard exited (${code}):\n${log}`)));
  }).catch((e) => {
    proc.kill("SIGKILL");
    throw e;
  });
  return { proc, url, log: () => log };
}

// SIGTERM, then SIGKILL after a bounded wait; resolves once the process is gone.
export function stopProcess(proc, graceMs = 10_000) {
  return new Promise((r) => {
    if (proc.exitCode !== null || proc.signalCode !== null) return r();
    const t = setTimeout(() => {
      proc.kill("SIGKILL");
      r();
    }, graceMs);
    proc.on("exit", () => {
      clearTimeout(t);
      r();
    });
    proc.kill("SIGTERM");
  });
}
