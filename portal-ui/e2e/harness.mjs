// Starts a real `lyre` on a fresh SQLite database and free ports, and a headless Chromium.
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const here = dirname(fileURLToPath(import.meta.url));
export const uiDir = resolve(here, "..");
export const screenshotDir = join(uiDir, "test-results");
export const ADMIN_PASSWORD = "e2e-admin-password";

export function freePort() {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolvePort(port));
    });
  });
}

/**
 * Starts `lyre` (LYRE_BIN, or the workspace's debug build) and waits until it serves.
 * `toml(portalUrl)` may give the text of its lyre.toml (e.g. a `[sign_in]` table), and
 * `portal` a port to listen on.
 */
export async function startLyre({ toml, portal: portalPort } = {}) {
  const bin = process.env.LYRE_BIN ?? resolve(uiDir, "../target/debug/lyre");
  const dir = mkdtempSync(join(tmpdir(), "lyre-e2e-"));
  const [portal, config, admin] = [portalPort ?? (await freePort()), await freePort(), await freePort()];
  if (toml) writeFileSync(join(dir, "lyre.toml"), toml(`http://127.0.0.1:${portal}`));
  const child = spawn(bin, [], {
    cwd: dir,
    env: {
      PATH: process.env.PATH,
      // A UI built after the binary may be served from its folder instead of the copy inside.
      ...(process.env.LYRE_UI_DIR ? { LYRE_UI_DIR: process.env.LYRE_UI_DIR } : {}),
      LYRE_PORTAL_ADDR: `127.0.0.1:${portal}`,
      LYRE_CONFIG_ADDR: `127.0.0.1:${config}`,
      LYRE_ADMIN_ADDR: `127.0.0.1:${admin}`,
      LYRE_ADMIN_PASSWORD: ADMIN_PASSWORD,
      LYRE_CONFIG_URL: `http://127.0.0.1:${config}`,
      LYRE_ADMIN_URL: `http://127.0.0.1:${admin}`,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stderr.on("data", (chunk) => (output += chunk));
  await new Promise((resolveStart, reject) => {
    const timer = setTimeout(() => reject(new Error(`lyre did not start:\n${output}`)), 30_000);
    child.stdout.on("data", (chunk) => {
      output += chunk;
      if (output.includes("Sign in at")) {
        clearTimeout(timer);
        resolveStart();
      }
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`lyre exited with ${code}:\n${output}`));
    });
  });
  return {
    url: `http://127.0.0.1:${portal}`,
    /** The config service (and meta server), where applications read their configuration. */
    configUrl: `http://127.0.0.1:${config}`,
    async stop() {
      child.kill("SIGTERM");
      await new Promise((r) => (child.exitCode === null ? child.once("exit", r) : r()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A headless Debian Chromium, with the flags this sandbox needs. */
export async function launchBrowser() {
  mkdirSync(screenshotDir, { recursive: true });
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

export function screenshotPath(name) {
  return join(screenshotDir, `${name}.png`);
}

/**
 * The portal's API as `username`, for preparing what a test needs (users, apps, roles) without
 * clicking through it. `call(method, path, body)` answers the parsed JSON (or null) and throws
 * on an error status.
 */
export async function apiAs(url, username, password) {
  const login = await fetch(`${url}/api/v1/auth/login`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ username, password }),
  });
  if (!login.ok) {
    throw new Error(`signing in as ${username}: ${login.status} ${await login.text()}`);
  }
  const { token } = await login.json();
  const call = async (method, path, body) => {
    const response = await fetch(`${url}${path}`, {
      method,
      headers: {
        Authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { "Content-Type": "application/json" }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    if (!response.ok) {
      throw new Error(`${method} ${path}: ${response.status} ${text}`);
    }
    return text ? JSON.parse(text) : null;
  };
  return { token, call };
}

/** Creates a user (as the super admin) and answers their password. */
export async function createUser(admin, username, displayName = username) {
  const password = `${username}-password-1`;
  await admin.call("POST", "/api/v1/users", { username, displayName, password });
  return password;
}

/** Signs `page` in through the sign-in form and waits until the signed-in frame shows. */
export async function signIn(page, url, username, password) {
  await page.goto(url);
  await page.getByLabel("User name").fill(username);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByTestId("current-user").waitFor();
}

/** A browser context and page in a 1280 px window, recording failed requests. */
export async function newPage(browser, viewport = { width: 1280, height: 860 }) {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  const failed = [];
  page.on("requestfailed", (r) => failed.push(r.url()));
  return { context, page, failed };
}

/**
 * The hash Lyre's SDK sends for a schema, as `lyre_protocol::schema_hash` computes it: the
 * SHA-256 of its canonical JSON (keys sorted at every level, no whitespace), 16 hex digits.
 */
export function schemaHash(document) {
  const canonical = (v) =>
    Array.isArray(v)
      ? `[${v.map(canonical).join(",")}]`
      : v !== null && typeof v === "object"
        ? `{${Object.keys(v)
            .sort()
            .map((k) => `${JSON.stringify(k)}:${canonical(v[k])}`)
            .join(",")}}`
        : JSON.stringify(v);
  return createHash("sha256").update(canonical(document)).digest("hex").slice(0, 16);
}
