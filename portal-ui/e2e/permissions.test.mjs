// Roles, access keys and CI tokens in a real browser, against a real `lyre`: granting and
// revoking, what a non-master is refused, and tokens that are shown once.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { ADMIN_PASSWORD, apiAs, createUser, launchBrowser, newPage, screenshotPath, signIn, startLyre } from "./harness.mjs";

let lyre;
let browser;
let admin;
const passwords = {};

before(async () => {
  lyre = await startLyre();
  browser = await launchBrowser();
  admin = await apiAs(lyre.url, "admin", ADMIN_PASSWORD);
  passwords.alice = await createUser(admin, "alice", "Alice Adams");
  passwords.bob = await createUser(admin, "bob", "Bob Brown");
  await admin.call("POST", "/api/v1/apps", { appId: "shop", name: "Shop" });
  await admin.call("POST", "/api/v1/apps/shop/appnamespaces", { name: "payments", format: "properties" });
});

after(async () => {
  await browser?.close();
  await lyre?.stop();
});

/** Signs in and opens `to`, once the apps page has settled. */
async function open(page, to, user = "admin", password = ADMIN_PASSWORD) {
  await signIn(page, lyre.url, user, password);
  await page.waitForLoadState("networkidle");
  await page.goto(`${lyre.url}${to}`);
}

/** Waits for a success message, then closes it (toasts cover the bottom right corner). */
async function sawToast(page, text) {
  const toast = page.locator(".toast").filter({ hasText: text });
  await toast.getByRole("button", { name: "Dismiss" }).click();
  await toast.waitFor({ state: "detached" });
}

/** Closes the toasts, so screenshots show the page and buttons under them can be clicked. */
async function dismissToasts(page) {
  await page.evaluate(() => document.querySelectorAll(".toast-close").forEach((b) => b.click()));
  await page.locator(".toast").first().waitFor({ state: "detached" });
}

test("a master grants roles with a user picker, revokes them, and cannot revoke the last master", async () => {
  const { context, page, failed } = await newPage(browser);
  await open(page, "/apps/shop?tab=permissions");
  await page.getByRole("heading", { name: "Roles" }).waitFor();
  const grants = page.locator("table.roles-table tbody tr");
  await grants.first().waitFor();
  assert.equal(await grants.count(), 3, "the creator is master and may modify and release everything");

  // modify on one namespace in one environment, for alice, found by her display name.
  await page.getByRole("button", { name: "Grant a role" }).click();
  const dialog = page.getByRole("dialog", { name: "Grant a role" });
  await dialog.getByRole("combobox", { name: "User" }).fill("Ada");
  await dialog.getByRole("option", { name: /Alice Adams/ }).click();
  assert.equal(await dialog.getByRole("combobox", { name: "User" }).inputValue(), "alice");
  await dialog.getByRole("radio", { name: /^Modify/ }).check();
  await dialog.getByLabel("Namespace", { exact: true }).selectOption("application");
  await dialog.getByLabel("Environment", { exact: true }).selectOption("DEV");
  await dialog.getByRole("button", { name: "Grant" }).click();
  await sawToast(page, "alice now holds modify (namespace application · dev only).");
  const aliceModify = page.getByTestId("grant-alice-modify-application-DEV-");
  await aliceModify.getByText("Namespace application · DEV only").waitFor();

  // release on every namespace, everywhere, for bob, picked with the keyboard.
  await page.getByRole("button", { name: "Grant a role" }).click();
  await dialog.getByRole("combobox", { name: "User" }).fill("Bro");
  await dialog.getByRole("option", { name: /Bob Brown/ }).waitFor();
  assert.equal(await dialog.getByRole("listbox", { name: "People" }).getByRole("option").count(), 1);
  await dialog.getByRole("combobox", { name: "User" }).press("ArrowDown");
  await dialog.getByRole("combobox", { name: "User" }).press("Enter");
  assert.equal(await dialog.getByRole("combobox", { name: "User" }).inputValue(), "bob");
  await dialog.getByRole("radio", { name: /^Release/ }).check();
  assert.equal(await dialog.getByLabel("Namespace", { exact: true }).inputValue(), "*");
  await dialog.getByRole("button", { name: "Grant" }).click();
  await page.getByTestId("grant-bob-release-*--").getByText("All namespaces · every environment").waitFor();

  // modify on a whole cluster.
  await page.getByRole("button", { name: "Grant a role" }).click();
  await dialog.getByRole("combobox", { name: "User" }).fill("alice");
  await dialog.getByRole("radio", { name: /^A cluster/ }).check();
  await dialog.getByLabel("Environment", { exact: true }).selectOption("PRO");
  assert.equal(await dialog.getByLabel("Cluster", { exact: true }).inputValue(), "default");
  await dismissToasts(page); // they sit over the dialog's buttons
  await dialog.getByRole("button", { name: "Grant" }).click();
  await page.getByTestId("grant-alice-modify--PRO-default").getByText("Cluster default in PRO").waitFor();

  // An unknown user is refused on the field.
  await page.getByRole("button", { name: "Grant a role" }).click();
  await dialog.getByRole("combobox", { name: "User" }).fill("nobody");
  await dialog.getByRole("button", { name: "Grant" }).click();
  await dialog.getByRole("alert").filter({ hasText: "no enabled user `nobody`" }).waitFor();
  await dialog.getByRole("button", { name: "Cancel" }).click();

  // Revoke alice's namespace grant.
  await aliceModify.getByRole("button", { name: /Revoke/ }).click();
  const confirm = page.getByRole("dialog", { name: "Revoke a role" });
  await confirm.getByRole("button", { name: "Revoke" }).click();
  await aliceModify.waitFor({ state: "detached" });
  const roles = await admin.call("GET", "/api/v1/apps/shop/roles");
  assert.ok(!roles.some((r) => r.subject === "alice" && r.namespace === "application"), "the grant is gone");

  // The last master stays, and the dialog says why.
  await page.getByTestId("grant-admin-master---").getByRole("button", { name: /Revoke/ }).click();
  await confirm.getByRole("button", { name: "Revoke" }).click();
  await confirm.getByRole("alert").filter({ hasText: "`admin` is the last master of app `shop`" }).waitFor();
  await confirm.getByRole("button", { name: "Cancel" }).click();
  await page.getByTestId("grant-admin-master---").waitFor();

  await dismissToasts(page);
  await page.screenshot({ path: screenshotPath("permissions"), fullPage: true });
  assert.deepEqual(failed, []);
  await context.close();
});

