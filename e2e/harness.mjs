// Shared start-up for the browser tests: a real `omni serve --demo` (small demo chain, SQLite
// in a temporary directory) on a free port, its printed demo keys, Debian's headless Chromium
// driven by playwright-core, the "usable" wait behind the 300 ms budget, and screenshots in
// e2e/screenshots/.
import { spawn } from "node:child_process";
import { mkdtempSync, mkdirSync, rmSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import assert from "node:assert/strict";
import { chromium } from "playwright-core";

const here = dirname(fileURLToPath(import.meta.url));
const targetDir = process.env.CARGO_TARGET_DIR || join(here, "..", "target");
// The release build: the budgets below are about what users run.
export const omniBin = process.env.OMNI_BIN || join(targetDir, "release", "omni");
export const chromiumPath = process.env.CHROMIUM || "/usr/bin/chromium";
export const shots = join(here, "screenshots");
/** The budget: no screen takes longer than this to become usable. */
export const USABLE_MS = 300;

/**
 * Starts `omni serve --demo` and Chromium. Resolves to `{ base, keys, browser, stop }`:
 * `keys` maps the printed names (`admin`, `app:web`, `associate (MSK-001)`, …) to tokens.
 */
export async function startDemo() {
  assert.ok(existsSync(omniBin), `build the binary first: ${omniBin}`);
  assert.ok(existsSync(chromiumPath), `install Debian's chromium: ${chromiumPath}`);
  mkdirSync(shots, { recursive: true });
  const dataDir = mkdtempSync(join(tmpdir(), "omni-e2e-"));
  const server = spawn(omniBin, ["serve", "--demo", "--data-dir", dataDir, "--listen", "127.0.0.1:0"], {
    env: { ...process.env, RUST_LOG: "warn" },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const keys = {};
  let browser;
  const stop = async () => {
    await browser?.close();
    server.kill("SIGTERM");
    rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    const base = await new Promise((resolve, reject) => {
      let out = "";
      const timer = setTimeout(() => reject(new Error(`omni serve did not start:\n${out}`)), 60_000);
      server.on("exit", (code) => reject(new Error(`omni serve exited with ${code}:\n${out}`)));
      server.stdout.on("data", (chunk) => {
        out += chunk;
        for (const line of out.split("\n")) {
          const key = line.match(/^\s+(\S+).*?\s(omk_\S+)$/);
          if (key) keys[key[1]] = key[2];
        }
        const url = out.match(/listening on (http:\/\/\S+)/);
        if (url) { clearTimeout(timer); resolve(url[1]); }
      });
    });
    browser = await chromium.launch({
      executablePath: chromiumPath,
      args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    });
    return { base, keys, browser, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** A JSON API call outside the browser (set-up and checks). */
export async function apiCall(base, method, path, key, body, headers = {}) {
  const res = await fetch(base + path, {
    method,
    headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json", ...headers },
    body: body && JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

/** Waits until the page marks `view` usable (`body[data-ready=view]`); returns the ms since `since`. */
export async function usable(page, view, since) {
  await page.waitForSelector(`body[data-ready="${view}"]`, { timeout: 10_000 });
  return Date.now() - since;
}

/**
 * Records how long a view took to become usable; `assertBudget` then fails the test for every
 * view over the budget at once (so one run shows all the figures).
 */
export function withinBudget(timings, name, took) {
  timings[name] = took;
}

export function assertBudget(timings, budget = USABLE_MS) {
  const over = Object.entries(timings).filter(([, ms]) => ms >= budget);
  assert.deepEqual(over, [], `over the ${budget} ms budget: ${JSON.stringify(Object.fromEntries(over))}`);
}

/** Saves a screenshot as e2e/screenshots/<name>.png. */
export async function screenshot(page, name, fullPage = false) {
  await page.screenshot({ path: join(shots, `${name}.png`), fullPage });
}

/** A phone-sized browser context (its own storage: a separate device). */
export const PHONE = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 };
/** A laptop-sized browser context. */
export const LAPTOP = { viewport: { width: 1280, height: 860 } };
