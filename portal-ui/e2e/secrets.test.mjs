// Secret items in a real browser against a real `lyre` with a secret key: the super admin adds
// a secret, which every page shows masked (items, the publish dialog, history, text mode, the
// audit log, search, gray overrides), reveals it for a moment and hides it again; an instance
// reading without an access key is marked as having had secrets withheld; the reveal role is
// granted per namespace only; someone with only the modify role sees no value and is refused a
// reveal with the portal's reason; without keys, making an item secret is refused.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, test } from "node:test";
import { ADMIN_PASSWORD, apiAs, createUser, launchBrowser, newPage, screenshotPath, startLyre } from "./harness.mjs";

let lyre;
let browser;
let admin;
let miaPassword;

const APP = "vault";
const NS = `/api/v1/envs/DEV/apps/${APP}/clusters/default/namespaces/application`;
const nsPage = (tab) => `/apps/${APP}/envs/DEV/clusters/default/namespaces/application${tab ? `?tab=${tab}` : ""}`;
// The plain values: never in a page unless revealed.
const PLAIN = `hunter2-${randomBytes(6).toString("hex")}`;
const NEXT = `hunter3-${randomBytes(6).toString("hex")}`;

before(async () => {
  const key = `k1:${randomBytes(32).toString("base64")}`;
  lyre = await startLyre({ toml: () => `secret_keys = ["${key}"]\n` });
  browser = await launchBrowser();
  admin = await apiAs(lyre.url, "admin", ADMIN_PASSWORD);
  miaPassword = await createUser(admin, "mia", "Mia Modifier");
  await admin.call("POST", "/api/v1/apps", { appId: APP, name: "Vault", ownerName: "admin" });
  // Mia may edit every namespace of the app, but not reveal its secrets.
  await admin.call("POST", `/api/v1/apps/${APP}/roles`, { user: "mia", role: "modify", namespace: "*" });
});

after(async () => {
  await browser?.close();
  await lyre?.stop();
});

async function signInAs(page, username, password) {
  await page.goto(lyre.url);
  await page.getByLabel("User name").fill(username);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByTestId("current-user").waitFor({ state: "attached" });
}

async function openNamespace(page, tab) {
  await page.waitForLoadState("networkidle");
  await page.goto(`${lyre.url}${nsPage(tab)}`);
  await page.getByRole("heading", { name: "application", exact: true, level: 1 }).waitFor();
}

const toast = (page, text) => page.getByRole("status").filter({ hasText: text });

/** Closes the toasts, so the next one with the same words is the only one. */
async function dismissToasts(page) {
  await page.evaluate(() => document.querySelectorAll(".toast-close").forEach((b) => b.click()));
  await page.locator(".toast").first().waitFor({ state: "detached" });
}

/** Saves a screenshot: the whole page from its top, or (with a dialog open) the window. */
async function shot(page, name, { dialog = false } = {}) {
  if (!dialog) await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: screenshotPath(name), fullPage: !dialog });
}

/** Whether the page's HTML holds `text` anywhere (shown or not). */
async function holds(page, text) {
  return (await page.content()).includes(text);
}

const flat = async (locator) => (await locator.innerText()).replace(/\s+/g, " ").trim();