test("a master manages access keys: create, enable, observe, disable, delete", async () => {
  const { context, page, failed } = await newPage(browser);
  await open(page, "/apps/shop?tab=permissions");
  const keys = page.getByTestId("access-keys-DEV");
  await keys.getByText("No access keys in DEV").waitFor();

  await keys.getByRole("button", { name: "Create access key in DEV" }).click();
  await sawToast(page, "Access key created in DEV");
  const [created] = await admin.call("GET", "/api/v1/envs/DEV/apps/shop/accesskeys");
  assert.equal(created.secret, undefined, "a list holds no secret");
  const key = page.getByTestId(`access-key-${created.id}`);
  // The new key's secret is shown once, to copy.
  const secret = (await key.locator("code.key-value").textContent()).trim();
  assert.match(secret, /^[0-9a-f]{32}$/);
  assert.equal(secret.slice(-4), created.secretHint);
  await key.getByRole("button", { name: "Copy" }).click();
  await sawToast(page, "Secret copied to the clipboard.");
  await key.getByRole("button", { name: "Hide" }).click();
  await key.getByText(`••••••••${created.secretHint}`).waitFor();
  assert.equal(await key.getByText(secret).count(), 0);
  // A reveal shows it again and is audited.
  await key.getByRole("button", { name: "Reveal" }).click();
  await key.getByText(secret).waitFor();
  const audits = await admin.call("GET", "/api/v1/audits?size=1");
  assert.equal(audits.items[0].operation, "reveal");

  if (!created.enabled) {
    await key.getByRole("button", { name: "Enable" }).click();
    await sawToast(page, "Access key enabled.");
  }
  await key.getByText("Enabled", { exact: true }).waitFor();
  assert.equal(await key.getByRole("button", { name: "Delete" }).isDisabled(), true, "an enabled key cannot be deleted");

  await dismissToasts(page);
  await key.getByRole("button", { name: "Switch to observe" }).click();
  await key.getByText("Observe", { exact: true }).waitFor();
  await key.getByRole("button", { name: "Switch to enforce" }).waitFor();
  await dismissToasts(page);
  await page.screenshot({ path: screenshotPath("access-keys"), fullPage: true });

  await key.getByRole("button", { name: "Disable" }).click();
  await key.getByText("Disabled", { exact: true }).waitFor();
  await key.getByRole("button", { name: "Delete" }).click();
  const confirm = page.getByRole("dialog", { name: "Delete an access key" });
  await confirm.getByRole("button", { name: "Delete key" }).click();
  await key.waitFor({ state: "detached" });
  await keys.getByText("No access keys in DEV").waitFor();

  // PRO has keys of its own.
  await page.getByRole("group", { name: "Environment for access keys" }).getByRole("button", { name: "PRO" }).click();
  await page.getByTestId("access-keys-PRO").getByText("No access keys in PRO").waitFor();

  assert.deepEqual(failed, []);
  await context.close();
});

