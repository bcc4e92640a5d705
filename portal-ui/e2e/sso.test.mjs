// Signing in through the company's identity provider, end to end in a real browser: a real
// OpenID Connect provider (oidc-provider, `oidc.mjs`), its login form, and back into a real
// `lyre` whose groups-to-roles mapping gives the user their roles.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { ADMIN_PASSWORD, apiAs, createUser, freePort, launchBrowser, screenshotPath, startLyre } from "./harness.mjs";
import { OIDC_CLIENT_ID, OIDC_CLIENT_SECRET, OIDC_USERS, startProvider } from "./oidc.mjs";

/** Seconds an authorization code lives at the test provider. */
const CODE_TTL_SECS = 4;

let provider;
let lyre;
let browser;
let admin;

function signInToml(issuer) {
  return (portal) => `
[sign_in.oidc]
name = "Test SSO"
issuer = "${issuer}"
client_id = "${OIDC_CLIENT_ID}"
client_secret = "${OIDC_CLIENT_SECRET}"
redirect_url = "${portal}/api/v1/auth/oidc/callback"

[sign_in.groups]
"lyre-admins" = ["SuperAdmin"]
"shop-devs" = ["Master+shop", "ReleaseNamespace+shop+application+DEV"]
`;
}

before(async () => {
  const port = await freePort();
  const portal = `http://127.0.0.1:${port}`;
  provider = await startProvider({
    redirectUris: [`${portal}/api/v1/auth/oidc/callback`],
    postLogoutRedirectUris: [`${portal}/login`],
    codeTtlSecs: CODE_TTL_SECS,
  });
  lyre = await startLyre({ portal: port, toml: signInToml(provider.issuer) });
  browser = await launchBrowser();
  admin = await apiAs(lyre.url, "admin", ADMIN_PASSWORD);
});

after(async () => {
  await browser?.close();
  await lyre?.stop();
  await provider?.stop();
});

/** Leaves the portal's sign-in page for the provider's login form and fills it in. */
async function atProvider(page, username) {
  await page.getByTestId("sign-in-oidc").click();
  await page.getByRole("heading", { name: "Sign in to the test provider" }).waitFor();
  await page.locator('input[name="login"]').fill(username);
  await page.locator('input[name="password"]').fill(OIDC_USERS[username].password);
}

async function submitAtProvider(page) {
  await page.getByRole("button", { name: "Sign in" }).click();
}

/** The sign-in page's alert, once it shows. */
async function alertText(page) {
  const alert = page.getByRole("alert");
  await alert.waitFor();
  return alert.innerText();
}

test("signing in through the provider creates the user with the roles of their groups and lands on the apps", async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
  const page = await context.newPage();
  await page.goto(lyre.url);
  await page.getByRole("heading", { name: "Sign in to Lyre" }).waitFor();
  // The provider's button, and the password form kept for super admins.
  await page.getByTestId("sign-in-oidc").filter({ hasText: "Sign in with Test SSO" }).waitFor();
  await page.getByText("or, for super admins, a password").waitFor();
  await page.screenshot({ path: screenshotPath("sso-signin"), fullPage: true });

  await atProvider(page, "alice");
  await page.screenshot({ path: screenshotPath("sso-provider-login"), fullPage: true });
  await submitAtProvider(page);
  await page.getByRole("heading", { name: "Apps", exact: true }).waitFor();
  assert.equal(new URL(page.url()).pathname, "/");
  assert.match(await page.getByTestId("current-user").innerText(), /Alice Liddell/);

  // Her account says where she signs in and where each role came from.
  await page.goto(`${lyre.url}/account`);
  await page.getByTestId("account-source").filter({ hasText: "OpenID Connect" }).waitFor();
  const roles = await page.getByTestId("account-roles").innerText();
  assert.match(roles, /Master\+shop\s+from group shop-devs/);
  assert.match(roles, /ReleaseNamespace\+shop\+application\+DEV\s+from group shop-devs/);
  assert.equal(await page.getByRole("heading", { name: "Change password" }).count(), 0, "no local password to change");
  await page.screenshot({ path: screenshotPath("sso-account"), fullPage: true });

  // The super admin sees her as a provider's user, whose password Lyre cannot reset.
  const users = await admin.call("GET", "/api/v1/users?search=alice");
  const alice = users.items.find((u) => u.username === "alice");
  assert.equal(alice.source, "oidc");
  assert.equal(alice.email, "alice@lyre.test");
  const reset = await fetch(`${lyre.url}/api/v1/users/alice/password`, {
    method: "POST",
    headers: { Authorization: `Bearer ${admin.token}`, "Content-Type": "application/json" },
    body: JSON.stringify({ password: "a-new-password" }),
  });
  assert.equal(reset.status, 409);

  // The app's permissions show her mapped roles and where they come from.
  await admin.call("POST", "/api/v1/apps", { appId: "shop", name: "Shop", ownerName: "admin" });
  await page.goto(`${lyre.url}/apps/shop?tab=permissions`);
  await page.getByText("from group shop-devs, at each sign-in").first().waitFor();
  await context.close();
});

test("a local user other than a super admin is refused a password sign-in once a provider is configured", async () => {
  const password = await createUser(admin, "bob", "Bob");
  const login = await fetch(`${lyre.url}/api/v1/auth/login`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ username: "bob", password }),
  });
  assert.equal(login.status, 403);
  assert.match((await login.json()).message, /kept for super admins here; sign in with Test SSO/);
});