test("the super admin adds a secret, sees it masked everywhere, publishes it, reveals and hides it", async () => {
  const { context, page } = await newPage(browser);
  await signInAs(page, "admin", ADMIN_PASSWORD);
  await openNamespace(page);
  await page.getByText("No items yet").waitFor();

  // A plain item for contrast, then the secret one.
  await page.getByRole("button", { name: "Add item" }).click();
  let dialog = page.getByRole("dialog", { name: "Add an item" });
  await dialog.getByLabel("Key").fill("db.user");
  await dialog.getByLabel("Value").fill("shop");
  await dialog.getByRole("button", { name: "Add" }).click();
  await toast(page, "Added db.user.").waitFor();

  await page.getByRole("button", { name: "Add item" }).click();
  dialog = page.getByRole("dialog", { name: "Add an item" });
  await dialog.getByLabel("Key").fill("db.password");
  await dialog.getByLabel("Value").fill(PLAIN);
  const secretBox = dialog.getByRole("checkbox", { name: "Secret", exact: true });
  assert.equal(await secretBox.isChecked(), false);
  await dialog
    .getByText("Stored encrypted, served only to clients that sign with an access key, shown only to people with the reveal role.")
    .waitFor();
  await secretBox.check();
  await dialog.getByLabel("Comment").fill("the database password");
  await shot(page, "secrets-add", { dialog: true });
  await dialog.getByRole("button", { name: "Add" }).click();
  await toast(page, "Added db.password.").waitFor();
  await dialog.waitFor({ state: "detached" });

  // Stored sealed; the table shows neither the plain value nor the sealed one.
  const stored = await admin.call("GET", `${NS}/items/db.password`);
  assert.equal(stored.secret, true);
  assert.match(stored.value, /^lyre:v1:k1:/);
  const row = page.getByTestId("item-db.password");
  await row.waitFor();
  assert.match(await flat(row), /^db\.password ?Added •••••• secret Reveal the database password admin/);
  assert.match(await flat(page.getByTestId("item-db.user")), /shop/);
  assert.equal(await holds(page, PLAIN), false, "the plain value is not in the page");
  assert.equal(await holds(page, stored.value), false, "nor is the sealed one");
  await shot(page, "secrets-items");

  // The filter does not find the secret by its sealed form.
  await page.getByLabel("Filter items").fill("lyre:v1");
  await page.getByText("No item matches the filter.").waitFor();
  await page.getByLabel("Filter items").fill("");

  // Publishing: the change shows the secret masked.
  await page.getByRole("button", { name: "Publish", exact: true }).click();
  dialog = page.getByRole("dialog", { name: "Publish application" });
  const change = dialog.getByTestId("diff-db.password");
  await change.waitFor();
  assert.match(await flat(change), /^Added db\.password — •••••• secret$/);
  assert.equal(await holds(page, PLAIN), false);
  assert.equal(await holds(page, stored.value), false);
  await dialog.getByLabel("Release title").fill("database settings");
  await shot(page, "secrets-publish", { dialog: true });
  await dialog.getByRole("button", { name: "Publish" }).click();
  await toast(page, "Published “database settings”.").waitFor();
  await page.getByTestId("items-summary").getByText("2 items · all published").waitFor();

  // Editing only the comment keeps the value: the value field starts empty.
  await page.getByRole("button", { name: "Edit db.password" }).click();
  dialog = page.getByRole("dialog", { name: "Edit db.password" });
  const value = dialog.getByLabel("Value");
  assert.equal(await value.inputValue(), "");
  assert.equal(await value.getAttribute("placeholder"), "Unchanged (secret)");
  assert.equal(await dialog.getByRole("checkbox", { name: "Secret", exact: true }).isChecked(), true);
  await dialog.getByLabel("Comment").fill("the primary database password");
  await dialog.getByRole("button", { name: "Save" }).click();
  await toast(page, "Saved db.password.").waitFor();
  const commented = await admin.call("GET", `${NS}/items/db.password`);
  assert.equal(commented.value, stored.value, "the sealed value is kept");
  assert.equal(commented.comment, "the primary database password");
  await dismissToasts(page);

  // Making it plain needs a new plain value, said before anything is sent.
  await page.getByRole("button", { name: "Edit db.password" }).click();
  dialog = page.getByRole("dialog", { name: "Edit db.password" });
  await dialog.getByRole("checkbox", { name: "Secret", exact: true }).uncheck();
  await dialog.getByTestId("secret-to-plain").getByText("type its new plain value").waitFor();
  await dialog.getByRole("button", { name: "Save" }).click();
  await dialog.getByRole("alert").filter({ hasText: "Type its new plain value" }).waitFor();
  await dialog.getByRole("button", { name: "Cancel" }).click();
  await dialog.waitFor({ state: "detached" });
  assert.equal((await admin.call("GET", `${NS}/items/db.password`)).secret, true);

  // A new value replaces the secret, sealed again.
  await page.getByRole("button", { name: "Edit db.password" }).click();
  dialog = page.getByRole("dialog", { name: "Edit db.password" });
  await dialog.getByLabel("Value").fill(NEXT);
  await dialog.getByRole("button", { name: "Save" }).click();
  await toast(page, "Saved db.password.").waitFor();
  const changed = await admin.call("GET", `${NS}/items/db.password`);
  assert.equal(changed.secret, true);
  assert.match(changed.value, /^lyre:v1:k1:/);
  assert.notEqual(changed.value, stored.value);
  await page.getByTestId("item-db.password").getByText("Changed", { exact: true }).waitFor();
  assert.match(await flat(page.getByTestId("item-db.password")), /^db\.password ?Changed •••••• secret Reveal/);
  assert.equal(await holds(page, NEXT), false);

  await page.getByRole("button", { name: "Publish", exact: true }).click();
  dialog = page.getByRole("dialog", { name: "Publish application" });
  await dialog.getByTestId("diff-db.password").waitFor();
  assert.match(await flat(dialog.getByTestId("diff-db.password")), /^Changed db\.password •••••• secret •••••• secret changed$/);
  await dialog.getByLabel("Release title").fill("new password");
  await dialog.getByRole("button", { name: "Publish" }).click();
  await toast(page, "Published “new password”.").waitFor();

  // History: the release's changes, masked.
  await page.getByRole("tab", { name: "History" }).click();
  const published = page.locator('[data-testid^="history-"]').filter({ hasText: "new password" });
  await published.getByRole("button", { name: "Changes" }).click();
  dialog = page.getByRole("dialog", { name: /new password/ });
  await dialog.getByTestId("diff-db.password").waitFor();
  assert.match(await flat(dialog.getByTestId("diff-db.password")), /secret changed/);
  for (const text of [PLAIN, NEXT, stored.value, changed.value]) {
    assert.equal(await holds(page, text), false);
  }
  await shot(page, "secrets-history", { dialog: true });
  await dialog.getByRole("button", { name: "Close" }).last().click();

  // Text mode shows secrets sealed, and says how to change one.
  await page.getByRole("tab", { name: "Text" }).click();
  await page
    .getByTestId("secrets-note")
    .getByText(
      "Secret values show sealed (lyre:v1:…). Leave them as they are, or replace one with a new plain value, which is sealed when saved.",
    )
    .waitFor();
  assert.equal(await holds(page, NEXT), false);
  await shot(page, "secrets-text");

  // Reveal shows the plain value in place (and the audit log records it); Hide puts it away.
  await page.getByRole("tab", { name: "Items" }).click();
  await page.getByRole("button", { name: "Reveal db.password" }).click();
  await page.getByTestId("revealed-db.password").getByText(NEXT, { exact: true }).waitFor();
  assert.equal(await holds(page, NEXT), true);
  await shot(page, "secrets-revealed");
  await page.getByRole("button", { name: "Hide db.password" }).click();
  await page.getByTestId("revealed-db.password").waitFor({ state: "detached" });
  await page.getByRole("button", { name: "Reveal db.password" }).waitFor();
  assert.equal(await holds(page, NEXT), false, "hidden again");

  // A revealed value also hides by itself after 30 seconds.
  await page.clock.install();
  await page.getByRole("button", { name: "Reveal db.password" }).click();
  await page.getByTestId("revealed-db.password").getByText(NEXT, { exact: true }).waitFor();
  await page.clock.fastForward(29_000);
  assert.equal(await holds(page, NEXT), true, "still shown after 29 s");
  await page.clock.fastForward(2_000);
  await page.getByTestId("revealed-db.password").waitFor({ state: "detached" });
  assert.equal(await holds(page, NEXT), false, "hidden after 30 s");

  await page.goto(`${lyre.url}/audit?app=${APP}`);
  const revealed = page.locator("table.audit-table tbody tr").filter({ hasText: "item.revealed" });
  await revealed.first().waitFor();
  assert.match(await flat(revealed.first()), /admin item\.revealed Secret db\.password of vault\/default\/application, revealed/);
  assert.match(await flat(page.locator("table.audit-table")), /~ db\.password: secret changed/);
  for (const text of [PLAIN, NEXT, stored.value, changed.value]) {
    assert.equal(await holds(page, text), false, "the audit log shows no secret value");
  }
  await shot(page, "secrets-audit");

  // Search finds the key, and shows its value masked.
  await page.goto(`${lyre.url}/search?q=db.password`);
  const hit = page.getByTestId(`hit-DEV-${APP}-db.password`);
  await hit.waitFor();
  assert.match(await flat(hit), /^db\.password •••••• secret /);
  assert.equal(await holds(page, changed.value), false);
  await context.close();
});

