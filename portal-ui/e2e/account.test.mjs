// Changing one's password, and the super admin managing users, in a real browser.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { ADMIN_PASSWORD, apiAs, createUser, launchBrowser, newPage, screenshotPath, signIn, startLyre } from "./harness.mjs";

let lyre;
let browser;
let admin;

before(async () => {
  lyre = await startLyre();
  browser = await launchBrowser();
  admin = await apiAs(lyre.url, "admin", ADMIN_PASSWORD);
});

after(async () => {
  await browser?.close();
  await lyre?.stop();
});

test("a user changes their password; wrong and short ones are refused in place", async () => {
  const password = await createUser(admin, "alice", "Alice Liddell");
  const { context, page } = await newPage(browser);
  await signIn(page, lyre.url, "alice", password);
  await page.getByRole("link", { name: /Alice Liddell/ }).click();
  await page.getByRole("heading", { name: "Your account" }).waitFor();
  await page.getByText("None yet: ask an app's master for access.").waitFor();

  const form = page.locator("form", { has: page.getByRole("heading", { name: "Change password" }) });
  await form.getByLabel("Current password").fill("not my password");
  await form.getByLabel("New password", { exact: true }).fill("short");
  await form.getByLabel("New password again").fill("different");
  await form.getByRole("button", { name: "Change password" }).click();
  await form.getByText("Use at least 8 characters.").waitFor();
  await form.getByText("The two new passwords differ.").waitFor();

  await form.getByLabel("New password", { exact: true }).fill("a brand new password");
  await form.getByLabel("New password again").fill("a brand new password");
  await form.getByRole("button", { name: "Change password" }).click();
  await form.getByText("the current password is wrong").waitFor();
  await page.screenshot({ path: screenshotPath("account"), fullPage: true });

  await form.getByLabel("Current password").fill(password);
  await form.getByRole("button", { name: "Change password" }).click();
  await page.getByRole("status").filter({ hasText: "Your password is changed" }).waitFor();
  assert.equal(await form.getByLabel("Current password").inputValue(), "", "the form is cleared");

  // The new password works, the old one does not.
  await page.getByRole("button", { name: "Sign out" }).click();
  await page.getByLabel("User name").fill("alice");
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("alert").filter({ hasText: "invalid username or password" }).waitFor();
  await signIn(page, lyre.url, "alice", "a brand new password");
  await context.close();
});

test("the super admin creates, edits, disables and resets users", async () => {
  const { context, page } = await newPage(browser);
  await signIn(page, lyre.url, "admin", ADMIN_PASSWORD);
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Users" }).click();
  await page.getByRole("heading", { name: "Users" }).waitFor();

  // A new user, with a refused first attempt.
  await page.getByRole("button", { name: "New user" }).click();
  const dialog = page.getByRole("dialog", { name: "New user" });
  await dialog.getByLabel("User name").fill("bob smith");
  await dialog.getByLabel("First password").fill("bob-password-1");
  await dialog.getByRole("button", { name: "Create user" }).click();
  await dialog.getByRole("alert").filter({ hasText: "username" }).waitFor();
  await dialog.getByLabel("User name").fill("bob");
  await dialog.getByLabel("Name", { exact: true }).fill("Bob Smith");
  await dialog.getByLabel("Email").fill("bob@example.com");
  await dialog.getByRole("button", { name: "Create user" }).click();
  await page.getByRole("status").filter({ hasText: "bob can sign in now." }).waitFor();
  const row = page.getByTestId("user-bob");
  await row.getByText("Bob Smith").waitFor();
  await row.getByText("Active").waitFor();

  // Bob signs in elsewhere; disabling him ends that session at once.
  const bob = await newPage(browser);
  await signIn(bob.page, lyre.url, "bob", "bob-password-1");
  await row.getByRole("button", { name: "Disable" }).click();
  await page.getByRole("status").filter({ hasText: "bob is disabled and signed out." }).waitFor();
  await row.getByText("Disabled").waitFor();
  await page.screenshot({ path: screenshotPath("users"), fullPage: true });
  await bob.page.reload();
  await bob.page.getByRole("heading", { name: "Sign in to Lyre" }).waitFor();
  await bob.page.getByLabel("User name").fill("bob");
  await bob.page.getByLabel("Password").fill("bob-password-1");
  await bob.page.getByRole("button", { name: "Sign in" }).click();
  await bob.page.getByRole("alert").filter({ hasText: "disabled" }).waitFor();

  // Enabled again with a new password, and renamed.
  await row.getByRole("button", { name: "Enable" }).click();
  await row.getByText("Active").waitFor();
  await row.getByRole("button", { name: "Reset password" }).click();
  const reset = page.getByRole("dialog", { name: "Reset the password of bob" });
  await reset.getByLabel("New password").fill("reset-password-2");
  await reset.getByRole("button", { name: "Set password" }).click();
  await page.getByRole("status").filter({ hasText: "bob has a new password" }).waitFor();
  await row.getByRole("button", { name: "Edit" }).click();
  const edit = page.getByRole("dialog", { name: "Edit bob" });
  await edit.getByLabel("Name").fill("Robert Smith");
  await edit.getByRole("button", { name: "Save" }).click();
  await row.getByText("Robert Smith").waitFor();
  await signIn(bob.page, lyre.url, "bob", "reset-password-2");

  // Search narrows the list.
  await page.getByLabel("Search users").fill("rob");
  await page.getByTestId("user-admin").waitFor({ state: "detached" });
  await row.waitFor();
  await bob.context.close();
  await context.close();
});

test("only the super admin sees the Users page", async () => {
  const password = await createUser(admin, "carol");
  const { context, page } = await newPage(browser);
  await signIn(page, lyre.url, "carol", password);
  assert.equal(await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Users" }).count(), 0);
  await page.goto(`${lyre.url}/users`);
  await page.getByText("Only the super admin manages users.").waitFor();
  await context.close();
});
