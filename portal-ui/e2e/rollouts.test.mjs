// Staged rollouts in a real browser against a real `lyre`: one started from the gray branch's
// dialog halts by itself when an instance in its first step rejects the release; one is paused,
// advanced, resumed and aborted through the panel's buttons; a bad plan shows the server's word.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { ADMIN_PASSWORD, apiAs, createUser, launchBrowser, newPage, screenshotPath, startLyre } from "./harness.mjs";

let lyre;
let browser;
let admin;
let alicePassword;

const nsApi = (app) => `/api/v1/envs/DEV/apps/${app}/clusters/default/namespaces/application`;

before(async () => {
  lyre = await startLyre();
  browser = await launchBrowser();
  admin = await apiAs(lyre.url, "admin", ADMIN_PASSWORD);
  alicePassword = await createUser(admin, "alice", "Alice Liddell");
});

after(async () => {
  await browser?.close();
  await lyre?.stop();
});

/** An app owned by alice, its main published, and a gray branch that overrides one key. */
async function prepare(app) {
  await admin.call("POST", "/api/v1/apps", { appId: app, name: app, ownerName: "alice" });
  const alice = await apiAs(lyre.url, "alice", alicePassword);
  await alice.call("POST", `${nsApi(app)}/items`, { key: "checkout.timeout", value: "30" });
  await alice.call("POST", `${nsApi(app)}/items`, { key: "search.engine", value: "classic" });
  await alice.call("POST", `${nsApi(app)}/releases`, { title: "baseline" });
  const branch = await alice.call("POST", `${nsApi(app)}/branches`, {});
  await alice.call("PUT", `${nsApi(app)}/branches/${encodeURIComponent(branch.branchName)}/overrides/search.engine`, {
    value: "vector",
    comment: "the new engine",
    deleted: false,
  });
  return { alice, branch };
}

async function signInAs(page, username, password) {
  await page.goto(lyre.url);
  await page.getByLabel("User name").fill(username);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByTestId("current-user").waitFor({ state: "attached" });
}

async function openGray(page, app) {
  await page.goto(`${lyre.url}/apps/${app}/envs/DEV/clusters/default/namespaces/application?tab=gray`);
  await page.getByRole("heading", { name: "application", exact: true, level: 1 }).waitFor();
  await page.getByTestId("gray-branch").waitFor();
}

const toast = (page, text) => page.getByRole("status").filter({ hasText: text });

/** Saves a screenshot: the whole page from its top, or (with a dialog open) the window. */
async function shot(page, name, { dialog = false } = {}) {
  if (!dialog) await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: screenshotPath(name), fullPage: !dialog });
}

/** What one instance of `app` reads from the config service. */
async function readAs(app, ip, label) {
  const response = await fetch(`${lyre.configUrl}/configs/${app}/default/application?ip=${ip}&label=${label}`);
  assert.equal(response.status, 200);
  return response.json();
}

/** Fills the rollout dialog and starts it. */
async function startRollout(page, { steps, bake, unit, title }) {
  await page.getByRole("button", { name: "Roll out in steps" }).click();
  const dialog = page.getByRole("dialog", { name: "Roll out in steps" });
  await dialog.getByLabel("Steps").fill(steps);
  await dialog.getByLabel("Bake time per step").fill(String(bake));
  await dialog.getByLabel("Bake time unit").selectOption(unit);
  await dialog.getByLabel("Rejections tolerated").fill("0");
  await dialog.getByLabel("Release title").fill(title);
  await dialog.getByLabel("Comment").fill("in steps");
  return dialog;
}

/** The branch's controls a rollout locks, and whether each is enabled. */
async function branchControls(page) {
  const enabled = async (name) => page.getByRole("button", { name, exact: true }).isEnabled();
  return {
    publish: await enabled("Gray publish"),
    rollOut: await enabled("Roll out in steps"),
    override: await enabled("Add override"),
    rule: await enabled("Add rule"),
  };
}