test("a gray override of a secret key is secret too, shown masked, and kept when only its comment changes", async () => {
  const { context, page } = await newPage(browser);
  await signInAs(page, "admin", ADMIN_PASSWORD);
  await openNamespace(page, "gray");
  await page.getByRole("button", { name: "Create gray branch" }).click();
  await toast(page, "Gray branch created.").waitFor();

  await page.getByRole("button", { name: "Add override" }).click();
  let dialog = page.getByRole("dialog", { name: "Add an override" });
  await dialog.getByLabel("Key", { exact: true }).fill("db.password");
  await dialog.getByText("Main's value:").getByText("secret").waitFor();
  assert.equal(await dialog.getByLabel("Gray value").inputValue(), "", "main's sealed value is not put in the field");
  await dialog.getByText("The key is secret: the value is sealed when saved.").waitFor();
  const GRAY = `gray-${randomBytes(6).toString("hex")}`;
  await dialog.getByLabel("Gray value").fill(GRAY);
  await dialog.getByRole("button", { name: "Save override" }).click();
  await toast(page, "Override of db.password saved.").waitFor();
  await dismissToasts(page);
  const override = page.getByTestId("override-db.password");
  await override.waitFor();
  assert.match(await flat(override), /^db\.password ?Changed •••••• secret •••••• secret/);
  assert.match(await flat(page.getByTestId("diff-db.password")), /^Changed db\.password •••••• secret •••••• secret changed$/);
  assert.equal(await holds(page, GRAY), false);
  const branch = (await admin.call("GET", `${NS}/branches`)).overrides.find((o) => o.key === "db.password");
  assert.match(branch.value, /^lyre:v1:k1:/);
  assert.equal(await holds(page, branch.value), false);
  await shot(page, "secrets-gray");

  // Only the comment changes: the field starts empty and the sealed value stays.
  await page.getByRole("button", { name: "Change override of db.password" }).click();
  dialog = page.getByRole("dialog", { name: "Override of db.password" });
  assert.equal(await dialog.getByLabel("Gray value").inputValue(), "");
  assert.equal(await dialog.getByLabel("Gray value").getAttribute("placeholder"), "Unchanged (secret)");
  await dialog.getByLabel("Comment").fill("a canary password");
  await dialog.getByRole("button", { name: "Save override" }).click();
  await toast(page, "Override of db.password saved.").waitFor();
  const after = (await admin.call("GET", `${NS}/branches`)).overrides.find((o) => o.key === "db.password");
  assert.equal(after.value, branch.value);
  assert.equal(after.comment, "a canary password");

  await admin.call("DELETE", `${NS}/branches/${encodeURIComponent((await admin.call("GET", `${NS}/branches`)).branchName)}`);
  await context.close();
});