test("someone who is not a master opens the app and finds what only masters do disabled, with the reason", async () => {
  const { context, page, failed } = await newPage(browser);
  await open(page, "/apps/shop", "bob", passwords.bob);
  await page.getByRole("heading", { name: "shop", level: 1 }).waitFor();
  await page.getByTestId("ns-application").waitFor();

  await page.getByRole("tab", { name: "Permissions" }).click();
  await page.getByText("You are not a master of shop").waitFor();
  await page.getByText("Only the app's masters manage access keys").waitFor();

  // What only masters do is offered disabled, saying why: role changes and the app's structure.
  const revoke = page.getByTestId("grant-alice-modify--PRO-default").getByRole("button", { name: /Revoke/ });
  assert.ok(await revoke.isDisabled());
  assert.equal(await revoke.getAttribute("title"), "Only a master of shop (or the super admin) revokes roles");
  const grant = page.getByRole("button", { name: "Grant a role" });
  assert.ok(await grant.isDisabled());
  assert.match(await grant.getAttribute("title"), /Only a master of shop/);
  await page.getByText("only its masters (or the super admin) change roles").waitFor();
  await page.screenshot({ path: screenshotPath("permissions-refused"), fullPage: true });

  await page.getByRole("tab", { name: "Configuration" }).click();
  for (const name of ["New cluster", "New namespace", "Associate public namespace"]) {
    const button = page.getByRole("button", { name, exact: true });
    assert.ok(await button.isDisabled(), `${name} is disabled`);
    assert.match(await button.getAttribute("title"), /Only a master of shop \(or the super admin\) does this/);
  }
  // The portal refuses the same even when asked directly.
  const bob = await apiAs(lyre.url, "bob", passwords.bob);
  await assert.rejects(bob.call("POST", "/api/v1/envs/DEV/apps/shop/clusters", { name: "west" }), /403.*only a master of app `shop`/);

  assert.deepEqual(failed, []);
  await context.close();
});

test("a CI token is shown once when created and when rotated, and stops working when deleted", async () => {
  const { context, page, failed } = await newPage(browser);
  await open(page, "/consumers");
  await page.getByRole("heading", { name: "CI tokens", level: 1 }).waitFor();
  await page.getByText("No CI tokens yet").waitFor();

  await page.getByRole("button", { name: "Create CI token" }).first().click();
  const dialog = page.getByRole("dialog", { name: "Create a CI token" });
  await dialog.getByLabel("Name", { exact: true }).fill("shop-deploy");
  await dialog.getByRole("button", { name: "Create CI token" }).click();
  await dialog.getByRole("alert").filter({ hasText: "Grant 1: name an app" }).waitFor();

  await dialog.getByLabel("Comment").fill("Deploys from the main branch");
  await dialog.getByLabel("Rate limit (requests per second)").fill("10");
  const grant = dialog.getByTestId("grant-row-1");
  await grant.getByLabel("App of grant 1").fill("shop");
  assert.equal(await grant.getByLabel("Namespace of grant 1").inputValue(), "*");
  await grant.getByRole("checkbox", { name: "DEV" }).check();
  await grant.getByRole("checkbox", { name: "release" }).check();
  await dialog.getByRole("button", { name: "Add a grant" }).click();
  await dialog.getByTestId("grant-row-2").getByLabel("App of grant 2").fill("shop");
  await dialog.getByTestId("grant-row-2").getByLabel("Namespace of grant 2").fill("payments");
  await dialog.getByTestId("grant-row-2").getByRole("checkbox", { name: "PRO" }).check();
  await dialog.getByRole("button", { name: "Create CI token" }).click();

  const panel = page.getByTestId("token-panel");
  await panel.getByRole("heading", { name: "Copy the token of shop-deploy now" }).waitFor();
  const token = (await panel.getByTestId("token-value").innerText()).trim();
  assert.match(token, /^[0-9a-f]{32,}$/);
  const card = page.getByTestId("consumer-shop-deploy");
  await card.getByText(`…${token.slice(-4)}`).waitFor();
  await card.getByRole("cell", { name: "payments" }).waitFor();
  await dismissToasts(page);
  await page.screenshot({ path: screenshotPath("consumers-token"), fullPage: true });

  const openApi = (t) => fetch(`${lyre.url}/openapi/v1/envs/DEV/apps/shop/clusters/default/namespaces/application`, { headers: { Authorization: t } });
  assert.equal((await openApi(token)).status, 200, "the token works on the Open API");

  await panel.getByRole("button", { name: "Copy token" }).click();
  await sawToast(page, "Token copied to the clipboard.");

  // Never again: not after a reload.
  await page.reload();
  await card.waitFor();
  assert.equal(await panel.count(), 0);
  assert.ok(!(await page.content()).includes(token), "the token is nowhere on the page");

  // A second token of the same name is refused on the field.
  await page.getByRole("button", { name: "Create CI token" }).click();
  await dialog.getByLabel("Name", { exact: true }).fill("shop-deploy");
  await dialog.getByTestId("grant-row-1").getByLabel("App of grant 1").fill("shop");
  await dialog.getByRole("button", { name: "Create CI token" }).click();
  await dialog.getByRole("alert").filter({ hasText: "a consumer `shop-deploy` exists already" }).waitFor();
  assert.equal(await dialog.getByLabel("Name", { exact: true }).getAttribute("aria-invalid"), "true");
  await dialog.getByRole("button", { name: "Cancel" }).click();

  // Rotate: a new token, once; the old one stops working.
  await card.getByRole("button", { name: "Rotate token" }).click();
  await page.getByRole("dialog", { name: "Rotate the token of shop-deploy" }).getByRole("button", { name: "Rotate token" }).click();
  await panel.getByText("This is its new token.").waitFor();
  const rotated = (await panel.getByTestId("token-value").innerText()).trim();
  assert.notEqual(rotated, token);
  await card.getByText(`…${rotated.slice(-4)}`).waitFor();
  assert.equal((await openApi(token)).status, 401, "the old token no longer works");
  assert.equal((await openApi(rotated)).status, 200);
  await panel.getByRole("button", { name: "I have copied it" }).click();
  await panel.waitFor({ state: "detached" });

  // Delete: after a confirmation, the token stops working.
  await card.getByRole("button", { name: "Delete" }).click();
  await page.getByRole("dialog", { name: "Delete shop-deploy" }).getByRole("button", { name: "Delete CI token" }).click();
  await card.waitFor({ state: "detached" });
  await page.getByText("No CI tokens yet").waitFor();
  assert.equal((await openApi(rotated)).status, 401);

  assert.deepEqual(failed, []);
  await context.close();
});

