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

export function launchChromium(root, profileDir) {
  const require = createRequire(join(root, "tests", "package.json"));
  const { chromium } = require("playwright-core");
  return chromium.launchPersistentContext(profileDir, {
    executablePath: "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
           "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    viewport: { width: 1400, height: 820 },
  });
}