test("an instance that read secrets without an access key is marked: its secrets were withheld", async () => {
  const read = await fetch(`${lyre.configUrl}/configs/${APP}/default/application?ip=10.7.7.7`);
  assert.equal(read.status, 200);
  const answer = await read.text();
  assert.equal(answer.includes(NEXT), false);

  const { context, page } = await newPage(browser);
  await signInAs(page, "admin", ADMIN_PASSWORD);
  await openNamespace(page, "instances");
  const row = page.getByTestId("instance-10.7.7.7");
  // The config service records reads in the background: refresh until it shows.
  for (let i = 0; i < 40 && !(await row.isVisible()); i++) {
    await page.getByRole("button", { name: "Refresh" }).click();
    await page.getByRole("button", { name: "Refresh" }).and(page.locator(":enabled")).waitFor();
    if (!(await row.isVisible())) await page.waitForTimeout(250);
  }
  const badge = page.getByTestId("secrets-withheld-10.7.7.7");
  await badge.waitFor();
  assert.equal(await badge.innerText(), "secrets withheld");
  assert.match(await badge.getAttribute("title"), /no enforced access key here, so secret values were left out of its answer/);
  await shot(page, "secrets-instances");
  await context.close();
});

test("the reveal role is granted per namespace: the grant dialog offers no cluster for it", async () => {
  const { context, page } = await newPage(browser);
  await signInAs(page, "admin", ADMIN_PASSWORD);
  await page.goto(`${lyre.url}/apps/${APP}?tab=permissions`);
  await page.getByRole("button", { name: "Grant a role" }).click();
  const dialog = page.getByRole("dialog", { name: "Grant a role" });
  await dialog.getByRole("radio", { name: /^A cluster/ }).waitFor();
  await dialog.getByRole("radio", { name: /^Reveal secrets/ }).check();
  await dialog.getByRole("radio", { name: /^A namespace, or all of them/ }).waitFor();
  assert.equal(await dialog.getByRole("radio", { name: /^A cluster/ }).count(), 0);
  await shot(page, "secrets-grant", { dialog: true });
  await dialog.getByRole("button", { name: "Cancel" }).click();
  await context.close();
});