test("a rollout started from the dialog halts by itself when an instance in its first step rejects the release", async () => {
  await prepare("shop");
  const { context, page } = await newPage(browser);
  await signInAs(page, "alice", alicePassword);
  await openGray(page, "shop");
  assert.deepEqual(await branchControls(page), { publish: true, rollOut: true, override: true, rule: true });

  const dialog = await startRollout(page, { steps: "50, 100", bake: 60, unit: "seconds", title: "vector engine in steps" });
  await dialog.getByTestId("rollout-plan").getByText("50 % → 100 %, 1 min each").waitFor();
  await shot(page, "rollout-dialog", { dialog: true });
  await dialog.getByRole("button", { name: "Start rollout" }).click();
  await toast(page, "Rollout started: the gray release goes to 50 % of shop's instances.").waitFor();
  await dialog.waitFor({ state: "detached" });

  const panel = page.getByTestId("rollout-panel");
  await panel.getByTestId("rollout-state").getByText("Running").waitFor();
  const steps = panel.getByTestId("rollout-steps");
  assert.deepEqual(
    (await steps.getByRole("listitem").allInnerTexts()).map((t) => t.replace(/\s+/g, " ").trim()),
    ["50 % now", "100 %"],
  );
  assert.match(await steps.locator('[aria-current="step"]').innerText(), /50 %/);
  assert.match(await panel.getByTestId("rollout-timing").innerText(), /^Next step \(100 %\) in (1:00|0:[0-5]\d), if no instance rejects/);
  // The countdown moves by itself.
  const before = await panel.locator(".rollout-clock").innerText();
  await page.waitForFunction((t) => document.querySelector(".rollout-clock")?.textContent !== t, before, { timeout: 5000 });

  // The branch is locked while it runs, and says why.
  await page.getByTestId("rollout-lock").getByText(/Staged rollout #\d+ is running/).waitFor();
  assert.deepEqual(await branchControls(page), { publish: false, rollOut: false, override: false, rule: false });
  assert.equal(await page.getByTestId("rule-1").getByLabel("Percentage").inputValue(), "50", "the rollout set the share");
  assert.equal(await page.getByRole("button", { name: "Save rules" }).count(), 0);

  // Ten instances read; the ones in the first step's share get the gray release.
  const reads = [];
  for (let i = 0; i < 10; i++) {
    const ip = `10.1.0.${i + 1}`;
    const label = `pod-${i}`;
    reads.push({ ip, label, answer: await readAs("shop", ip, label) });
  }
  const onGray = reads.filter((r) => r.answer.cluster !== "default");
  assert.ok(onGray.length > 0 && onGray.length < 10, `50 % of the instances are on gray, not ${onGray.length} of 10`);
  for (const r of onGray) assert.equal(r.answer.configurations["search.engine"], "vector");
  const grayKey = onGray[0].answer.releaseKey;
  const [victim] = onGray;

  // One of them cannot use it, and says so.
  const report = await fetch(`${lyre.configUrl}/reports`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({
      appId: "shop",
      cluster: "default",
      ip: victim.ip,
      reports: [{ namespaceName: "application", releaseKey: grayKey, status: "rejected", reason: "search.engine: unknown engine vector" }],
    }),
  });
  assert.equal(report.status, 204);

  // The panel, polling, turns halted by itself: the reason names the instance and its reason.
  await panel.getByTestId("rollout-state").getByText("Halted").waitFor({ timeout: 15_000 });
  const reason = await panel.getByTestId("rollout-reason").innerText();
  assert.match(reason, /^Halted and rolled back: 1 instance\(s\) rejected release /);
  assert.ok(reason.includes(`${victim.ip} (${victim.label}): search.engine: unknown engine vector`), reason);
  assert.equal(await panel.getByTestId("rollout-rejected").innerText(), "1 of 0 tolerated");
  assert.equal(await panel.getByTestId("rollout-read").innerText(), String(onGray.length));
  assert.match(
    await panel.getByTestId(`rejection-${victim.ip}`).innerText(),
    new RegExp(`${victim.ip.replaceAll(".", "\\.")}\\s+${victim.label}\\s+search\\.engine: unknown engine vector`),
  );
  assert.match(await steps.locator('[aria-current="step"]').innerText(), /50 %\s+halted here/);
  assert.match(await panel.getByTestId("rollout-timing").innerText(), /^Halted .*every instance is back on main's release/);
  assert.equal(await panel.getByRole("button", { name: "Abort" }).count(), 0, "an ended rollout has no actions");

  // The branch is usable again, with no rules: every instance is back on main.
  await page.getByTestId("rollout-lock").waitFor({ state: "detached" });
  await page.getByText("No rules: the branch reaches no instance").waitFor();
  assert.deepEqual(await branchControls(page), { publish: true, rollOut: true, override: true, rule: true });
  assert.equal((await readAs("shop", victim.ip, victim.label)).cluster, "default");
  await shot(page, "rollout-halted");

  // Dismissed, it stays away.
  await panel.getByRole("button", { name: /^Dismiss rollout #\d+$/ }).click();
  await panel.waitFor({ state: "detached" });
  await page.reload();
  await page.getByTestId("gray-branch").waitFor();
  assert.equal(await page.getByTestId("rollout-panel").count(), 0);
  await context.close();
});

test("pause, advance, resume and abort through the panel's buttons", async () => {
  const { alice } = await prepare("cart");
  const { context, page } = await newPage(browser);
  await signInAs(page, "alice", alicePassword);
  await openGray(page, "cart");
  const dialog = await startRollout(page, { steps: "10, 50, 100", bake: 10, unit: "minutes", title: "cart in steps" });
  await dialog.getByRole("button", { name: "Start rollout" }).click();
  await dialog.waitFor({ state: "detached" });

  const panel = page.getByTestId("rollout-panel");
  const state = panel.getByTestId("rollout-state");
  const timing = panel.getByTestId("rollout-timing");
  const current = panel.getByTestId("rollout-steps").locator('[aria-current="step"]');
  await state.getByText("Running").waitFor();
  assert.match(await current.innerText(), /^10 %\s+now$/);
  assert.match(await timing.innerText(), /^Next step \(50 %\) in (10:00|9:[0-5]\d)/);

  // Pause: the clock stops.
  await panel.getByRole("button", { name: "Pause" }).click();
  await toast(page, "Rollout paused").waitFor();
  await state.getByText("Paused").waitFor();
  assert.match(await timing.innerText(), /^Paused by alice: the bake clock stands still with (10:00|9:[0-5]\d) of this step left/);
  assert.match(await current.innerText(), /^10 %\s+now, paused$/);
  assert.equal(await panel.getByRole("button", { name: "Pause" }).count(), 0);
  await page.getByTestId("rollout-lock").getByText(/is paused/).waitFor();

  // Advance while paused: the next share, still paused, and the branch's rule follows.
  await panel.getByRole("button", { name: "Advance now" }).click();
  await toast(page, "Rollout advanced to 50 % of the instances.").waitFor();
  await current.getByText("50 %").waitFor();
  assert.match(await current.innerText(), /^50 %\s+now, paused$/);
  assert.deepEqual(
    (await panel.getByTestId("rollout-steps").getByRole("listitem").allInnerTexts()).map((t) => t.replace(/\s+/g, " ").trim()),
    ["10 % baked", "50 % now, paused", "100 %"],
  );
  assert.equal(await state.innerText(), "Paused");
  await page.waitForFunction(
    () => document.querySelector('[data-testid="rule-1"] input[type="number"]')?.value === "50",
    null,
    { timeout: 5000 },
  );
  const [server] = await alice.call("GET", `${nsApi("cart")}/rollouts`);
  assert.equal(server.state, "paused");
  assert.equal(server.percentage, 50);

  // Resume: the clock runs again.
  await panel.getByRole("button", { name: "Resume" }).click();
  await state.getByText("Running").waitFor();
  assert.match(await timing.innerText(), /^Next step \(100 %\) in (10:00|9:[0-5]\d)/);
  assert.match(await current.innerText(), /^50 %\s+now$/);
  assert.deepEqual(await branchControls(page), { publish: false, rollOut: false, override: false, rule: false });
  await shot(page, "rollout-running");

  // Abort asks first; Cancel leaves it running.
  await panel.getByRole("button", { name: "Abort" }).click();
  let confirm = page.getByRole("dialog", { name: /^Abort rollout #\d+\?$/ });
  await confirm.getByText("the 50 % of instances on the gray release go back to main's release at once").waitFor();
  await confirm.getByRole("button", { name: "Cancel" }).click();
  await confirm.waitFor({ state: "detached" });
  assert.equal(await state.innerText(), "Running");
  await panel.getByRole("button", { name: "Abort" }).click();
  confirm = page.getByRole("dialog", { name: /^Abort rollout #\d+\?$/ });
  await shot(page, "rollout-abort", { dialog: true });
  await confirm.getByRole("button", { name: "Abort rollout" }).click();
  await toast(page, "Rollout aborted: every instance is back on main's release.").waitFor();
  await confirm.waitFor({ state: "detached" });
  await state.getByText("Aborted").waitFor();
  assert.equal(await panel.getByTestId("rollout-reason").innerText(), "Why: aborted by `alice`");
  assert.match(await current.innerText(), /^50 %\s+aborted here$/);
  for (const name of ["Pause", "Resume", "Advance now", "Abort"]) {
    assert.equal(await panel.getByRole("button", { name, exact: true }).count(), 0, `no ${name} once aborted`);
  }
  await page.getByTestId("rollout-lock").waitFor({ state: "detached" });
  await page.getByText("No rules: the branch reaches no instance").waitFor();
  assert.deepEqual(await branchControls(page), { publish: true, rollOut: true, override: true, rule: true });
  await context.close();
});

test("a plan the server refuses shows its message in the dialog; the field checks what is typed", async () => {
  await prepare("desk");
  const { context, page } = await newPage(browser);
  await signInAs(page, "alice", alicePassword);
  await openGray(page, "desk");
  const dialog = await startRollout(page, { steps: "50, ten", bake: 1, unit: "minutes", title: "desk in steps" });

  // Checked in place: what is not a percentage is named, and nothing is sent.
  await dialog.getByText("“ten” is not a whole percentage from 1 to 100.").waitFor();
  await dialog.getByLabel("Bake time per step").fill("0");
  await dialog.getByText("A whole number of minutes, at least 1.").waitFor();
  await dialog.getByRole("button", { name: "Start rollout" }).click();
  await dialog.getByLabel("Bake time per step").fill("1");

  // The plan's own rules are the server's.
  await dialog.getByLabel("Steps").fill("50, 10");
  await dialog.getByRole("button", { name: "Start rollout" }).click();
  await dialog.getByRole("alert").filter({ hasText: "The steps must grow: [50, 10]." }).waitFor();
  assert.equal(await dialog.getByLabel("Steps").getAttribute("aria-invalid"), "true");
  await shot(page, "rollout-bad-plan", { dialog: true });
  await dialog.getByLabel("Steps").fill("50, 90");
  await dialog.getByRole("button", { name: "Start rollout" }).click();
  await dialog.getByRole("alert").filter({ hasText: "The last step must be 100 (every instance), not 90." }).waitFor();

  assert.equal(await page.getByTestId("rollout-panel").count(), 0);
  const alice = await apiAs(lyre.url, "alice", alicePassword);
  assert.deepEqual(await alice.call("GET", `${nsApi("desk")}/rollouts`), [], "no rollout was started");
  await context.close();
});