test("signing out ends the session in Lyre and at the provider", async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(lyre.url);
  await atProvider(page, "carol");
  await submitAtProvider(page);
  await page.getByRole("heading", { name: "Apps", exact: true }).waitFor();
  // Carol's group makes her a super admin: the Users page is hers.
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Users" }).waitFor();

  await page.getByRole("button", { name: "Sign out" }).click();
  await page.getByRole("heading", { name: "Sign in to Lyre" }).waitFor();
  assert.equal(new URL(page.url()).origin, lyre.url, "back from the provider's end-session page");
  // The provider's session ended too: signing in again asks for the password.
  await page.getByTestId("sign-in-oidc").click();
  await page.getByRole("heading", { name: "Sign in to the test provider" }).waitFor();
  await context.close();
});

test("an answer whose state was not this browser's is refused with a clear page", async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  // No sign-in started in this browser at all.
  const response = await page.goto(`${lyre.url}/api/v1/auth/oidc/callback?code=forged&state=forged`);
  assert.equal(response.status(), 200, "the sign-in page, not an error status");
  assert.match(await alertText(page), /not started in this browser/);

  // A sign-in started here, answered with another state.
  await page.goto(lyre.url);
  await atProvider(page, "alice");
  await page.goto(`${lyre.url}/api/v1/auth/oidc/callback?code=forged&state=another`);
  assert.match(await alertText(page), /does not belong to the sign-in this browser started/);
  assert.equal(new URL(page.url()).pathname, "/", "the address is cleaned");
  await page.screenshot({ path: screenshotPath("sso-wrong-state"), fullPage: true });
  await context.close();
});

test("a link cannot make the sign-in page say what its author wants", async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${lyre.url}/login?error=provider&message=${encodeURIComponent("Your account is locked: call +1 555 0100")}`);
  const text = await alertText(page);
  assert.doesNotMatch(text, /call \+1 555/);
  assert.match(text, /Signing in through the identity provider failed; try again/);
  await context.close();
});

test("an ID token with another nonce is refused with a clear page", async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  // Someone swaps the nonce on the way to the provider; the ID token then carries theirs.
  const start = await context.request.get(`${lyre.url}/api/v1/auth/oidc/start`, { maxRedirects: 0 });
  assert.equal(start.status(), 303);
  const authorize = new URL(start.headers().location);
  assert.equal(authorize.origin, provider.issuer);
  authorize.searchParams.set("nonce", "a-nonce-of-someone-else");
  await page.goto(authorize.toString());
  await page.locator('input[name="login"]').fill("alice");
  await page.locator('input[name="password"]').fill(OIDC_USERS.alice.password);
  await submitAtProvider(page);
  assert.match(await alertText(page), /not issued for this sign-in \(its nonce differs\)/);
  await context.close();
});

/**
 * Submits the provider's login form but holds the browser before its way back to the portal:
 * answers the portal URL (with the code) the provider sends it to.
 */
async function heldAtProvider(page) {
  let back;
  const isLoginPost = (url) => url.origin === provider.issuer && url.pathname.startsWith("/interaction/");
  await page.route(isLoginPost, async (route) => {
    if (route.request().method() !== "POST") return route.continue();
    let response = await route.fetch({ maxRedirects: 0 });
    let location = response.headers().location;
    while (location && !location.startsWith(lyre.url)) {
      const next = new URL(location, provider.issuer).toString();
      response = await page.context().request.get(next, { maxRedirects: 0 });
      location = response.headers().location;
    }
    back = location;
    await route.fulfill({ status: 200, contentType: "text/html", body: "<p>held on the way back</p>" });
  });
  await submitAtProvider(page);
  await page.getByText("held on the way back").waitFor();
  assert.ok(back?.includes("code="), `the provider sends the browser back with a code, not ${back}`);
  return back;
}

test("an expired code is refused with a clear page", async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(lyre.url);
  await atProvider(page, "alice");
  const back = await heldAtProvider(page);
  // Back only once the code has expired at the provider.
  await new Promise((r) => setTimeout(r, (CODE_TTL_SECS + 2) * 1000));
  await page.goto(back);
  assert.match(await alertText(page), /refused the sign-in code: it expired or was used already/);
  await context.close();
});

test("a disabled user's sessions end and the provider cannot sign them in again", async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(lyre.url);
  await atProvider(page, "dave");
  await submitAtProvider(page);
  await page.getByRole("heading", { name: "Apps", exact: true }).waitFor();
  await admin.call("PUT", "/api/v1/users/dave", { enabled: false });
  await page.reload();
  await page.getByRole("heading", { name: "Sign in to Lyre" }).waitFor();
  await page.getByTestId("sign-in-oidc").click();
  // Still signed in at the provider: straight back, and refused.
  assert.match(await alertText(page), /this account is disabled/);
  await context.close();
});

test("a provider that is down gives a clear page, at the start and on the way back", async () => {
  // A portal whose provider has never answered.
  const deadPort = await freePort();
  const orphan = await startLyre({ toml: signInToml(`http://127.0.0.1:${deadPort}`) });
  try {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(orphan.url);
    await page.getByTestId("sign-in-oidc").click();
    assert.match(await alertText(page), /Test SSO could not be asked who you are/);
    await page.screenshot({ path: screenshotPath("sso-provider-down"), fullPage: true });
    await context.close();
  } finally {
    await orphan.stop();
  }

  // The provider goes down while the user is on the way back with a code.
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(lyre.url);
  await atProvider(page, "alice");
  const back = await heldAtProvider(page);
  await provider.stop();
  await page.goto(back);
  assert.match(await alertText(page), /Test SSO could not be reached to finish signing in/);
  await context.close();
});
