// Gray release in a real browser against a real `lyre`: a branch, its overrides and rules (by
// IP, label and percentage), a gray publish, the instances on gray, merge and abandon, and a gray
// release request where the environment requires review.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { ADMIN_PASSWORD, apiAs, createUser, launchBrowser, newPage, screenshotPath, startLyre } from "./harness.mjs";

let lyre;
let browser;
let admin;
let alicePassword;

const DEV = "/api/v1/envs/DEV/apps/shop/clusters/default/namespaces/application";
const PRO = "/api/v1/envs/PRO/apps/shop/clusters/default/namespaces/application";

before(async () => {
  lyre = await startLyre();
  browser = await launchBrowser();
  admin = await apiAs(lyre.url, "admin", ADMIN_PASSWORD);
  alicePassword = await createUser(admin, "alice", "Alice Liddell");
  await admin.call("POST", "/api/v1/apps", { appId: "shop", name: "Shop", ownerName: "alice" });
  const alice = await apiAs(lyre.url, "alice", alicePassword);
  for (const [key, value] of [
    ["checkout.timeout", "30"],
    ["search.engine", "classic"],
    ["legacy.cart", "on"],
  ]) {
    await alice.call("POST", `${DEV}/items`, { key, value });
  }
  await alice.call("POST", `${DEV}/releases`, { title: "baseline" });
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

async function openGray(page, env) {
  await page.goto(`${lyre.url}/apps/shop/envs/${env}/clusters/default/namespaces/application?tab=gray`);
  await page.getByRole("heading", { name: "application", exact: true, level: 1 }).waitFor();
}

const toast = (page, text) => page.getByRole("status").filter({ hasText: text });

/** Saves a screenshot: the whole page from its top, or (with a dialog open) the window. */
async function shot(page, name, { dialog = false } = {}) {
  if (!dialog) await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: screenshotPath(name), fullPage: !dialog });
}

/** What one instance of shop reads from the config service: its cluster and configuration. */
async function readAs(ip, label = "") {
  const response = await fetch(`${lyre.configUrl}/configs/shop/default/application?ip=${ip}&label=${label}`);
  assert.equal(response.status, 200);
  return response.json();
}

async function saveOverride(page, { key, value, comment, remove }) {
  await page.getByRole("button", { name: "Add override" }).click();
  const dialog = page.getByRole("dialog", { name: "Add an override" });
  await dialog.getByLabel("Key", { exact: true }).fill(key);
  if (remove) {
    await dialog.getByLabel(/No such key/).check();
  } else {
    await dialog.getByLabel("Gray value").fill(value);
  }
  if (comment) await dialog.getByLabel("Comment").fill(comment);
  await dialog.getByRole("button", { name: "Save override" }).click();
  await toast(page, `Override of ${key} saved.`).waitFor();
  await dialog.waitFor({ state: "detached" });
}