test("someone with only the modify role sees no secret value, and a reveal is refused with the portal's reason", async () => {
  const { context, page } = await newPage(browser);
  await signInAs(page, "mia", miaPassword);
  await openNamespace(page);
  const row = page.getByTestId("item-db.password");
  await row.waitFor();
  assert.match(await flat(row), /^db\.password ?(Changed )?•••••• secret Reveal/);
  assert.equal(await holds(page, PLAIN), false);
  assert.equal(await holds(page, NEXT), false);

  await row.getByRole("button", { name: "Reveal db.password" }).click();
  await row.getByRole("alert").filter({ hasText: "You hold no reveal role on vault/default/application in DEV" }).waitFor();
  assert.equal(await holds(page, NEXT), false);
  await shot(page, "secrets-reveal-refused");
  await context.close();
});

test("without secret keys configured, making an item secret is refused with the portal's reason, in the dialog", async () => {
  const bare = await startLyre();
  try {
    const root = await apiAs(bare.url, "admin", ADMIN_PASSWORD);
    await root.call("POST", "/api/v1/apps", { appId: APP, name: "Vault", ownerName: "admin" });
    const { context, page } = await newPage(browser);
    await page.goto(bare.url);
    await page.getByLabel("User name").fill("admin");
    await page.getByLabel("Password").fill(ADMIN_PASSWORD);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByTestId("current-user").waitFor({ state: "attached" });
    await page.goto(`${bare.url}${nsPage()}`);
    await page.getByRole("button", { name: "Add item" }).click();
    const dialog = page.getByRole("dialog", { name: "Add an item" });
    await dialog.getByLabel("Key").fill("db.password");
    await dialog.getByLabel("Value").fill(PLAIN);
    await dialog.getByRole("checkbox", { name: "Secret", exact: true }).check();
    await dialog.getByRole("button", { name: "Add" }).click();
    const refused = dialog.getByRole("alert").filter({ hasText: "secret_keys (LYRE_SECRET_KEYS)" });
    await refused.waitFor();
    assert.equal(await dialog.getByLabel("Key").getAttribute("aria-invalid"), null, "not put on the key field");
    assert.equal((await refused.innerText()).includes(PLAIN), false);
    await context.close();
  } finally {
    await bare.stop();
  }
});