test("a CI token whose owner is no longer a master stops working, says so, and another master adopts it", async () => {
  const alice = await apiAs(lyre.url, "alice", passwords.alice);
  const bob = await apiAs(lyre.url, "bob", passwords.bob);
  await alice.call("POST", "/api/v1/apps", { appId: "crm", name: "CRM" });
  await alice.call("POST", "/api/v1/apps/crm/roles", { user: "bob", role: "master" });
  const grants = [{ appId: "crm", namespace: "*", envs: [], permissions: ["modify", "release"] }];
  const { token } = await alice.call("POST", "/api/v1/consumers", { name: "crm-deploy", grants, rateLimit: 10 });
  const read = () =>
    fetch(`${lyre.url}/openapi/v1/envs/DEV/apps/crm/clusters/default/namespaces/application`, { headers: { Authorization: token } });
  assert.equal((await read()).status, 200);
  await bob.call("DELETE", "/api/v1/apps/crm/roles?user=alice&role=master");
  assert.equal((await read()).status, 403, "the demoted master's token stopped");

  // Bob, still a master of crm, sees why it stopped and adopts it.
  const { context, page, failed } = await newPage(browser);
  await open(page, "/consumers", "bob", passwords.bob);
  const card = page.getByTestId("consumer-crm-deploy");
  await card.getByRole("status").filter({ hasText: "This token no longer works" }).waitFor();
  await card.getByText("no longer a master of app `crm`").waitFor();
  assert.equal(await card.getByRole("button", { name: "Rotate token" }).count(), 0, "only adoption is offered");
  await page.screenshot({ path: screenshotPath("consumers-lapsed"), fullPage: true });
  await card.getByRole("button", { name: "Adopt" }).click();
  await sawToast(page, "You own crm-deploy now; its token works again.");
  await card.getByText(/^bob,/).waitFor();
  assert.equal(await card.getByRole("status").count(), 0, "no notice once it works");
  await card.getByRole("button", { name: "Rotate token" }).waitFor();
  assert.equal((await read()).status, 200, "the same token works again");

  // Alice, who lost her role, is not offered it back.
  const { context: hers, page: herPage } = await newPage(browser);
  await open(herPage, "/consumers", "alice", passwords.alice);
  await herPage.getByRole("heading", { name: "CI tokens", level: 1 }).waitFor();
  await herPage.waitForLoadState("networkidle");
  assert.equal(await herPage.getByTestId("consumer-crm-deploy").count(), 0);
  await hers.close();

  assert.deepEqual(failed, []);
  await context.close();
});