test("a branch with overrides and rules by IP, label and percentage is gray-published to the instances it selects", async () => {
  const { context, page } = await newPage(browser);
  await signInAs(page, "alice", alicePassword);
  await openGray(page, "DEV");
  await page.getByText("No gray branch").waitFor();
  await page.getByRole("button", { name: "Create gray branch" }).click();
  await toast(page, "Gray branch created.").waitFor();
  const branch = page.getByTestId("gray-branch");
  await branch.getByText("Not gray-published yet").waitFor();
  await page.getByTestId("namespace-badges").getByText("Gray branch").waitFor();

  // Overrides: a changed value (main's shown while typing the key), a new key, a removed key.
  await page.getByRole("button", { name: "Add override" }).click();
  let dialog = page.getByRole("dialog", { name: "Add an override" });
  await dialog.getByLabel("Key", { exact: true }).fill("search.engine");
  await dialog.getByText("Main's value:").getByText("classic").waitFor();
  await dialog.getByLabel("Gray value").fill("vector");
  await dialog.getByLabel("Comment").fill("the new engine");
  await dialog.getByRole("button", { name: "Save override" }).click();
  await toast(page, "Override of search.engine saved.").waitFor();
  await saveOverride(page, { key: "search.cache", value: "64MB" });
  await saveOverride(page, { key: "legacy.cart", remove: true });
  await saveOverride(page, { key: "checkout.timeout", value: "5" });
  await page.getByTestId("override-checkout.timeout").waitFor();

  assert.match(await page.getByTestId("override-search.engine").innerText(), /search\.engine\s*Changed\s+vector\s+classic\s+the new engine/);
  assert.match(await page.getByTestId("override-search.cache").innerText(), /search\.cache\s*New key\s+64MB/);
  assert.match(await page.getByTestId("override-legacy.cart").innerText(), /legacy\.cart\s*Removed\s+\(no such key on gray\)\s+on/);

  // Change one override, and take one back.
  await page.getByRole("button", { name: "Change override of search.cache" }).click();
  dialog = page.getByRole("dialog", { name: "Override of search.cache" });
  assert.equal(await dialog.getByLabel("Gray value").inputValue(), "64MB");
  await dialog.getByLabel("Gray value").fill("128MB");
  await dialog.getByRole("button", { name: "Save override" }).click();
  await page.getByTestId("override-search.cache").getByText("128MB").waitFor();
  await page.getByRole("button", { name: "Remove override of checkout.timeout" }).click();
  dialog = page.getByRole("dialog", { name: "Remove the override of checkout.timeout?" });
  await dialog.getByRole("button", { name: "Remove override" }).click();
  await toast(page, "Gray instances follow main for checkout.timeout").waitFor();
  await page.getByTestId("override-checkout.timeout").waitFor({ state: "detached" });

  // What a gray publish would change.
  assert.match(await branch.getByTestId("diff-search.engine").innerText(), /Changed\s+search\.engine\s+classic\s+vector/);
  assert.match(await branch.getByTestId("diff-search.cache").innerText(), /Added\s+search\.cache/);
  assert.match(await branch.getByTestId("diff-legacy.cart").innerText(), /Deleted\s+legacy\.cart/);
  assert.equal(await branch.getByTestId("diff-checkout.timeout").count(), 0);

  // Rules: one by IP, label and percentage, said in words; a bad percentage is caught.
  await page.getByText("No rules: the branch reaches no instance").waitFor();
  await page.getByRole("button", { name: "Add rule" }).click();
  const rule = page.getByTestId("rule-1");
  assert.equal(await rule.getByLabel("Client app").inputValue(), "shop");
  await rule.getByLabel("IP addresses").fill("10.0.0.1");
  await rule.getByLabel("Labels").fill("canary");
  await rule.getByLabel("Percentage").fill("150");
  await rule.getByText("A whole number from 0 to 100.").waitFor();
  await rule.getByLabel("Percentage").fill("10");
  assert.match(
    await page.getByTestId("rule-1-words").innerText(),
    /^Instances of shop at 10\.0\.0\.1, labelled canary, or among a stable 10 % of them .* get the gray release\.$/,
  );
  // A second rule that selects nobody is refused by the portal, in place.
  await page.getByRole("button", { name: "Add rule" }).click();
  await page.getByTestId("rule-2-words").getByText("Selects no instance of shop yet").waitFor();
  await page.getByRole("button", { name: "Save rules" }).click();
  await page.getByRole("alert").filter({ hasText: "rule 2: the rule for `shop` selects nobody" }).waitFor();
  await page.getByRole("button", { name: "Remove rule 2" }).click();
  await page.getByRole("button", { name: "Save rules" }).click();
  await toast(page, "Gray rules saved: they apply at once.").waitFor();
  await page.getByRole("button", { name: "Save rules" }).and(page.locator(":disabled")).waitFor();
  await shot(page, "gray-rules");

  // Gray publish: the dialog shows the same changes.
  await page.getByRole("button", { name: "Gray publish" }).click();
  dialog = page.getByRole("dialog", { name: "Gray publish" });
  await dialog.getByTestId("diff-search.engine").waitFor();
  await dialog.getByLabel("Release title").fill("try the vector engine");
  await dialog.getByRole("button", { name: "Publish" }).click();
  await toast(page, "Published “try the vector engine”.").waitFor();
  await branch.getByTestId("gray-release").getByText("“try the vector engine”").waitFor();
  await branch.getByText("Nothing pending: gray instances have the branch as it is.").waitFor();

  // Instances read as the rules say: by IP, by label, and not otherwise.
  const byIp = await readAs("10.0.0.1");
  assert.notEqual(byIp.cluster, "default");
  assert.deepEqual(byIp.configurations, { "checkout.timeout": "30", "search.engine": "vector", "search.cache": "128MB" });
  assert.notEqual((await readAs("10.0.0.2", "canary")).cluster, "default");
  const other = await readAs("10.0.0.3");
  assert.equal(other.cluster, "default");
  assert.equal(other.configurations["search.engine"], "classic");

  // The instances on gray, as the config service recorded them.
  const onGray = page.getByTestId("instance-10.0.0.1");
  const refresh = page.getByRole("button", { name: "Refresh" });
  for (let i = 0; i < 40 && !(await onGray.isVisible()); i++) {
    await refresh.click();
    await refresh.and(page.locator(":enabled")).waitFor();
    if (!(await onGray.isVisible())) await page.waitForTimeout(250);
  }
  assert.match(await onGray.innerText(), /10\.0\.0\.1[\s\S]*Gray[\s\S]*Latest/);
  await page.getByTestId("instance-10.0.0.2").getByText("label canary").waitFor();
  assert.equal(await page.getByTestId("instance-10.0.0.3").count(), 0, "an instance on main is not listed on gray");
  await shot(page, "gray-published");
  await context.close();
});

