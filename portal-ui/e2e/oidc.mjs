// Starts the OpenID Connect provider of `oidc-provider.mjs` for a test.
// Client `lyre` / `lyre-test-secret`; users alice, carol and dave with passwords
// `<name>-password`. That file describes the pages a browser meets there.
import { spawn } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { freePort } from "./harness.mjs";

const script = join(dirname(fileURLToPath(import.meta.url)), "oidc-provider.mjs");

export const OIDC_CLIENT_ID = "lyre";
export const OIDC_CLIENT_SECRET = "lyre-test-secret";
/** The provider's users: the user name is also the `sub` and `preferred_username`. */
export const OIDC_USERS = {
  alice: { password: "alice-password", name: "Alice Liddell", email: "alice@lyre.test", groups: ["shop-devs"] },
  carol: { password: "carol-password", name: "Carol Danvers", email: "carol@lyre.test", groups: ["lyre-admins"] },
  dave: { password: "dave-password", name: "Dave Lister", groups: [] },
};

/**
 * Starts the test provider; resolves when its discovery document answers.
 * @param {{ redirectUris: string[], postLogoutRedirectUris?: string[], codeTtlSecs?: number, port?: number }} options
 * `output()` returns what the provider printed so far (for failure messages).
 * @returns {Promise<{ issuer: string, port: number, stop(): Promise<void>, output(): string }>}
 */
export async function startProvider({ redirectUris, postLogoutRedirectUris = [], codeTtlSecs = 60, port } = {}) {
  if (!redirectUris?.length) throw new Error("startProvider needs at least one redirect URI");
  port ??= await freePort();
  const child = spawn(process.execPath, [script], {
    env: {
      ...process.env,
      OIDC_PORT: String(port),
      OIDC_REDIRECT_URIS: redirectUris.join(","),
      OIDC_POST_LOGOUT_REDIRECT_URIS: postLogoutRedirectUris.join(","),
      OIDC_CODE_TTL_SECS: String(codeTtlSecs),
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on("data", (chunk) => (output += chunk));
  child.stderr.on("data", (chunk) => (output += chunk));
  const exited = new Promise((resolveExit) => child.once("exit", resolveExit));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
    await exited;
  };

  const issuer = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 20_000;
  let early = false;
  exited.then(() => (early = true));
  for (;;) {
    if (early) throw new Error(`oidc-provider exited early:\n${output}`);
    try {
      const response = await fetch(`${issuer}/.well-known/openid-configuration`);
      if (response.ok && (await response.json()).issuer === issuer) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`oidc-provider did not start:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { issuer, port, stop, output: () => output };
}
