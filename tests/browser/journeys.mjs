// End-to-end journeys of issue #7 in headless Chromium against a running `reskill serve` with
// the demo data: a seeker from "What do you do now?" to a saved plan, a caseworker building and
// assigning a plan, an employer posting a role and seeing a ranked candidate. axe-core runs on
// every page visited (any serious or critical violation fails), each page's transferred bytes
// must stay under 100 kB, and screenshots of the key pages are written at 1280 and 360 px
// (JPEG, quality 70, the viewport only, and only the pages the README shows, to keep
// docs/screenshots small).
//
// Usage: RESKILL_BASE_URL=http://127.0.0.1:PORT [RESKILL_SCREENSHOT_DIR=dir]
//        [CHROMIUM_PATH=/usr/bin/chromium] node journeys.mjs
import { readFileSync, mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { chromium } from "playwright-core";

const require = createRequire(import.meta.url);
const AXE_SOURCE = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");
const BASE = (process.env.RESKILL_BASE_URL || "http://127.0.0.1:8080").replace(/\/$/, "");
const SHOTS = process.env.RESKILL_SCREENSHOT_DIR || "";
const CHROMIUM = process.env.CHROMIUM_PATH || "/usr/bin/chromium";
const PASSWORD = "reskill-demo";
const MAX_PAGE_BYTES = 100 * 1024;

const visited = [];
const failures = [];

function check(condition, message) {
  if (!condition) {
    throw new Error(message);
  }
}

// Runs axe-core on the current page and measures what it transferred; records both.
async function audit(page, name) {
  await page.waitForLoadState("load");
  const url = page.url();
  const bytes = await page.evaluate(() => {
    const entries = [
      ...performance.getEntriesByType("navigation"),
      ...performance.getEntriesByType("resource"),
    ];
    return entries.reduce(
      (sum, e) => sum + Math.max(e.transferSize || 0, e.encodedBodySize || 0, e.decodedBodySize || 0),
      0,
    );
  });
  // page.evaluate runs over the DevTools protocol, so a strict CSP does not block axe.
  await page.evaluate(AXE_SOURCE);
  const result = await page.evaluate(async () =>
    // eslint-disable-next-line no-undef
    axe.run(document, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"] } }),
  );
  const serious = result.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  const minor = result.violations.filter((v) => !serious.includes(v));
  visited.push({ name, path: url.replace(BASE, ""), bytes, serious: serious.length, minor: minor.length });
  for (const v of serious) {
    failures.push(`${name} (${url}): axe ${v.impact} ${v.id}: ${v.help} — ${v.nodes.slice(0, 3).map((n) => n.target.join(" ")).join(", ")}`);
  }
  if (bytes >= MAX_PAGE_BYTES) {
    failures.push(`${name} (${url}): ${bytes} bytes transferred, over ${MAX_PAGE_BYTES}`);
  }
  const h1 = await page.locator("h1").count();
  if (h1 !== 1) {
    failures.push(`${name} (${url}): ${h1} h1 elements, expected exactly one`);
  }
}

// Writes the current page at desktop and phone widths.
async function screenshot(page, name) {
  if (!SHOTS) {
    return;
  }
  for (const [width, height] of [[1280, 900], [360, 740]]) {
    await page.setViewportSize({ width, height });
    await page.screenshot({ path: join(SHOTS, `${name}-${width}.jpg`), type: "jpeg", quality: 70 });
  }
  await page.setViewportSize({ width: 1280, height: 900 });
}

async function newPage(browser) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  page.on("pageerror", (error) => failures.push(`script error on ${page.url()}: ${error.message}`));
  page.on("console", (message) => {
    // A 4xx page (a form re-shown with errors) and the missing favicon log "Failed to load
    // resource"; anything else (script errors, CSP refusals) is a failure.
    if (message.type() === "error" && !message.text().startsWith("Failed to load resource")) {
      failures.push(`console error on ${page.url()}: ${message.text()}`);
    }
  });
  return page;
}

async function signIn(page, email) {
  await page.goto(`${BASE}/login`);
  await audit(page, "login");
  await page.fill("#email", email);
  await page.fill("#password", PASSWORD);
  await Promise.all([page.waitForNavigation(), page.click("form.form button[type=submit]")]);
}

async function seekerJourney(browser) {
  const page = await newPage(browser);
  await page.goto(`${BASE}/`);
  await audit(page, "home");
  check((await page.locator("h1").textContent()).includes("What do you do now?"), "home asks the question");
  await screenshot(page, "home");
  // Autocomplete enhances the box; the plain form works too.
  await page.locator("#q").pressSequentially("customer serv", { delay: 30 });
  await page.waitForSelector(".suggestions li", { timeout: 5000 });
  await page.fill("#q", "customer service representative");
  await Promise.all([page.waitForNavigation(), page.click("form.search button[type=submit]")]);
  // The question lands on the occupation when the words name one confidently, otherwise on
  // the search results; the journey goes on from the results either way.
  check(/\/occupations\/\d+$|\/search\?/.test(page.url()), `the home question leads to an occupation or results, not ${page.url()}`);
  if (page.url().includes("/occupations/")) {
    await audit(page, "occupation from home");
    await page.goto(`${BASE}/search?q=${encodeURIComponent("customer service")}&kind=occupations`);
  }
  await audit(page, "search");
  const hits = await page.locator(".hits h3 a").evaluateAll((links) => links.map((a) => a.href));
  check(hits.length > 0, "the search finds occupations");
  let found = false;
  for (const href of hits.slice(0, 4)) {
    await page.goto(href);
    if ((await page.locator(".cards a").count()) > 0) {
      found = true;
      break;
    }
  }
  check(found, "an occupation among the hits has safer transitions");
  await audit(page, "occupation");
  check((await page.locator(".gauge svg[role=img]").count()) === 1, "the occupation page has a risk gauge");
  check((await page.locator(".gauge figcaption").textContent()).includes("more exposed than"), "the gauge says what its figure means");
  const readings = page.locator("table", { hasText: "What it measures" });
  check((await readings.count()) === 1, "the occupation page lists each source and what it measures");
  check((await readings.locator("tbody tr").count()) >= 1, "at least one source is listed");
  await screenshot(page, "occupation");
  await Promise.all([page.waitForNavigation(), page.locator(".cards a").first().click()]);
  await audit(page, "pathway");
  check((await page.locator("#gap-title").count()) === 1, "the pathway shows the skill gap");
  await screenshot(page, "pathway");
  const pathway = page.url();
  await Promise.all([page.waitForNavigation(), page.getByRole("link", { name: "Create an account to save this plan" }).click()]);
  // An empty form shows the error summary linked to each field.
  await Promise.all([page.waitForNavigation(), page.click("form.form button[type=submit]")]);
  check((await page.locator(".error-summary a[href='#email']").count()) === 1, "the error summary links to the email field");
  check((await page.getAttribute("#display_name", "aria-describedby")) === "display_name-error", "the field is described by its error");
  await audit(page, "signup with errors");
  await page.fill("#display_name", "Browser Seeker");
  await page.fill("#email", `seeker.${Date.now()}@example.org`);
  await page.fill("#password", "a long enough phrase");
  await Promise.all([page.waitForNavigation(), page.click("form.form button[type=submit]")]);
  const signupErrors = (await page.locator(".error-summary, main h1").allTextContents()).join(" / ");
  check(page.url() === pathway, `sign-up returns to the pathway, not ${page.url()} (${signupErrors})`);
  await audit(page, "pathway signed in");
  await Promise.all([page.waitForNavigation(), page.getByRole("button", { name: "Save this plan" }).click()]);
  check(page.url().includes("/my/plans"), "saving shows the plans");
  await audit(page, "my plans");
  check((await page.locator("section.plan").count()) === 1, "one plan saved");
  const doneButtons = page.locator("section.plan button:has-text('Mark done')");
  if ((await doneButtons.count()) > 0) {
    await Promise.all([page.waitForNavigation(), doneButtons.first().click()]);
    check((await page.locator("section.plan .meta").first().textContent()).includes("1 of"), "a step is marked done");
  }
  await screenshot(page, "my-plans");
  await page.goto(`${BASE}/my/profile`);
  await audit(page, "my profile");
  const skillsBefore = await page.locator("#skills tbody tr").count();
  await page.fill("#skill", "computer programming");
  await Promise.all([page.waitForNavigation(), page.getByRole("button", { name: "Add skill" }).click()]);
  const skillsAfter = await page.locator("#skills tbody tr").count();
  check(skillsAfter > skillsBefore || (await page.locator("td:has-text('added by you')").count()) > 0, "a declared skill is shown with its origin");
  check((await page.locator("td:has-text('from your job')").count()) > 0, "inferred skills show their origin");
  await page.goto(`${BASE}/my/recommendations`);
  await audit(page, "my recommendations");
  await page.goto(`${BASE}/search?kind=courses&q=spreadsheet`);
  await Promise.all([page.waitForNavigation(), page.getByRole("button", { name: "Save this search" }).click()]);
  check((await page.locator(".cards .card").count()) === 1, "the search is saved");
  await audit(page, "my searches");
  await page.close();
}

async function caseworkerJourney(browser) {
  const page = await newPage(browser);
  await signIn(page, "helen.brooks@example.org");
  check(page.url().endsWith("/caseload"), `a caseworker starts at the caseload, not ${page.url()}`);
  await audit(page, "caseload");
  await page.goto(`${BASE}/caseload?sort=last_contact&risk_band=`);
  await audit(page, "caseload sorted");
  check((await page.locator("tbody tr").count()) > 0, "the caseload lists workers");
  await Promise.all([page.waitForNavigation(), page.locator("tbody tr td a").first().click()]);
  await audit(page, "worker");
  await Promise.all([page.waitForNavigation(), page.getByRole("button", { name: "Build a plan" }).click()]);
  check(page.url().includes("/caseload/plans/"), "building a plan opens the plan builder");
  await audit(page, "plan builder");
  const steps = async () => page.locator("#steps .timeline > li").count();
  const before = await steps();
  const options = await page.locator("#course_id option").count();
  if (options > 1) {
    await page.selectOption("#course_id", { index: 1 });
  } else {
    await page.fill("#title", "Meet to review progress");
  }
  await Promise.all([page.waitForNavigation(), page.getByRole("button", { name: "Add step" }).click()]);
  check((await steps()) === before + 1, "a step was added");
  if (before > 0) {
    const last = await page.locator("#steps .timeline > li h3").last().textContent();
    await Promise.all([page.waitForNavigation(), page.locator("button[value=up]").last().click()]);
    const moved = await page.locator("#steps .timeline > li h3").nth(before - 1).textContent();
    check(moved === last, "the step moved up");
    await Promise.all([page.waitForNavigation(), page.locator("button[value=remove]").first().click()]);
    check((await steps()) === before, "a step was removed");
  }
  await audit(page, "plan builder edited");
  await screenshot(page, "plan-builder");
  await Promise.all([page.waitForNavigation(), page.getByRole("button", { name: "Assign plan to" }).click()]);
  check((await page.locator(".notice").textContent()).includes("active"), "the plan is assigned");
  await page.close();
}

async function employerJourney(browser) {
  const page = await newPage(browser);
  await signIn(page, "nadia.rahman@example.org");
  check(page.url().endsWith("/employer/openings"), `an employer starts at the openings, not ${page.url()}`);
  await audit(page, "employer openings");
  await Promise.all([page.waitForNavigation(), page.getByRole("link", { name: "Post a role" }).click()]);
  await audit(page, "opening editor");
  await page.fill("#title-lookup", "customer service representative");
  await Promise.all([page.waitForNavigation(), page.getByRole("button", { name: "Suggest skills" }).click()]);
  const suggested = await page.locator(".skill-picker input[type=checkbox]:checked").count();
  check(suggested > 0, "skills are suggested from the title");
  await audit(page, "opening editor with skills");
  await page.fill("#title", "Customer support advisor");
  await page.fill("#place_name", "Birmingham");
  await page.fill("#salary_min", "not a number");
  await Promise.all([page.waitForNavigation(), page.getByRole("button", { name: "Publish the role" }).click()]);
  check((await page.locator(".error-summary a[href='#salary_min']").count()) === 1, "a bad salary is reported");
  await audit(page, "opening editor with errors");
  await page.fill("#salary_min", "24000");
  await Promise.all([page.waitForNavigation(), page.getByRole("button", { name: "Publish the role" }).click()]);
  check(page.url().includes("/candidates"), `publishing shows the candidates, not ${page.url()}`);
  await audit(page, "candidates");
  const cards = page.locator(".cards .card");
  check((await cards.count()) > 0, "a ranked candidate is shown");
  const tag = await cards.first().locator(".tag").textContent();
  check(/Ready now|Ready in \d+ week/.test(tag), `readiness is shown, got ${tag}`);
  await screenshot(page, "candidates");
  await Promise.all([page.waitForNavigation(), cards.first().locator("button").click()]);
  check((await page.locator(".cards .card").first().textContent()).includes("Interest pending"), "interest expressed");
  // Edit the role from the openings list: prefilled, with the same error summary as posting.
  await page.goto(`${BASE}/employer/openings`);
  await Promise.all([page.waitForNavigation(), page.getByRole("link", { name: "Edit Customer support advisor" }).first().click()]);
  check((await page.inputValue("#title")) === "Customer support advisor", "the editor is prefilled");
  check((await page.locator(".skill-picker input[type=checkbox]:checked").count()) > 0, "the role's skills are ticked");
  await audit(page, "opening edit");
  await screenshot(page, "opening-edit");
  await page.fill("#title", "Customer support advisor, hybrid");
  await page.fill("#salary_min", "lots");
  await Promise.all([page.waitForNavigation(), page.getByRole("button", { name: "Save the changes" }).click()]);
  check((await page.locator(".error-summary a[href='#salary_min']").count()) === 1, "a bad salary is reported on edit");
  await audit(page, "opening edit with errors");
  await page.fill("#salary_min", "25000");
  await Promise.all([page.waitForNavigation(), page.getByRole("button", { name: "Save the changes" }).click()]);
  check(page.url().includes("/employer/openings#opening-"), `saving returns to the openings, not ${page.url()}`);
  const row = page.locator("tr", { hasText: "Customer support advisor, hybrid" }).first();
  check((await row.count()) === 1, "the new title is listed");
  await Promise.all([page.waitForNavigation(), row.getByRole("button", { name: "Close" }).click()]);
  const closed = page.locator("tr", { hasText: "Customer support advisor, hybrid" }).first();
  check((await closed.textContent()).includes("Closed"), "the opening is closed");
  await audit(page, "employer openings after close");
  await page.close();
}

// The demo seekers who agreed to be seen by employers: one of them got the interest above.
const SHARING_SEEKERS = ["amira.haddad@example.org", "daniel.okafor@example.org", "gareth.evans@example.org", "priya.shah@example.org", "tom.hughes@example.org"];

async function interestJourney(browser) {
  let answered = false;
  for (const email of SHARING_SEEKERS) {
    const page = await newPage(browser);
    await signIn(page, email);
    await Promise.all([page.waitForNavigation(), page.getByRole("link", { name: "Interest from employers" }).click()]);
    const accept = page.getByRole("button", { name: /^Accept and share my contact details/ });
    if ((await accept.count()) > 0) {
      await audit(page, "my interests");
      await screenshot(page, "my-interests");
      await Promise.all([page.waitForNavigation(), accept.first().click()]);
      check((await page.locator(".card .tag").first().textContent()).includes("Accepted"), "the interest is accepted");
      await audit(page, "my interests answered");
      answered = true;
    }
    await page.close();
    if (answered) {
      break;
    }
  }
  check(answered, "a seeker found the employer's interest and accepted it");
}

async function adminJourney(browser) {
  const page = await newPage(browser);
  await signIn(page, "admin@example.org");
  check(page.url().endsWith("/admin"), `an admin starts at the admin page, not ${page.url()}`);
  await audit(page, "admin");
  check((await page.locator("svg[role=img]").count()) === 1, "the figures have a chart");
  await Promise.all([page.waitForNavigation(), page.getByRole("link", { name: "Users" }).click()]);
  await audit(page, "admin users");
  const sofia = () => page.locator("tr", { hasText: "sofia.marchetti@example.org" });
  await Promise.all([page.waitForNavigation(), sofia().getByRole("button", { name: /^Disable/ }).click()]);
  check((await sofia().textContent()).includes("Disabled"), "the account is disabled");
  await Promise.all([page.waitForNavigation(), sofia().getByRole("button", { name: /^Enable/ }).click()]);
  check((await sofia().textContent()).includes("Active"), "the account is enabled again");
  await page.goto(`${BASE}/admin/organisations`);
  await Promise.all([page.waitForNavigation(), page.getByRole("button", { name: "Create the organisation" }).click()]);
  check((await page.locator(".error-summary a[href='#name']").count()) === 1, "an empty name is reported");
  await audit(page, "admin organisations with errors");
  const name = `Browser Training Ltd ${Date.now()}`;
  await page.fill("#name", name);
  await page.selectOption("#kind", "provider");
  await Promise.all([page.waitForNavigation(), page.getByRole("button", { name: "Create the organisation" }).click()]);
  check((await page.locator("tr", { hasText: name }).count()) === 1, "the organisation is listed");
  await audit(page, "admin organisations");
  await page.close();
}

// The pages emailed links open, and the way to them from /login (issue 30).
async function accountLinksJourney(browser) {
  const page = await newPage(browser);
  await page.goto(`${BASE}/login`);
  await Promise.all([page.waitForNavigation(), page.getByRole("link", { name: "Forgot your password?" }).click()]);
  await audit(page, "forgot password");
  await page.fill("#email", "daniel.okafor@example.org");
  await Promise.all([page.waitForNavigation(), page.getByRole("button", { name: "Send me a link" }).click()]);
  check((await page.locator("h1").textContent()).includes("Check your email"), "asking for a reset link answers");
  await audit(page, "forgot password sent");
  await page.goto(`${BASE}/reset-password?token=made-up`);
  check((await page.locator("h1").textContent()).includes("does not work"), "a bad reset link says so");
  await audit(page, "reset link not working");
  await page.goto(`${BASE}/verify-email?token=made-up`);
  check((await page.locator("h1").textContent()).includes("does not work"), "a bad confirmation link says so");
  await audit(page, "verify link not working");
  await page.close();
}

const browser = await chromium.launch({
  executablePath: CHROMIUM,
  headless: true,
  args: ["--no-sandbox", "--disable-dev-shm-usage"],
});
if (SHOTS) {
  mkdirSync(SHOTS, { recursive: true });
}
for (const [name, journey] of [
  ["seeker", seekerJourney],
  ["caseworker", caseworkerJourney],
  ["employer", employerJourney],
  ["interest", interestJourney],
  ["admin", adminJourney],
  ["account links", accountLinksJourney],
]) {
  try {
    await journey(browser);
    console.log(`journey ${name}: ok`);
  } catch (error) {
    failures.push(`journey ${name} failed: ${error.message}`);
    console.log(`journey ${name}: FAILED`);
  }
}
await browser.close();
for (const v of visited) {
  console.log(`page ${v.name.padEnd(28)} ${String(v.bytes).padStart(7)} B  axe serious/critical ${v.serious}, other ${v.minor}  ${v.path}`);
}
const largest = Math.max(...visited.map((v) => v.bytes));
console.log(`${visited.length} pages audited; largest ${largest} bytes`);
if (failures.length) {
  console.error(`${failures.length} failures:\n${failures.join("\n")}`);
  process.exit(1);
}
console.log("all journeys passed");