test("merging keeps the branch when asked; abandoning it sends its instances back to main", async () => {
  const { context, page } = await newPage(browser);
  await signInAs(page, "alice", alicePassword);
  await openGray(page, "DEV");
  const branch = page.getByTestId("gray-branch");
  await branch.waitFor();

  // Main has an edit of its own, not yet published: the merge says it releases it too, apart.
  await admin.call("POST", `${DEV}/items`, { key: "main.only", value: "yes" });
  await page.reload();
  await branch.waitFor();
  await page.getByRole("button", { name: "Merge into main" }).click();
  let dialog = page.getByRole("dialog", { name: "Merge the gray branch into main" });
  const fromBranch = dialog.getByTestId("merge-branch");
  const fromMain = dialog.getByTestId("merge-main");
  assert.match(await fromBranch.getByTestId("diff-search.engine").innerText(), /Changed\s+search\.engine\s+classic\s+vector/);
  assert.match(await fromBranch.getByTestId("diff-legacy.cart").innerText(), /Deleted/);
  assert.equal(await fromBranch.getByTestId("diff-main.only").count(), 0, "main's edit is not shown as the branch's");
  await fromMain.getByText(/Main has an edit of its own/).waitFor();
  assert.match(await fromMain.getByTestId("diff-main.only").innerText(), /Added\s+main\.only/);
  await dialog.getByRole("button", { name: "Merge and publish" }).click();
  await dialog.getByText("Give the release a title.").waitFor();
  await dialog.getByLabel("Release title").fill("vector engine for everyone");
  await dialog.getByLabel(/Keep the branch/).check();
  await shot(page, "gray-merge", { dialog: true });
  await dialog.getByRole("button", { name: "Merge and publish" }).click();
  await toast(page, "Merged and published “vector engine for everyone”; the branch stays for its instances.").waitFor();
  await page.getByTestId("latest-release").getByText("vector engine for everyone").waitFor();
  await branch.waitFor();
  assert.equal((await readAs("10.0.0.3")).configurations["search.engine"], "vector", "main has the merged value");
  assert.equal((await readAs("10.0.0.3")).configurations["main.only"], "yes", "main's own edit went out with it");
  assert.notEqual((await readAs("10.0.0.1")).cluster, "default", "the kept branch still serves its instances");

  await page.getByRole("button", { name: "Abandon" }).click();
  dialog = page.getByRole("dialog", { name: "Abandon the gray branch?" });
  await dialog.getByText("Gray instances go back to main's release at once.").waitFor();
  await dialog.getByRole("button", { name: "Abandon branch" }).click();
  await toast(page, "Gray branch abandoned: its instances are back on main.").waitFor();
  await page.getByText("No gray branch").waitFor();
  assert.equal((await readAs("10.0.0.1")).cluster, "default");

  await page.getByRole("tab", { name: "History" }).click();
  await page.getByRole("row", { name: /Gray abandoned/ }).waitFor();
  await page.getByRole("row", { name: /Gray merged into main\s+vector engine for everyone/ }).waitFor();
  await page.getByRole("row", { name: /Gray published\s+try the vector engine/ }).waitFor();
  await context.close();
});

test("in PRO a gray publish opens a release request for the branch", async () => {
  const alice = await apiAs(lyre.url, "alice", alicePassword);
  await alice.call("POST", `${PRO}/items`, { key: "search.engine", value: "classic" });
  const { context, page } = await newPage(browser);
  await signInAs(page, "alice", alicePassword);
  await openGray(page, "PRO");
  await page.getByRole("button", { name: "Create gray branch" }).click();
  await page.getByTestId("gray-branch").waitFor();
  await saveOverride(page, { key: "search.engine", value: "vector" });

  await page.getByRole("button", { name: "Request gray release" }).click();
  let dialog = page.getByRole("dialog", { name: "Gray publish: request a release" });
  await dialog.getByText("PRO requires review").waitFor();
  await dialog.getByTestId("diff-search.engine").waitFor();
  await dialog.getByLabel("Release title").fill("vector engine on gray in PRO");
  await dialog.getByRole("button", { name: "Open release request" }).click();
  dialog = page.getByRole("dialog", { name: "Release request opened" });
  const link = dialog.getByRole("link", { name: /View release request #\d+/ });
  await link.waitFor();
  assert.match(await link.getAttribute("href"), /^\/release-requests\/\d+$/);
  await dialog.getByRole("button", { name: "Close" }).last().click();
  await page.getByTestId("request-under-way").getByText("(gray branch)").waitFor();

  const [request] = (await alice.call("GET", "/api/v1/release-requests?view=mine")).items;
  assert.equal(request.title, "vector engine on gray in PRO");
  assert.ok(request.branchName, "the request publishes the branch");
  await context.close();
});
