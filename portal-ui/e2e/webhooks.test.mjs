// Webhooks in a real browser against a real `lyre` and a real receiver on this machine: a master
// subscribes an app on its Webhooks tab (an address inside the network is refused at the field),
// sees the secret once, and follows the signed deliveries of published releases through a
// receiver outage and a redelivery; a non-master has no such tab; the super admin subscribes
// the whole installation on the Webhooks page.
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { createServer } from "node:http";
import { after, before, test } from "node:test";
import { ADMIN_PASSWORD, apiAs, createUser, freePort, launchBrowser, newPage, screenshotPath, startLyre } from "./harness.mjs";

let lyre;
let browser;
let admin;
let receiver;
let alicePassword;
let bobPassword;

const nsApi = (app) => `/api/v1/envs/DEV/apps/${app}/clusters/default/namespaces/application`;

/**
 * A receiver of deliveries on 127.0.0.1: it records every request and answers `status` (200
 * unless a test says otherwise).
 */
async function startReceiver() {
  const port = await freePort();
  const received = [];
  const state = { status: 200 };
  const server = createServer((request, response) => {
    const chunks = [];
    request.on("data", (chunk) => chunks.push(chunk));
    request.on("end", () => {
      const status = state.status;
      received.push({ path: request.url, headers: request.headers, body: Buffer.concat(chunks).toString("utf8"), status });
      response.writeHead(status, { "Content-Type": "text/plain" });
      response.end(status < 300 ? "thanks" : "down for maintenance");
    });
  });
  await new Promise((resolve) => server.listen(port, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    state,
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

before(async () => {
  lyre = await startLyre({ toml: () => 'webhook_allow_networks = ["127.0.0.1/32"]\nwebhook_first_retry_ms = 200\n' });
  receiver = await startReceiver();
  browser = await launchBrowser();
  admin = await apiAs(lyre.url, "admin", ADMIN_PASSWORD);
  alicePassword = await createUser(admin, "alice", "Alice Liddell");
  bobPassword = await createUser(admin, "bob", "Bob Builder");
  // alice owns shop (and so is its master); bob may only edit it.
  await admin.call("POST", "/api/v1/apps", { appId: "shop", name: "Shop", ownerName: "alice" });
  await admin.call("POST", "/api/v1/apps/shop/roles", { user: "bob", role: "modify", namespace: "*" });
});

after(async () => {
  await browser?.close();
  await lyre?.stop();
  await receiver?.close();
});

async function signInAs(page, username, password) {
  await page.goto(lyre.url);
  await page.getByLabel("User name").fill(username);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByTestId("current-user").waitFor({ state: "attached" });
}

/** Goes to `to` once the page's requests have settled (a navigation would cancel them). */
async function go(page, to) {
  await page.waitForLoadState("networkidle");
  await page.goto(`${lyre.url}${to}`);
}

const toast = (page, text) => page.getByRole("status").filter({ hasText: text });

/** Closes the toasts, so screenshots show the page and buttons under them can be clicked. */
async function dismissToasts(page) {
  await page.evaluate(() => document.querySelectorAll(".toast-close").forEach((b) => b.click()));
  await page.locator(".toast").first().waitFor({ state: "detached" });
}

/** Saves a screenshot: the whole page from its top, or (with a dialog open) the window. */
async function shot(page, name, { dialog = false } = {}) {
  if (!dialog) await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: screenshotPath(name), fullPage: !dialog });
}

/** Waits until `check()` answers something truthy, and answers it. */
async function until(check, what, timeout = 15_000) {
  const deadline = Date.now() + timeout;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Clicks the deliveries' Refresh until `check()` holds in the page. */
async function refreshUntil(deliveries, check, what, timeout = 15_000) {
  const refresh = deliveries.getByRole("button", { name: "Refresh", exact: true });
  const deadline = Date.now() + timeout;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await refresh.click();
    await deliveries.locator('[aria-busy="true"]').waitFor({ state: "detached" });
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** Whether a request the receiver got is signed with `secret` as Lyre signs deliveries. */
function signedWith(request, secret) {
  const timestamp = request.headers["lyre-timestamp"];
  const expected = `sha256=${createHmac("sha256", secret).update(`${timestamp}.${request.body}`).digest("hex")}`;
  return request.headers["lyre-signature"] === expected;
}

/** Changes shop's one key and publishes it, as `who`. */
async function publish(who, value) {
  await who.call("PUT", `${nsApi("shop")}/items/checkout.timeout`, { value });
  return who.call("POST", `${nsApi("shop")}/releases`, { title: `timeout ${value}` });
}

/** A row's cells as the table shows them. */
async function rowText(row) {
  return (await row.innerText()).replace(/\s+/g, " ").trim();
}

test("a master subscribes the app, sees the secret once, and follows signed deliveries through an outage and a redelivery", async () => {
  const alice = await apiAs(lyre.url, "alice", alicePassword);
  await alice.call("POST", `${nsApi("shop")}/items`, { key: "checkout.timeout", value: "30" });

  const { context, page, failed } = await newPage(browser);
  await signInAs(page, "alice", alicePassword);
  await go(page, "/apps/shop");
  await page.getByRole("tab", { name: "Webhooks" }).click();
  await page.waitForURL(/\/apps\/shop\?tab=webhooks$/);
  assert.equal(await page.getByRole("tab", { name: "Webhooks" }).getAttribute("aria-selected"), "true");
  await page.getByRole("heading", { name: "Webhooks", level: 2 }).waitFor();
  await page.getByText("No webhooks yet").waitFor();
  await page.getByText("A webhook tells another system what happens in shop, as it happens").waitFor();
  await shot(page, "webhooks-empty");

  // What is missing is said at once, without asking the server.
  await page.getByRole("button", { name: "Create webhook" }).click();
  const dialog = page.getByRole("dialog", { name: "Create a webhook" });
  assert.equal(await dialog.getByLabel("Enabled").isChecked(), true, "a new webhook is enabled");
  await dialog.getByRole("button", { name: "Create webhook" }).click();
  await dialog.getByRole("alert").filter({ hasText: "Give the address deliveries are POSTed to" }).waitFor();
  await dialog.getByRole("alert").filter({ hasText: "Tick the events it hears, or All events." }).waitFor();

  // An address inside the network that is not allowed: the server's reason, at the URL field.
  await dialog.getByLabel("URL").fill("http://10.1.2.3/hook");
  await dialog.getByRole("group", { name: "Releases" }).getByLabel("release.published").check();
  await dialog.getByRole("button", { name: "Create webhook" }).click();
  const refusal = dialog.locator(".field").filter({ has: page.getByLabel("URL") }).getByRole("alert");
  await refusal.filter({ hasText: "10.1.2.3, an address inside the network: webhooks may not reach it" }).waitFor();
  assert.match(await refusal.innerText(), /LYRE_WEBHOOK_ALLOW_NETWORKS/);
  assert.equal(await dialog.getByLabel("URL").getAttribute("aria-invalid"), "true");
  await shot(page, "webhooks-refused-address", { dialog: true });

  // "All events" ticks (and locks) every kind; untick it and the choice is back.
  await dialog.getByLabel("All events").check();
  assert.equal(await dialog.getByLabel("rollout.halted").isDisabled(), true);
  assert.equal(await dialog.getByLabel("rollout.halted").isChecked(), true);
  await dialog.getByLabel("All events").uncheck();
  assert.equal(await dialog.getByLabel("rollout.halted").isChecked(), false);
  assert.equal(await dialog.getByLabel("release.published").isChecked(), true);

  // The receiver on this machine is allowed.
  const hookUrl = `${receiver.url}/hook`;
  await dialog.getByLabel("URL").fill(hookUrl);
  await dialog.getByLabel("Description").fill("deploy channel");
  await dialog.getByRole("button", { name: "Create webhook" }).click();
  await dialog.waitFor({ state: "detached" });
  await toast(page, `Webhook to ${hookUrl} created. Copy its secret now.`).waitFor();

  const panel = page.getByTestId("webhook-secret");
  await panel.getByRole("heading", { name: "Copy the webhook's secret now" }).waitFor();
  await panel.getByText("Lyre-Signature: sha256=<hex>").waitFor();
  const secret = (await panel.getByTestId("webhook-secret-value").innerText()).trim();
  assert.match(secret, /^whsec_[0-9a-f]{64}$/);
  const [hook] = await alice.call("GET", "/api/v1/apps/shop/webhooks");
  assert.equal(hook.secret, undefined, "a list never holds the secret");
  const card = page.getByTestId(`webhook-${hook.id}`);
  await card.getByRole("heading", { name: hookUrl }).waitFor();
  await card.getByText("deploy channel").waitFor();
  await card.getByText(`…${secret.slice(-4)}`).waitFor();
  assert.equal(await card.getByTestId("webhook-enabled").innerText(), "Enabled");
  assert.deepEqual(await card.locator(".webhook-kind").allInnerTexts(), ["release.published"]);
  await card.getByText("alice,").waitFor();
  await dismissToasts(page);
  await shot(page, "webhooks-secret");

  // Once: gone when dismissed, and not on the page after a reload.
  await panel.getByRole("button", { name: "I have copied it" }).click();
  await panel.waitFor({ state: "detached" });
  await page.waitForLoadState("networkidle");
  await page.reload();
  await card.waitFor();
  assert.equal(await panel.count(), 0);
  assert.ok(!(await page.content()).includes(secret), "the secret is nowhere on the page");

  // A release is published; the receiver gets it, signed with the secret.
  await publish(alice, "45");
  const first = await until(() => receiver.received.find((r) => r.path === "/hook"), "the first delivery");
  assert.equal(first.headers["content-type"], "application/json");
  assert.equal(first.headers["lyre-event"], "release.published");
  assert.match(first.headers["lyre-delivery"], /^\d+$/);
  assert.ok(Math.abs(Number(first.headers["lyre-timestamp"]) - Date.now() / 1000) < 60, "a timestamp in unix seconds");
  assert.ok(signedWith(first, secret), "the signature is the HMAC-SHA256 of `{timestamp}.{body}` keyed by the secret");
  assert.ok(!signedWith(first, `${secret}x`));
  const firstEvent = JSON.parse(first.body);
  assert.equal(firstEvent.kind, "release.published");
  assert.equal(firstEvent.appId, "shop");
  assert.equal(firstEvent.env, "DEV");
  assert.equal(firstEvent.namespaceName, "application");
  assert.equal(firstEvent.data.title, "timeout 45");
  const firstDelivery = Number(first.headers["lyre-delivery"]);

  // The deliveries: delivered, 200.
  await card.getByRole("button", { name: "Deliveries" }).click();
  const deliveries = card.getByRole("region", { name: "Deliveries" });
  const firstRow = deliveries.getByTestId(`delivery-${firstDelivery}`);
  await refreshUntil(
    deliveries,
    async () => (await firstRow.count()) > 0 && (await firstRow.getByTestId("delivery-state").innerText()) === "delivered",
    "the first delivery to show as delivered",
  );
  assert.equal(await firstRow.getByTestId("delivery-kind").innerText(), "release.published");
  assert.equal(await firstRow.getByTestId("delivery-status").innerText(), "200");
  const text = await rowText(firstRow);
  assert.match(text, new RegExp(`delivery #${firstDelivery} · event #${firstEvent.id}`));
  assert.match(text, /DEV \/ default \/ application/);
  assert.match(text, /\d+ ms/);
  assert.equal(await firstRow.getByTestId("delivery-error").count(), 0);
  // The body sent, pretty-printed.
  await firstRow.getByText("Body sent").click();
  const body = firstRow.locator(".delivery-body pre");
  await body.waitFor();
  assert.deepEqual(JSON.parse(await body.innerText()), firstEvent);
  assert.match(await body.innerText(), /\n {2}"kind": "release.published",\n/);
  await firstRow.getByText("Body sent").click();

  // The receiver fails: the next release's delivery waits, and says why.
  receiver.state.status = 500;
  await publish(alice, "60");
  const failing = await until(
    () => receiver.received.find((r) => r.path === "/hook" && r.status === 500),
    "a delivery answered 500",
  );
  const secondEvent = JSON.parse(failing.body);
  assert.equal(secondEvent.data.title, "timeout 60");
  assert.ok(signedWith(failing, secret));
  const secondDelivery = Number(failing.headers["lyre-delivery"]);
  const secondRow = deliveries.getByTestId(`delivery-${secondDelivery}`);
  await refreshUntil(
    deliveries,
    async () => (await secondRow.count()) > 0 && (await secondRow.getByTestId("delivery-error").count()) > 0,
    "the failing delivery to show its error",
  );
  assert.match(await secondRow.getByTestId("delivery-error").innerText(), /HTTP 500/);
  assert.equal(await secondRow.getByTestId("delivery-state").innerText(), "pending");
  assert.equal(await secondRow.getByTestId("delivery-status").innerText(), "500");
  assert.match(await rowText(secondRow), /Next attempt/);
  // Newest first.
  assert.deepEqual(
    await deliveries.locator("tbody tr").evaluateAll((rows) => rows.map((r) => r.getAttribute("data-testid"))),
    [`delivery-${secondDelivery}`, `delivery-${firstDelivery}`],
  );
  await shot(page, "webhooks-failing");

  // The receiver is back: the delivery is tried again and arrives.
  receiver.state.status = 200;
  await until(
    () => receiver.received.some((r) => r.path === "/hook" && r.status === 200 && JSON.parse(r.body).id === secondEvent.id),
    "the retried delivery",
  );
  await refreshUntil(
    deliveries,
    async () => (await secondRow.getByTestId("delivery-state").innerText()) === "delivered",
    "the retried delivery to show as delivered",
  );
  assert.equal(await secondRow.getByTestId("delivery-status").innerText(), "200");
  assert.equal(await secondRow.getByTestId("delivery-error").count(), 0);
  const attempts = Number(await secondRow.locator('td[data-label="Attempts"]').innerText());
  assert.ok(attempts >= 2, `tried ${attempts} times`);

  // Redeliver the first: the receiver gets the same event again, as a new delivery.
  const before = receiver.received.filter((r) => JSON.parse(r.body).id === firstEvent.id).length;
  assert.equal(before, 1);
  await firstRow.getByRole("button", { name: `Redeliver delivery #${firstDelivery} (release.published)` }).click();
  const queued = await toast(page, `Event #${firstEvent.id} (release.published) queued again as delivery #`).innerText();
  const thirdDelivery = Number(/queued again as delivery #(\d+)/.exec(queued)[1]);
  assert.ok(thirdDelivery > secondDelivery);
  const again = await until(
    () => receiver.received.filter((r) => JSON.parse(r.body).id === firstEvent.id)[1],
    "the redelivered event",
  );
  assert.equal(again.headers["lyre-delivery"], String(thirdDelivery));
  assert.equal(again.body, first.body, "the same event, byte for byte");
  assert.ok(signedWith(again, secret));
  const thirdRow = deliveries.getByTestId(`delivery-${thirdDelivery}`);
  await thirdRow.waitFor();
  await refreshUntil(
    deliveries,
    async () => (await thirdRow.getByTestId("delivery-state").innerText()) === "delivered",
    "the redelivery to show as delivered",
  );
  assert.equal(
    await deliveries.locator("tbody tr").first().getAttribute("data-testid"),
    `delivery-${thirdDelivery}`,
    "the redelivery is the newest",
  );
  await dismissToasts(page);
  await shot(page, "webhooks-deliveries");

  // Edit: all events, prefilled with what it was.
  await card.getByRole("button", { name: "Edit" }).click();
  const edit = page.getByRole("dialog", { name: "Edit webhook" });
  assert.equal(await edit.getByLabel("URL").inputValue(), hookUrl);
  assert.equal(await edit.getByLabel("Description").inputValue(), "deploy channel");
  assert.equal(await edit.getByLabel("release.published").isChecked(), true);
  assert.equal(await edit.getByLabel("gray.merged").isChecked(), false);
  await edit.getByLabel("All events").check();
  await edit.getByRole("button", { name: "Save webhook" }).click();
  await edit.waitFor({ state: "detached" });
  await card.getByText("All events").waitFor();
  assert.equal(await card.locator(".webhook-kind").count(), 0);

  // Rotate: a new secret, once; the next delivery is signed with it.
  await card.getByRole("button", { name: "Rotate secret" }).click();
  const rotate = page.getByRole("dialog", { name: "Rotate the webhook's secret" });
  await rotate.getByText(secret.slice(-4)).waitFor();
  await rotate.getByRole("button", { name: "Rotate secret" }).click();
  await rotate.waitFor({ state: "detached" });
  await panel.getByText("This is the new secret").waitFor();
  const rotated = (await panel.getByTestId("webhook-secret-value").innerText()).trim();
  assert.notEqual(rotated, secret);
  await card.getByText(`…${rotated.slice(-4)}`).waitFor();
  await publish(alice, "90");
  const signedAnew = await until(
    () => receiver.received.find((r) => r.path === "/hook" && JSON.parse(r.body).data?.title === "timeout 90"),
    "a delivery after the rotation",
  );
  assert.ok(signedWith(signedAnew, rotated), "signed with the new secret");
  assert.ok(!signedWith(signedAnew, secret));
  await panel.getByRole("button", { name: "I have copied it" }).click();
  await panel.waitFor({ state: "detached" });

  // Delete, after a confirmation: the app has no webhook again.
  await card.getByRole("button", { name: "Delete" }).click();
  const remove = page.getByRole("dialog", { name: "Delete the webhook" });
  await remove.getByText("Its deliveries, sent and waiting, are deleted with it.").waitFor();
  await remove.getByRole("button", { name: "Delete webhook" }).click();
  await card.waitFor({ state: "detached" });
  await page.getByText("No webhooks yet").waitFor();
  assert.deepEqual(await alice.call("GET", "/api/v1/apps/shop/webhooks"), []);

  assert.deepEqual(failed, []);
  await context.close();
});

test("someone who is not a master of the app has no Webhooks tab", async () => {
  const { context, page, failed } = await newPage(browser);
  await signInAs(page, "bob", bobPassword);
  await go(page, "/apps/shop");
  await page.getByRole("tab", { name: "Permissions" }).waitFor();
  const sections = page.getByRole("tablist", { name: "App sections" });
  assert.deepEqual(await sections.getByRole("tab").allInnerTexts(), ["Configuration", "Permissions"]);

  // Asked for by address, the tab is still not there: the configuration is.
  await go(page, "/apps/shop?tab=webhooks");
  await page.getByRole("tab", { name: "Configuration" }).waitFor();
  assert.equal(await page.getByRole("tab", { name: "Configuration" }).getAttribute("aria-selected"), "true");
  assert.equal(await page.getByRole("tab", { name: "Webhooks" }).count(), 0);
  assert.equal(await page.getByRole("heading", { name: "Webhooks" }).count(), 0);
  // Nor the installation's.
  assert.equal(await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Webhooks" }).count(), 0);
  await go(page, "/webhooks");
  await page.getByText("Only the super admin manages installation webhooks.").waitFor();

  // The portal refuses the same when asked directly.
  const bob = await apiAs(lyre.url, "bob", bobPassword);
  await assert.rejects(bob.call("GET", "/api/v1/apps/shop/webhooks"), /403/);
  await assert.rejects(bob.call("GET", "/api/v1/system/webhooks"), /403/);
  assert.deepEqual(failed, []);
  await context.close();
});

test("the super admin subscribes the installation on the Webhooks page and hears every app", async () => {
  const { context, page, failed } = await newPage(browser);
  await signInAs(page, "admin", ADMIN_PASSWORD);
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Webhooks" }).click();
  await page.waitForURL(/\/webhooks$/);
  await page.getByRole("heading", { name: "Webhooks", level: 1 }).waitFor();
  await page.getByText("Installation webhooks hear the events of every app").waitFor();
  await page.getByText("No webhooks yet").waitFor();

  await page.getByRole("button", { name: "Create webhook" }).click();
  const dialog = page.getByRole("dialog", { name: "Create a webhook" });
  await dialog.getByText("What it hears, in every app.").waitFor();
  const allUrl = `${receiver.url}/all`;
  await dialog.getByLabel("URL").fill(allUrl);
  await dialog.getByLabel("Description").fill("audit store");
  await dialog.getByLabel("All events").check();
  await dialog.getByRole("button", { name: "Create webhook" }).click();
  await dialog.waitFor({ state: "detached" });
  const panel = page.getByTestId("webhook-secret");
  const secret = (await panel.getByTestId("webhook-secret-value").innerText()).trim();
  assert.match(secret, /^whsec_[0-9a-f]{64}$/);

  const [hook] = await admin.call("GET", "/api/v1/system/webhooks");
  assert.equal(hook.url, allUrl);
  assert.equal(hook.appId, undefined, "an installation webhook belongs to no app");
  assert.deepEqual(hook.events, ["*"]);
  const card = page.getByTestId(`webhook-${hook.id}`);
  await card.getByText("All events").waitFor();
  await card.getByText("audit store").waitFor();
  await dismissToasts(page);
  await shot(page, "webhooks-installation");

  // An app's release reaches it; the deliveries name the app.
  await publish(admin, "120");
  const heard = await until(() => receiver.received.find((r) => r.path === "/all"), "the installation webhook's delivery");
  assert.ok(signedWith(heard, secret));
  assert.equal(JSON.parse(heard.body).appId, "shop");
  await panel.getByRole("button", { name: "I have copied it" }).click();
  await card.getByRole("button", { name: "Deliveries" }).click();
  const deliveries = card.getByRole("region", { name: "Deliveries" });
  const row = deliveries.getByTestId(`delivery-${heard.headers["lyre-delivery"]}`);
  await refreshUntil(
    deliveries,
    async () => (await row.count()) > 0 && (await row.getByTestId("delivery-state").innerText()) === "delivered",
    "the installation delivery to show as delivered",
  );
  assert.match(await rowText(row), /shop · DEV \/ default \/ application/);

  // The super admin is every app's master: the app's tab is there too.
  await go(page, "/apps/shop?tab=webhooks");
  await page.getByRole("heading", { name: "Webhooks", level: 2 }).waitFor();
  assert.equal(await page.getByRole("tab", { name: "Webhooks" }).getAttribute("aria-selected"), "true");
  assert.deepEqual(failed, []);
  await context.close();
});
