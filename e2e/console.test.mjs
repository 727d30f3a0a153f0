// The console in a real browser: Debian's headless Chromium driven by playwright-core against
// a real `omni serve --demo` (small demo chain, SQLite in a temporary directory). Screenshots
// of each main screen land in e2e/screenshots/. Run by .ci/run; by hand:
//   cargo build -p omni && (cd e2e && npm ci && npm test)
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { startDemo, apiCall as callApi, usable, shots, USABLE_MS } from "./harness.mjs";

let demo, browser, base, keys = {};

/** A JSON API call against the demo server (set-up and checks). */
function apiCall(method, path, key, body, headers = {}) {
  return callApi(base, method, path, key, body, headers);
}

async function signIn(page, key) {
  await page.goto(`${base}/`);
  await usable(page, "signin", Date.now());
  await page.fill("input[name=key]", key);
  await page.click("button[type=submit]");
}

before(async () => {
  demo = await startDemo();
  ({ base, keys, browser } = demo);
});

after(async () => {
  await demo?.stop();
});

test("an associate signs in on a handheld, identifies a shopper by a local phone number and sees the masked summary", async () => {
  const created = await apiCall("POST", "/v1/customers", keys["app:web"], {
    identifiers: [{ kind: "phone", value: "+7 916 555 01 23", verified: true }],
    given_name: "Мария", family_name: "Смирнова",
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const chat = await apiCall("POST", `/v1/customers/${created.body.id}/timeline`, keys["agent"],
    { kind: "message", channel: "messenger", data: { conversation: "cnv_e2e" } });
  assert.equal(chat.status, 201, JSON.stringify(chat.body));

  const page = await browser.newPage({ viewport: { width: 390, height: 844 } });
  await signIn(page, keys["associate"] ?? Object.entries(keys).find(([k]) => k.startsWith("associate"))[1]);
  const took = await usable(page, "shopper", Date.now());
  assert.ok(took < USABLE_MS * 10, `sign-in answered in ${took} ms`);
  await page.screenshot({ path: join(shots, "associate-identify.png") });

  await page.selectOption("select[name=kind]", "phone");
  await page.fill("input[name=value]", "8 (916) 555-01-23");
  const started = Date.now();
  await page.click("button[type=submit]");
  await page.waitForSelector("[data-customer]");
  const answered = Date.now() - started;
  const card = await page.textContent("[data-customer]");
  assert.match(card, /Мария/);
  assert.doesNotMatch(card, /9165550123/, "an associate never sees the full phone");
  await page.waitForSelector('[data-history] [data-kind="message"]');
  assert.match(await page.textContent("[data-history]"), /Мессенджер/, "a message from another channel is on the timeline");
  await page.screenshot({ path: join(shots, "associate-shopper-summary.png") });
  assert.ok(answered < USABLE_MS, `identify became usable in ${answered} ms`);

  await page.selectOption("select[name=kind]", "email");
  await page.fill("input[name=value]", "nobody@example.com");
  await page.click("button[type=submit]");
  await page.waitForSelector(".error");
  assert.match(await page.textContent(".error"), /не найден/);
  await page.close();
});

test("an associate searches the catalog in Russian and narrows it to what their store can sell now", async () => {
  const page = await browser.newPage({ viewport: { width: 390, height: 844 } });
  await signIn(page, Object.entries(keys).find(([k]) => k.startsWith("associate"))[1]);
  await usable(page, "shopper", Date.now());
  const started = Date.now();
  await page.click('nav a[href="#/search"]');
  const took = await usable(page, "search", started);
  assert.ok(took < USABLE_MS, `the catalog screen became usable in ${took} ms`);

  await page.fill("input[name=q]", "кроссовки");
  await page.click("button[type=submit]");
  await page.waitForFunction(() => document.querySelector("[data-total]"));
  const everywhere = Number(await page.getAttribute("[data-total]", "data-total"));
  assert.ok(everywhere > 0, "the demo catalog has running shoes");
  await page.screenshot({ path: join(shots, "associate-search.png") });

  await page.check("input[name=in_stock_at]");
  await page.click("button[type=submit]");
  await page.waitForFunction((n) => {
    const el = document.querySelector("[data-total]");
    return document.body.dataset.ready === "search" && (!el || Number(el.dataset.total) !== n);
  }, everywhere);
  const total = await page.$("[data-total]");
  const inStore = total ? Number(await total.getAttribute("data-total")) : 0;
  assert.ok(inStore < everywhere, `in store ${inStore} of ${everywhere}`);
  await page.screenshot({ path: join(shots, "associate-search-in-store.png") });
  await page.close();
});

test("the console speaks English too and refuses a wrong key with a clear message", async () => {
  const page = await browser.newPage();
  await page.goto(`${base}/console/`);
  await usable(page, "signin", Date.now());
  await page.click("#lang");
  await page.waitForSelector("html[lang=en]");
  assert.match(await page.textContent("h1"), /Sign in/);
  await page.fill("input[name=key]", "omk_01h00000000000000000000000_wrong");
  await page.click("button[type=submit]");
  await page.waitForSelector(".error");
  await page.screenshot({ path: join(shots, "signin-refused.png") });
  await page.close();
});

test("a marketer watches the dashboards: sales by channel, RFM, LTV, cohorts, migration, promotions, forecast, models, trigger chains", async () => {
  const marketer = keys.marketer;
  assert.ok(marketer, "the demo prints a marketer key");
  // The node rebuilds its analytics every few minutes; this is that rebuild, done now.
  assert.equal((await apiCall("POST", "/v1/analytics/refresh", marketer)).status, 200);
  const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
  await signIn(page, marketer);
  await usable(page, "products", Date.now());
  const started = Date.now();
  await page.click('nav a[href="#/dashboards"]');
  const took = await usable(page, "dashboards", started);
  assert.ok(took < USABLE_MS, `dashboards usable in ${took} ms`);
  for (const chart of ["sales", "rfm", "ltv", "migration", "cohorts", "triggers"]) {
    assert.ok(await page.$(`[data-chart="${chart}"]`), `the ${chart} chart is shown`);
  }
  assert.ok((await page.$$('[data-chart="sales"] .chart-row')).length >= 2, "sales in several channels");
  assert.ok((await page.$$('[data-chart="cohorts"] tbody tr')).length >= 1, "cohort rows");
  assert.match(await page.textContent('[data-chart="triggers"]'), /cart\.updated/);
  assert.ok((await page.$$('[data-chart="promotions"] .chart-row')).length >= 1, "discounts by category");
  // The forecast and the held-out model quality fill in after the page is usable.
  await page.waitForSelector('[data-chart="forecast"] .chart-col.ahead', { timeout: 10_000 });
  assert.equal((await page.$$('[data-chart="forecast"] .chart-col.ahead')).length, 4, "four weeks ahead");
  await page.waitForSelector('[data-chart="models"] .chart-row', { timeout: 20_000 });
  assert.equal((await page.$$('[data-chart="models"] .chart-row')).length, 4, "precision and recall vs bestsellers");
  await page.screenshot({ path: join(shots, "marketer-dashboards.png"), fullPage: true });
  await page.close();
});

test("a merchandiser sees what a product lacks per channel and moves it through review to publication", async () => {
  const admin = keys["admin"];
  const categories = await apiCall("GET", "/v1/catalog/categories", admin);
  const category = categories.body.data.find((c) => c.code === "robot-vacuums");
  const created = await apiCall("POST", "/v1/catalog/products", admin, {
    article: "e2e-rv-1", category_id: category.id, name: { ru: "Робот-пылесос E2E" },
    attributes: { suction_pa: 3000, battery_min: 90, wet_cleaning: true },
    variants: [{ sku: "E2E-RV-1", barcode: "4600000000015", list_prices: [{ amount: 1999000, currency: "RUB" }] }],
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const id = created.body.id;

  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  await signIn(page, admin);
  await usable(page, "products", Date.now());
  await page.screenshot({ path: join(shots, "backoffice-products.png") });
  const started = Date.now();
  await page.goto(`${base}/console/#/products/${id}`);
  assert.ok((await usable(page, "product", started)) < USABLE_MS * 2);
  const web = '[data-channel="web"]';
  assert.match(await page.textContent(web), /description|image/, "the web needs a description and an image");
  await page.click(`${web} button[data-to="in_review"]`);
  await page.waitForSelector(".error");
  assert.match(await page.textContent(".error"), /completeness\.image/);
  await page.screenshot({ path: join(shots, "backoffice-product-incomplete.png") });

  const pos = '[data-channel="pos"]';
  await page.click(`${pos} button[data-to="in_review"]`);
  await page.waitForSelector(`${pos}[data-status="in_review"]`);
  await page.click(`${pos} button[data-to="published"]`);
  await page.waitForSelector(`${pos}[data-status="published"]`);
  await page.screenshot({ path: join(shots, "backoffice-product-published-pos.png") });
  const stored = await apiCall("GET", `/v1/catalog/products/${id}`, admin);
  assert.equal(stored.body.publication.pos, "published");
  assert.equal(stored.body.publication.web ?? "draft", "draft");
  await page.close();
});

test("an associate sees a SKU's stock across the network with their own store first", async () => {
  const page = await browser.newPage({ viewport: { width: 390, height: 844 } });
  await signIn(page, Object.entries(keys).find(([k]) => k.startsWith("associate"))[1]);
  await usable(page, "shopper", Date.now());
  await page.click('nav a[href="#/stock"]');
  await usable(page, "stock", Date.now());
  await page.fill("input[name=sku]", "SKU-000001");
  const started = Date.now();
  await page.click("button[type=submit]");
  await page.waitForSelector("[data-available]");
  assert.ok(Date.now() - started < USABLE_MS, "stock answered within the budget");
  assert.ok(Number(await page.getAttribute("[data-available]", "data-available")) > 0);
  assert.equal(await page.getAttribute("tbody tr:first-child", "class"), "mine", "the associate's store comes first");
  await page.screenshot({ path: join(shots, "associate-stock.png") });
  await page.close();
});

test("an admin mints a key for a store associate, who signs in with it, and revokes it", async () => {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  await signIn(page, keys["admin"]);
  await usable(page, "products", Date.now());
  await page.click('nav a[href="#/keys"]');
  await usable(page, "keys", Date.now());
  await page.fill("form input[name=name]", "Till 7, e2e");
  await page.selectOption("form select[name=role]", "associate");
  await page.click("form button[type=submit]");
  await page.waitForSelector("[data-token]");
  const token = await page.getAttribute("[data-token]", "data-token");
  assert.match(token, /^omk_/);
  await page.screenshot({ path: join(shots, "backoffice-keys.png") });

  const associate = await browser.newPage({ viewport: { width: 390, height: 844 } });
  await signIn(associate, token);
  await usable(associate, "shopper", Date.now());
  await associate.close();

  const me = await apiCall("GET", "/v1/me", token);
  await page.click(`[data-key="${me.body.key_id}"] button[data-revoke]`);
  await page.waitForSelector(`[data-key="${me.body.key_id}"] button[data-revoke]`, { state: "detached" });
  assert.equal((await apiCall("GET", "/v1/me", token)).status, 401, "a revoked key is refused at once");
  await page.close();
});

/** A product matching `q` whose first SKU (the one "Add to cart" adds) `store` has on its
 *  shelf, as `searchKey` finds it, with the units on hand as `staffKey` sees them. */
async function stockedAt(store, q, searchKey, staffKey) {
  const found = await apiCall("GET", `/v1/catalog/search?q=${encodeURIComponent(q)}&in_stock_at=${store}&limit=50`, searchKey);
  assert.equal(found.status, 200, JSON.stringify(found.body));
  for (const hit of found.body.hits) {
    const product = hit.product || hit;
    const sku = product.skus[0];
    const level = await apiCall("GET", `/v1/stock/${sku}/locations/${store}`, staffKey);
    if (level.status === 200 && level.body.available >= 1) return { product, sku, onHand: level.body.stock.on_hand };
  }
  return assert.fail(`nothing matching "${q}" is in stock at ${store}`);
}

test("an associate identifies a shopper and sells with a promotion applied and explained", async () => {
  const associate = Object.entries(keys).find(([k]) => k.startsWith("associate"))[1];
  // a till sells what is on its store's shelf: the sale takes the unit from the store's stock
  const store = (await apiCall("GET", "/v1/me", associate)).body.store;
  const { product, sku } = await stockedAt(store, "кроссовки", associate, associate);
  const promo = await apiCall("POST", "/v1/promotions", keys["marketer"], {
    name: "E2E кроссовки", reason: "E2E: −15% на кроссовки", currency: "RUB", priority: 100, stacking: { mode: "exclusive" },
    conditions: { target: { skus: [sku] } }, effect: { type: "percent_off", percent_bp: 1500 },
  });
  assert.equal(promo.status, 201, JSON.stringify(promo.body));
  const shown = await apiCall("GET", `/v1/promotions/${promo.body.id}`, keys["marketer"]);
  const activate = await fetch(`${base}/v1/promotions/${promo.body.id}/status`, {
    method: "POST",
    headers: { Authorization: `Bearer ${keys["marketer"]}`, "Content-Type": "application/json", "If-Match": `"${shown.body.version}"` },
    body: JSON.stringify({ status: "active" }),
  });
  assert.equal(activate.status, 200, await activate.text());
  const shopper = await apiCall("POST", "/v1/customers", keys["app:web"], {
    identifiers: [{ kind: "phone", value: "+7 916 555 07 07", verified: true }], given_name: "Олег",
  });
  assert.equal(shopper.status, 201, JSON.stringify(shopper.body));

  const page = await browser.newPage({ viewport: { width: 390, height: 844 } });
  await signIn(page, associate);
  await usable(page, "shopper", Date.now());
  await page.fill("input[name=value]", "8 916 555-07-07");
  await page.click("button[type=submit]");
  await page.waitForSelector("[data-sell]");
  await page.click("[data-sell]");
  await usable(page, "cart", Date.now());
  await page.click('nav a[href="#/search"]');
  await usable(page, "search", Date.now());
  await page.fill("input[name=q]", product.article);
  await page.click("button[type=submit]");
  await page.waitForSelector(`[data-add="${sku}"]`);
  await page.click(`[data-add="${sku}"]`);
  const started = Date.now();
  await page.click('nav a[href="#/cart"]');
  await page.waitForSelector("[data-quote]");
  assert.ok(Date.now() - started < USABLE_MS * 3, "the cart is priced at once");
  assert.equal(await page.getAttribute("[data-cart-customer]", "data-cart-customer"), shopper.body.id);
  assert.match(await page.textContent("[data-quote]"), /E2E: −15% на кроссовки/, "the discount names its promotion");
  await page.screenshot({ path: join(shots, "associate-cart-priced.png") });
  await page.click("[data-do-sell]");
  await page.waitForSelector("[data-receipt]");
  assert.match(await page.textContent("[data-receipt]"), /E2E: −15% на кроссовки/);
  await page.screenshot({ path: join(shots, "associate-sale-receipt.png") });
  const number = await page.getAttribute("[data-receipt]", "data-receipt");
  const orders = await apiCall("GET", `/v1/orders?customer_id=${shopper.body.id}`, keys["agent"]);
  const sale = orders.body.find((o) => o.number === number);
  assert.ok(sale, `the sale is the shopper's order ${number}: ${JSON.stringify(orders.body)}`);
  assert.equal(sale.status, "completed", "a carry-out sale is complete at once");
  assert.ok(sale.quote.discount_total > 0, "the promotion's discount is on the order");
  const points = await apiCall("GET", `/v1/customers/${shopper.body.id}/points`, keys["agent"]);
  assert.ok(points.body.balance.pending > 0, "the sale earned pending points");
  await page.close();
});

test("a shopper orders online for store pickup and the associate hands it out", async () => {
  const associate = Object.entries(keys).find(([k]) => k.startsWith("associate"))[1];
  const store = (await apiCall("GET", "/v1/me", associate)).body.store;
  const { product, sku, onHand } = await stockedAt(store, "", keys["app:web"], associate);

  // The shopper: the demo storefront (an app key of the web channel) on a phone.
  const shop = await browser.newPage({ viewport: { width: 390, height: 844 } });
  await signIn(shop, keys["app:web"]);
  await usable(shop, "search", Date.now());
  await shop.fill("input[name=q]", product.article);
  await shop.click("button[type=submit]");
  await shop.click(`#results[data-q="${product.article}"] [data-add="${sku}"]`);
  await shop.waitForSelector(`[data-add="${sku}"][data-added]`);
  await shop.screenshot({ path: join(shots, "storefront-search.png") });
  let started = Date.now();
  await shop.click('nav a[href="#/cart"]');
  let took = await usable(shop, "cart", started);
  assert.ok(took < USABLE_MS, `the priced cart became usable in ${took} ms`);
  assert.ok(await shop.$(`tr[data-sku="${sku}"]`), "the line is in the server's cart");
  await shop.reload();
  await usable(shop, "cart", Date.now());
  assert.ok(await shop.$(`tr[data-sku="${sku}"]`), "the cart survives a reload (the device id is kept)");
  await shop.waitForSelector("[data-quote]");
  await shop.screenshot({ path: join(shots, "storefront-cart.png"), fullPage: true });

  await shop.selectOption("select[name=near]", store);
  await shop.click("[data-ask-options]");
  const option = `label.option[data-method="store_pickup"][data-location="${store}"]`;
  await shop.waitForSelector(option);
  await shop.click(option);
  await shop.screenshot({ path: join(shots, "storefront-delivery-options.png"), fullPage: true });
  await shop.selectOption("select[name=payment]", "card_test");
  await shop.click("[data-place-order]");
  await shop.waitForSelector("[data-order-number]");
  const number = await shop.getAttribute("[data-order-number]", "data-order-number");
  const code = await shop.getAttribute("[data-pickup-code]", "data-pickup-code");
  assert.match(code, /^\d{6}$/, "a six-digit pickup code is shown");
  await shop.screenshot({ path: join(shots, "storefront-order-placed.png"), fullPage: true });
  await shop.close();

  // The associate at the pickup store: pick, pack, make ready, hand out.
  const counter = await browser.newPage({ viewport: { width: 390, height: 844 } });
  await signIn(counter, associate);
  await usable(counter, "shopper", Date.now());
  started = Date.now();
  await counter.click('nav a[href="#/picklist"]');
  took = await usable(counter, "picklist", started);
  assert.ok(took < USABLE_MS, `the pick list became usable in ${took} ms`);
  const card = `li[data-order="${number}"]`;
  await counter.waitForSelector(`${card}[data-status="allocated"]`);
  await counter.screenshot({ path: join(shots, "associate-pick-list.png"), fullPage: true });
  for (const [action, next] of [["start_picking", "picking"], ["pack", "packed"], ["mark_ready", "ready_for_pickup"]]) {
    started = Date.now();
    await counter.click(`${card} button[data-action="${action}"]`);
    await counter.waitForSelector(`${card}[data-status="${next}"]`);
    assert.ok(Date.now() - started < USABLE_MS, `${action} answered within the budget`);
  }
  await counter.screenshot({ path: join(shots, "associate-pick-list-ready.png"), fullPage: true });

  await counter.click(`${card} [data-hand-out]`);
  await usable(counter, "pickup", Date.now());
  assert.equal(await counter.inputValue("input[name=number]"), number, "the number comes from the pick list");
  await counter.fill("input[name=code]", code === "000000" ? "111111" : "000000");
  await counter.click("button[type=submit]");
  await counter.waitForSelector('[data-pickup-result="failed"]');
  assert.match(await counter.textContent('[data-pickup-result="failed"]'), /Код не подходит/);
  await counter.screenshot({ path: join(shots, "associate-pickup-wrong-code.png") });
  await counter.fill("input[name=code]", code);
  started = Date.now();
  await counter.click("button[type=submit]");
  await counter.waitForSelector('[data-pickup-result="ok"]');
  assert.ok(Date.now() - started < USABLE_MS, "the hand-out answered within the budget");
  assert.match(await counter.textContent('[data-pickup-result="ok"]'), /выдан/);
  await counter.screenshot({ path: join(shots, "associate-pickup-done.png") });
  await counter.close();

  const found = await apiCall("GET", `/v1/orders?number=${number}`, keys["admin"]);
  const order = found.body[0];
  assert.equal(order.status, "picked_up");
  assert.equal(order.delivery.location_id, store);
  assert.deepEqual(order.lines.flatMap((l) => l.allocations.map((a) => a.location_id)), [store], "picked from the store's own shelf");
  const after = await apiCall("GET", `/v1/stock/${sku}/locations/${store}`, associate);
  assert.equal(after.body.stock.on_hand, onHand - 1, "the unit left the shelf");
});

test("a call-center agent continues a conversation started in another channel", async () => {
  const agent = keys["agent"];
  // a fresh customer per run: a verified phone and a Telegram handle
  const digits = String(Math.floor(Math.random() * 1e7)).padStart(7, "0");
  const phone = `+7916${digits}`;
  const local = `8 916 ${digits.slice(0, 3)} ${digits.slice(3, 5)} ${digits.slice(5)}`;
  const handle = `@e2e_${digits}`;
  const created = await apiCall("POST", "/v1/customers", agent, {
    identifiers: [{ kind: "phone", value: phone, verified: true }, { kind: "telegram", value: handle, verified: true }],
    given_name: "Ирина", family_name: "Волкова",
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const customer = created.body.id;

  // She writes in Telegram and asks for a person; the bot hands off...
  const tg = await apiCall("POST", "/v1/conversations/inbound", agent, {
    channel: "telegram", from: { kind: "telegram", value: handle }, text: "Здравствуйте! Позовите оператора, пожалуйста",
  });
  assert.equal(tg.status, 200, JSON.stringify(tg.body));
  assert.equal(tg.body.conversation.status, "waiting", "the bot handed off");
  assert.equal(tg.body.conversation.customer_id, customer);
  const id = tg.body.conversation.id;
  // ...then calls from her phone, written down in the local format.
  const call = await apiCall("POST", "/v1/conversations/inbound", agent, {
    channel: "call", from: { kind: "phone", value: local }, text: "Звоню узнать про доставку",
  });
  assert.equal(call.status, 200, JSON.stringify(call.body));
  assert.equal(call.body.conversation.id, id, "the call continues the Telegram thread");

  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  await signIn(page, agent);
  const first = await usable(page, "inbox", Date.now());
  assert.ok(first < USABLE_MS * 10, `sign-in answered in ${first} ms`);
  await page.click('nav a[href="#/shopper"]');
  await usable(page, "shopper", Date.now());
  let started = Date.now();
  await page.click('nav a[href="#/inbox"]');
  let took = await usable(page, "inbox", started);
  assert.ok(took < USABLE_MS, `the inbox became usable in ${took} ms`);
  const row = `[data-queue="waiting"] li[data-conversation="${id}"]`;
  await page.waitForSelector(row);
  await page.waitForFunction((sel) => /Ирина/.test(document.querySelector(sel).textContent), row); // names follow the queue
  const rowText = await page.textContent(row);
  assert.match(rowText, /Telegram/);
  assert.match(rowText, /Телефон/, "the queue shows both channels of the thread");
  await page.screenshot({ path: join(shots, "agent-inbox.png") });

  started = Date.now();
  await page.click(`${row} [data-open]`);
  took = await usable(page, "thread", started);
  assert.ok(took < USABLE_MS, `the thread became usable in ${took} ms`);
  await page.waitForSelector(`[data-thread="${id}"]`);
  const fromCustomer = await page.$$eval('[data-author="customer"]', (els) => els.map((e) => [e.dataset.channel, e.textContent]));
  assert.deepEqual(fromCustomer.map(([ch]) => ch), ["telegram", "call"], "one thread holds the chat and the call, in order");
  assert.match(fromCustomer[0][1], /Позовите оператора/);
  assert.match(fromCustomer[1][1], /Звоню узнать про доставку/);
  assert.ok(await page.$('[data-author="bot"]'), "the bot's hand-off is in the history");
  assert.match(await page.textContent(`[data-customer="${customer}"]`), /Ирина/, "the customer's summary is beside the thread");
  assert.match(await page.textContent('[data-reply-channel="call"]'), /Ответ уйдёт через.*Телефон/, "the reply goes where she last wrote");
  await page.screenshot({ path: join(shots, "agent-thread.png"), fullPage: true });

  const reply = "Ирина, заказ приедет завтра до 18:00.";
  await page.fill("textarea[name=text]", reply);
  started = Date.now();
  await page.click("[data-send]");
  await page.waitForSelector('[data-author="staff"]');
  assert.ok(Date.now() - started < USABLE_MS * 2, "the reply answered at once");
  await page.waitForSelector(`[data-thread="${id}"][data-status="assigned"]`);

  const stored = await apiCall("GET", `/v1/conversations/${id}`, agent);
  assert.equal(stored.status, 200, JSON.stringify(stored.body));
  assert.equal(stored.body.conversation.status, "assigned");
  const sent = stored.body.messages.filter((m) => m.author.type === "staff");
  assert.equal(sent.length, 1, JSON.stringify(stored.body.messages));
  assert.equal(sent[0].text, reply);
  assert.equal(sent[0].channel, "call", "the reply went out in the call channel");
  assert.deepEqual(stored.body.messages.filter((m) => m.author.type === "customer").map((m) => m.channel), ["telegram", "call"]);

  // the same window on a phone: one column, nothing wider than the screen
  await page.setViewportSize({ width: 390, height: 844 });
  await page.reload();
  await usable(page, "thread", Date.now());
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `the thread fits a phone (overflow ${overflow}px)`);
  await page.screenshot({ path: join(shots, "agent-thread-phone.png"), fullPage: true });
  await page.close();
});

/** A full-page screenshot from the top (the sticky bar stays where it belongs). */
async function shot(page, name) {
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: join(shots, name), fullPage: true });
}

/** Whether the page is no wider than its (phone-sized) window. */
async function fitsScreen(page) {
  return page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
}

/** The demo's running-shoes category and a SKU in it (what the promotion tests discount). */
async function runningShoes(key) {
  const categories = await apiCall("GET", "/v1/catalog/categories?limit=100", key);
  const running = categories.body.data.find((c) => c.code === "running-shoes");
  const found = await apiCall("GET", `/v1/catalog/search?q=${encodeURIComponent("кроссовки")}&category=running-shoes&limit=5`, key);
  return { running, sku: (found.body.hits[0].product || found.body.hits[0]).skus[0] };
}

test("a marketer creates a promotion, dry-runs a sample cart with it and sees each discount explained, then runs and archives it", async () => {
  const marketer = keys.marketer;
  const { running, sku } = await runningShoes(marketer);

  const page = await browser.newPage({ viewport: { width: 390, height: 844 } });
  await signIn(page, marketer);
  await usable(page, "products", Date.now());
  assert.ok(!(await page.$('nav a[href="#/locations"]')), "a marketer does not manage locations");
  let started = Date.now();
  await page.click('nav a[href="#/promotions"]');
  let took = await usable(page, "promotions", started);
  assert.ok(took < USABLE_MS, `the promotions list became usable in ${took} ms`);
  assert.ok((await page.$$("[data-promotion]")).length >= 10, "the demo's promotions are listed");
  assert.ok(await fitsScreen(page) <= 0, "the list fits a phone");
  await shot(page, "marketer-promotions.png");

  started = Date.now();
  await page.click('a[href="#/promotions/new"]');
  took = await usable(page, "promotions", started);
  await page.waitForSelector('form[data-form="promotion"]');
  assert.ok(took < USABLE_MS, `the promotion form became usable in ${took} ms`);
  const name = `E2E бег ${Date.now()}`;
  await page.fill("form input[name=name]", name);
  await page.fill("form input[name=reason]", "E2E: −20% на беговые кроссовки");
  await page.selectOption("form select[name=kind]", "percent_off");
  await page.fill("form input[name=percent_bp]", "0");
  await page.selectOption("form select[name=category]", running.id);
  await page.check('form input[name=channel][value="web"]');
  await page.click("form button[type=submit]");
  await page.waitForSelector(".error");
  assert.match(await page.textContent(".error"), /effect\.percent_bp/, "the API's field error is shown");
  assert.ok(await page.$("input[name=percent_bp].invalid"), "the field it names is marked");
  await shot(page, "marketer-promotion-new.png");
  await page.fill("form input[name=percent_bp]", "20");
  await page.click("form button[type=submit]");

  // saved as a draft, the dry-run opens with it ticked
  await page.waitForFunction(() => location.hash === "#/promotions/dry-run");
  await page.waitForSelector("textarea[name=lines]");
  const drafts = await apiCall("GET", "/v1/promotions?status=draft&limit=100", marketer);
  const promo = drafts.body.data.find((p) => p.name === name);
  assert.ok(promo, "the promotion is saved as a draft");
  assert.deepEqual(promo.effect, { type: "percent_off", percent_bp: 2000 });
  assert.deepEqual(promo.conditions.target.categories, [running.id]);
  assert.deepEqual(promo.conditions.audience.channels, ["web"]);
  assert.ok(await page.isChecked(`input[name=draft][value="${promo.id}"]`), "the new draft is the one tried");

  await page.fill("textarea[name=lines]", `${sku} × 2\nnot a line at all`);
  await page.click("form button[type=submit]");
  await page.waitForSelector(".error");
  assert.match(await page.textContent(".error"), /lines/, "a bad cart line is named");
  await page.fill("textarea[name=lines]", `${sku} × 2`);
  await page.selectOption("select[name=channel]", "web");
  started = Date.now();
  await page.click("form button[type=submit]");
  await page.waitForSelector("[data-dry-run]");
  took = Date.now() - started;
  assert.ok(took < USABLE_MS, `the dry-run answered in ${took} ms`);
  const change = Number(await page.getAttribute("[data-dry-run]", "data-dry-run"));
  assert.ok(change < 0, `the draft makes the cart cheaper (${change})`);
  const explained = await page.textContent(`tr[data-sku="${sku}"] li.bo-discount.draft`);
  assert.match(explained, /E2E: −20% на беговые кроссовки/, "the draft's discount is explained by its reason");
  assert.match(explained, new RegExp(name), "and names the promotion");
  // the same cart through the API: the page shows the server's figures
  const api = await apiCall("POST", "/v1/pricing/dry-runs", marketer, {
    cart: { channel: "web", currency: "RUB", lines: [{ sku, quantity: 2 }] },
    promotions: [{ name, reason: promo.reason, currency: "RUB", priority: promo.priority, stacking: promo.stacking,
      conditions: promo.conditions, effect: promo.effect, limits: promo.limits }],
  });
  assert.equal(api.body.total_change, change);
  assert.ok(await fitsScreen(page) <= 0, "the dry-run fits a phone");
  await shot(page, "marketer-dry-run.png");

  // in the kiosk the web-only draft gives nothing
  await page.selectOption("select[name=channel]", "kiosk");
  await page.click("form button[type=submit]");
  await page.waitForSelector('[data-dry-run="0"]');

  // activate it, hand out coupons, archive it
  await page.click('a[href="#/promotions"]');
  await usable(page, "promotions", Date.now());
  await page.click('button[data-filter="draft"]');
  const card = `li[data-promotion="${promo.id}"]`;
  await page.waitForSelector(`${card}[data-status="draft"]`);
  await page.click(`${card} button[data-activate]`);
  await page.waitForSelector(`${card}[data-status="active"]`);
  await page.click(`${card} button[data-coupons]`);
  await page.fill(`${card} input[name=prefix]`, "E2E");
  await page.fill(`${card} input[name=count]`, "5");
  await page.click(`${card} .bo-coupons button[type=submit]`);
  await page.waitForSelector(`${card} [data-codes="5"]`);
  const codes = (await page.inputValue(`${card} textarea.bo-codes`)).split("\n");
  assert.equal(codes.length, 5);
  assert.ok(codes.every((c) => c.startsWith("E2E")), codes.join(","));
  await shot(page, "marketer-promotion-coupons.png");
  await page.click(`${card} button[data-archive]`);
  await page.waitForSelector(`${card}[data-status="archived"]`);
  const stored = await apiCall("GET", `/v1/promotions/${promo.id}`, marketer);
  assert.equal(stored.body.status, "archived");

  // the same form on a desktop: fields side by side
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.goto(`${base}/console/#/promotions/new`);
  await page.waitForSelector('form[data-form="promotion"]');
  await shot(page, "marketer-promotion-new-desktop.png");
  await page.close();
});

test("a marketer edits a draft promotion, dry-runs the edit, is told of a stale save, and creates a buy-X-get-Y promotion that round-trips", async () => {
  const marketer = keys.marketer;
  const { running, sku } = await runningShoes(marketer);
  // an existing draft, with rule fields the form does not show (they must survive the edit)
  const name = `E2E правка ${Date.now()}`;
  const made = await apiCall("POST", "/v1/promotions", marketer, {
    name, reason: "E2E: скидка на беговые", currency: "RUB", priority: 120, stacking: { mode: "group", group: "e2e-season" },
    conditions: { audience: { channels: ["web"] }, schedule: { valid_from: "2020-01-01T00:00:00Z", hours: [0, 24] },
      target: { categories: [running.id] }, min_quantity: 2 },
    effect: { type: "percent_off", percent_bp: 1000 }, limits: { total: 1000 },
  });
  assert.equal(made.status, 201, JSON.stringify(made.body));
  const id = made.body.id;
  const rule = (p) => { const { id: _, version, uses, spent, status, ...r } = p; return r; };
  const original = (await apiCall("GET", `/v1/promotions/${id}`, marketer)).body;
  const timings = {};

  const page = await browser.newPage({ viewport: { width: 390, height: 844 } });
  await signIn(page, marketer);
  await usable(page, "products", Date.now());
  let started = Date.now();
  await page.click('nav a[href="#/promotions"]');
  timings.list = await usable(page, "promotions", started);
  await page.click('button[data-filter="draft"]');
  await page.waitForSelector(`[data-edit="${id}"]`);
  started = Date.now();
  await page.click(`[data-edit="${id}"]`);
  timings.edit = await usable(page, "promotion", started);
  assert.equal(await page.inputValue("input[name=percent_bp]"), "10", "the form is prefilled from the API");
  assert.equal(await page.inputValue("select[name=category]"), running.id);
  assert.ok(await page.isChecked('input[name=channel][value="web"]'));
  assert.equal(await page.inputValue("select[name=stacking]"), "group");
  assert.ok(await fitsScreen(page) <= 0, "the editor fits a phone");
  assert.doesNotMatch(await page.textContent("#promotion-edit"), /null|undefined/, "no placeholder leaks into the page");
  await page.fill("input[name=percent_bp]", "abc");
  await page.click("[data-save]");
  await page.waitForSelector("input[name=percent_bp].invalid");
  await page.fill("input[name=percent_bp]", "25");
  await page.click("[data-save]");
  await page.waitForSelector('[data-saved="2"]');
  await usable(page, "promotion", Date.now());
  let stored = (await apiCall("GET", `/v1/promotions/${id}`, marketer)).body;
  assert.deepEqual(stored.effect, { type: "percent_off", percent_bp: 2500 }, "the API has the new discount");
  assert.deepEqual(rule(stored), { ...rule(original), effect: { type: "percent_off", percent_bp: 2500 } }, "nothing else changed");
  assert.equal(await page.inputValue("input[name=percent_bp]"), "25", "the editor shows the saved version");
  await shot(page, "marketer-promotion-edit.png");

  // the edited draft can be dry-run at once
  await page.evaluate((line) => sessionStorage.setItem("omni.bo.cart", line), `${sku} × 2`);
  started = Date.now();
  await page.click("button[data-try]");
  await page.waitForSelector("[data-dry-run]");
  timings.dryRun = Date.now() - started;
  assert.ok(await page.isChecked(`input[name=draft][value="${id}"]`), "the edited draft is the one tried");
  assert.ok(Number(await page.getAttribute("[data-dry-run]", "data-dry-run")) < 0, "the edited draft discounts the cart");
  assert.match(await page.textContent(`tr[data-sku="${sku}"] li.bo-discount.draft`), new RegExp(name));

  // a concurrent change through the API: this editor's version 2 is stale
  started = Date.now();
  await page.goto(`${base}/console/#/promotions/${id}`);
  await usable(page, "promotion", started);
  const elsewhere = await apiCall("PUT", `/v1/promotions/${id}`, marketer,
    { ...rule(stored), effect: { type: "percent_off", percent_bp: 3000 } }, { "If-Match": '"2"' });
  assert.equal(elsewhere.status, 200, JSON.stringify(elsewhere.body));
  await page.fill("input[name=percent_bp]", "40");
  await page.click("[data-save]");
  await page.waitForSelector("[data-conflict]");
  assert.match(await page.textContent("[data-conflict]"), /изменил кто-то другой/);
  assert.equal(await page.inputValue("input[name=percent_bp]"), "40", "the typed value stays for re-entry");
  await shot(page, "marketer-promotion-conflict.png");
  stored = (await apiCall("GET", `/v1/promotions/${id}`, marketer)).body;
  assert.equal(stored.effect.percent_bp, 3000, "the stale save overwrote nothing");
  assert.equal(stored.version, 3);
  started = Date.now();
  await page.click("[data-reload]");
  timings.reload = await usable(page, "promotion", started);
  assert.equal(await page.inputValue("input[name=percent_bp]"), "30", "the current version is loaded");
  assert.equal(await page.getAttribute("form[data-form=promotion]", "data-version"), "3");

  // a rarer kind through the form: buy 2, get 1 free
  started = Date.now();
  await page.goto(`${base}/console/#/promotions/new`);
  await page.waitForSelector('form[data-form="promotion"]');
  timings.form = await usable(page, "promotions", started);
  const name2 = `E2E 2+1 ${Date.now()}`;
  await page.fill("form input[name=name]", name2);
  await page.fill("form input[name=reason]", "E2E: третий в подарок");
  await page.selectOption("form select[name=kind]", "buy_x_get_y");
  assert.ok(await page.isVisible("input[name=buy]") && await page.isVisible("input[name=get]"), "the kind's fields are shown");
  assert.ok(!(await page.isVisible("input[name=amount]")), "other kinds' fields are not");
  await page.fill("form input[name=buy]", "2");
  await page.fill("form input[name=percent_bp]", "100");
  await page.fill("form input[name=skus]", sku);
  await page.click("form button[type=submit]");
  await page.waitForSelector("input[name=get].invalid");
  await page.fill("form input[name=get]", "1");
  await page.click("form button[type=submit]");
  await page.waitForFunction(() => location.hash === "#/promotions/dry-run");
  await page.waitForSelector("[data-dry-run]"); // the new draft is tried on the remembered cart
  const made2 = (await apiCall("GET", "/v1/promotions?status=draft&limit=100", marketer)).body.data.find((p) => p.name === name2);
  assert.ok(made2, "the buy-X-get-Y draft is saved");
  assert.deepEqual(made2.effect, { type: "buy_x_get_y", buy: 2, get: 1, percent_bp: 10000 }, "the exact effect");
  assert.deepEqual(made2.conditions.target.skus, [sku]);
  assert.deepEqual(made2.conditions.target.categories, []);
  // and it round-trips: opened and saved unchanged, the API holds the same rule
  started = Date.now();
  await page.goto(`${base}/console/#/promotions/${made2.id}`);
  timings.edit2 = await usable(page, "promotion", started);
  assert.equal(await page.inputValue("select[name=kind]"), "buy_x_get_y");
  assert.deepEqual([await page.inputValue("input[name=buy]"), await page.inputValue("input[name=get]"), await page.inputValue("input[name=percent_bp]")], ["2", "1", "100"]);
  await shot(page, "marketer-promotion-buy-x-get-y.png");
  await page.click("[data-save]");
  await page.waitForSelector('[data-saved="2"]');
  const again = (await apiCall("GET", `/v1/promotions/${made2.id}`, marketer)).body;
  assert.deepEqual(rule(again), rule(made2), "an unchanged save changes nothing");
  for (const [view, ms] of Object.entries(timings)) assert.ok(ms < USABLE_MS, `${view} became usable in ${ms} ms`);
  await page.close();
});

test("a marketer defines a segment from rules and materialises it", async () => {
  const marketer = keys.marketer;
  const page = await browser.newPage({ viewport: { width: 390, height: 844 } });
  await signIn(page, marketer);
  await usable(page, "products", Date.now());
  const started = Date.now();
  await page.click('nav a[href="#/segments"]');
  const took = await usable(page, "segments", started);
  assert.ok(took < USABLE_MS, `segments became usable in ${took} ms`);

  await page.click('form[data-form="segment"] button[type=submit]');
  await page.waitForSelector(".error");
  assert.match(await page.textContent(".error"), /name/, "a nameless segment is refused by field");

  const name = `E2E серебро+ ${Date.now()}`;
  await page.fill("input[name=name]", name);
  await page.selectOption("select[name=tier_mode]", "tier_at_least");
  await page.selectOption("select[name=tier]", "silver");
  await page.click('form[data-form="segment"] button[type=submit]');
  await page.waitForSelector("li.bo-new[data-segment]");
  const id = await page.getAttribute("li.bo-new[data-segment]", "data-segment");
  const created = await apiCall("GET", `/v1/segments/${id}`, marketer);
  assert.equal(created.body.name, name);
  assert.deepEqual(created.body.rule, { all: [{ tier_at_least: "silver" }] });

  const materialize = Date.now();
  await page.click(`[data-materialize="${id}"]`);
  await page.waitForSelector(`li[data-segment="${id}"] [data-materialized]`);
  assert.ok(Date.now() - materialize < USABLE_MS, "materialised within the budget");
  const members = Number(await page.getAttribute(`li[data-segment="${id}"] [data-materialized]`, "data-materialized"));
  const base = Number(await page.getAttribute(`li[data-segment="${id}"] [data-materialized]`, "data-base"));
  assert.ok(members > 0 && members < base, `${members} of ${base} customers are silver or higher`);
  assert.match(await page.textContent(`li[data-segment="${id}"] [data-materialized]`), /мс/, "the timings are shown");
  const stored = await apiCall("GET", `/v1/segments/${id}`, marketer);
  assert.equal(stored.body.member_count, members, "the count is the stored materialisation");
  assert.ok(await fitsScreen(page) <= 0, "segments fit a phone");
  await shot(page, "marketer-segments.png");

  // a stricter rule has fewer members
  await page.fill("input[name=name]", `${name} платина`);
  await page.selectOption("select[name=tier_mode]", "tier_is");
  await page.selectOption("select[name=tier]", "platinum");
  await page.click('form[data-form="segment"] button[type=submit]');
  await page.waitForFunction((n) => document.querySelector("li.bo-new[data-segment] strong")?.textContent === n, `${name} платина`);
  const strict = await page.getAttribute("li.bo-new[data-segment]", "data-segment");
  await page.click(`[data-materialize="${strict}"]`);
  await page.waitForSelector(`li[data-segment="${strict}"] [data-materialized]`);
  const few = Number(await page.getAttribute(`li[data-segment="${strict}"] [data-materialized]`, "data-materialized"));
  assert.ok(few < members, `platinum only (${few}) is fewer than silver and up (${members})`);
  await page.close();
});

test("a marketer edits a trigger chain, reads the change back, is told of a stale edit and creates a chain", async () => {
  const marketer = keys.marketer;
  const page = await browser.newPage({ viewport: { width: 390, height: 844 } });
  await signIn(page, marketer);
  await usable(page, "products", Date.now());
  let started = Date.now();
  await page.click('nav a[href="#/triggers"]');
  let took = await usable(page, "triggers", started);
  assert.ok(took < USABLE_MS, `trigger chains became usable in ${took} ms`);
  assert.match(await page.textContent('[data-chain="abandoned_cart"]'), /cart\.updated/);
  assert.ok(await fitsScreen(page) <= 0, "the chains fit a phone");
  await shot(page, "marketer-triggers.png");

  started = Date.now();
  await page.click('[data-edit="abandoned_cart"]');
  took = await usable(page, "trigger", started);
  assert.ok(took < USABLE_MS, `the chain editor became usable in ${took} ms`);
  const before = await fetch(`${base}/v1/engagement/triggers/abandoned_cart`, { headers: { Authorization: `Bearer ${marketer}` } });
  const version = Number((before.headers.get("etag") || "").replace(/\D/g, ""));
  assert.equal(await page.inputValue("input[name=wait_minutes]"), String((await before.json()).wait_minutes));
  assert.equal(await page.inputValue("[data-condition] input[name=cond_path]"), "units", "the condition is in the editor");
  await page.fill("input[name=wait_minutes]", "45");
  await page.click("[data-save]");
  await page.waitForSelector(`[data-saved="${version + 1}"]`);
  assert.equal(await page.inputValue("input[name=wait_minutes]"), "45", "the editor shows the saved chain");
  let stored = await apiCall("GET", "/v1/engagement/triggers/abandoned_cart", marketer);
  assert.equal(stored.body.wait_minutes, 45);
  assert.deepEqual(stored.body.conditions, [{ data_at_least: { path: "units", value: 1 } }], "the conditions survive the round trip");
  assert.deepEqual(stored.body.unless, ["order.placed", "cart.cleared"]);
  await page.reload();
  await usable(page, "trigger", Date.now());
  assert.equal(await page.inputValue("input[name=wait_minutes]"), "45", "read back after a reload");
  await shot(page, "marketer-trigger-edit.png");

  // someone else saves meanwhile: this editor's version is stale
  const elsewhere = await fetch(`${base}/v1/engagement/triggers/abandoned_cart`, {
    method: "PUT",
    headers: { Authorization: `Bearer ${marketer}`, "Content-Type": "application/json", "If-Match": `"${version + 1}"` },
    body: JSON.stringify({ ...stored.body, name: "Changed elsewhere" }),
  });
  assert.equal(elsewhere.status, 200, await elsewhere.text());
  await page.fill("input[name=wait_minutes]", "30");
  await page.click("[data-save]");
  await page.waitForSelector("[data-conflict]");
  assert.match(await page.textContent("[data-conflict]"), /изменил кто-то другой/);
  await shot(page, "marketer-trigger-conflict.png");
  stored = await apiCall("GET", "/v1/engagement/triggers/abandoned_cart", marketer);
  assert.equal(stored.body.wait_minutes, 45, "the stale edit did not overwrite");
  await page.click("[data-reload]");
  await page.waitForFunction(() => document.querySelector("input[name=name]")?.value === "Changed elsewhere");
  assert.equal(await page.inputValue("input[name=wait_minutes]"), "45");

  // a new chain, created with If-Match "0"
  await page.goto(`${base}/console/#/triggers/new`);
  await usable(page, "trigger", Date.now());
  const id = `e2e_${Date.now()}`;
  await page.fill("input[name=id]", "abandoned_cart");
  await page.fill("input[name=name]", "A second abandoned cart");
  await page.fill("input[name=on]", "cart.updated");
  await page.fill("input[name=template]", "abandoned_cart");
  await page.click("[data-save]");
  await page.waitForSelector(".error");
  assert.match(await page.textContent(".error"), /exists/, "a new chain cannot take an existing key");
  assert.ok(await page.$("input[name=id].invalid"));
  await page.fill("input[name=id]", id);
  await page.fill("input[name=name]", "E2E: gold buyers get points");
  await page.fill("input[name=on]", "order.placed");
  await page.click("[data-add-condition]");
  await page.selectOption("[data-condition] select[name=cond_kind]", "tier_at_least");
  await page.selectOption("[data-condition] select[name=cond_tier]", "gold");
  await page.click("[data-add-condition]");
  await page.fill("[data-condition]:nth-child(2) input[name=cond_path]", "total_minor");
  await page.fill("[data-condition]:nth-child(2) input[name=cond_value]", "500000");
  await page.selectOption("select[name=action_kind]", "gift_points");
  await page.fill("input[name=action_points]", "100");
  await page.uncheck("input[name=active]");
  await page.click("[data-save]");
  await page.waitForSelector('[data-saved="1"]');
  const made = await apiCall("GET", `/v1/engagement/triggers/${id}`, marketer);
  assert.equal(made.status, 200, JSON.stringify(made.body));
  assert.deepEqual(made.body.conditions, [{ tier_at_least: "gold" }, { data_at_least: { path: "total_minor", value: 500000 } }]);
  assert.deepEqual(made.body.action, { kind: "gift_points", points: 100 });
  assert.equal(made.body.active, false);
  await page.close();
});

test("an admin adds a pickup point with its hours and capabilities, then edits it", async () => {
  const admin = keys.admin;
  const page = await browser.newPage({ viewport: { width: 390, height: 844 } });
  await signIn(page, admin);
  await usable(page, "products", Date.now());
  let started = Date.now();
  await page.click('nav a[href="#/locations"]');
  let took = await usable(page, "locations", started);
  assert.ok(took < USABLE_MS, `locations became usable in ${took} ms`);
  assert.ok(await page.$('tr[data-code="MSK-001"]'), "the demo's stores are listed");
  await shot(page, "admin-locations.png");

  started = Date.now();
  await page.click("[data-new-location]");
  took = await usable(page, "location", started);
  assert.ok(took < USABLE_MS, `the location form became usable in ${took} ms`);
  const code = `E2E-${String(Date.now()).slice(-6)}`;
  await page.fill("input[name=code]", code);
  await page.fill("input[name=name]", "Пункт выдачи E2E");
  await page.selectOption("select[name=kind]", "pickup_point");
  await page.selectOption("select[name=country]", "RU");
  await page.fill("input[name=city]", "Москва");
  await page.fill("input[name=address]", "ул. Тверская, 1");
  await page.fill("input[name=lat]", "55.7575");
  await page.fill("input[name=lon]", "37.6135");
  await page.fill("input[name=time_zone]", "Mars/Olympus");
  await page.fill("input[name=open_mon]", "10:00");
  await page.fill("input[name=close_mon]", "22:00");
  await page.click("[data-same-hours]");
  await page.fill("input[name=open_sun]", "");
  await page.fill("input[name=close_sun]", "");
  for (const cap of ["sell_in_store", "returns"]) await page.uncheck(`input[name=capability][value="${cap}"]`);
  await page.click("[data-save]");
  await page.waitForSelector(".error");
  assert.match(await page.textContent(".error"), /time_zone/, "a bad time zone is named");
  assert.ok(await page.$("input[name=time_zone].invalid"));
  await page.fill("input[name=time_zone]", "");
  await page.click("[data-save]");
  await page.waitForSelector('[data-saved="1"]');
  assert.ok(await fitsScreen(page) <= 0, "the location form fits a phone");
  await shot(page, "admin-location-created.png");
  const id = await page.getAttribute("form[data-location-form]", "data-location-form");
  const stored = await apiCall("GET", `/v1/locations/${id}`, admin);
  assert.equal(stored.status, 200, JSON.stringify(stored.body));
  assert.equal(stored.body.code, code);
  assert.equal(stored.body.kind, "pickup_point");
  assert.equal(stored.body.time_zone, "Europe/Moscow", "the country's time zone by default");
  assert.deepEqual(stored.body.geo, { lat: 55.7575, lon: 37.6135 });
  assert.deepEqual(stored.body.opening_hours.sat, [{ open: "10:00", close: "22:00" }]);
  assert.equal(stored.body.opening_hours.sun, undefined, "Sunday is closed");
  assert.deepEqual(stored.body.capabilities, ["pickup"]);

  await page.fill("input[name=name]", "Пункт выдачи E2E, Тверская");
  await page.selectOption("select[name=status]", "temporarily_closed");
  await page.click("[data-save]");
  await page.waitForSelector('[data-saved="2"]');
  const edited = await apiCall("GET", `/v1/locations/${id}`, admin);
  assert.equal(edited.body.name, "Пункт выдачи E2E, Тверская");
  assert.equal(edited.body.status, "temporarily_closed");
  assert.deepEqual(edited.body.opening_hours, stored.body.opening_hours, "the hours are kept");

  await page.click('a[href="#/locations"]');
  await usable(page, "locations", Date.now());
  assert.ok(await page.$(`tr[data-code="${code}"]`), "the new point is in the list");
  await page.close();
});

/** A carry-out sale rung up at `key`'s till through the API: the order as checkout answers it. */
async function tillSale(key, customer, lines) {
  const cart = await apiCall("POST", "/v1/carts", key, { customer_id: customer, lines });
  assert.ok([200, 201].includes(cart.status), JSON.stringify(cart.body));
  const placed = await apiCall("POST", "/v1/checkouts", key,
    { cart_id: cart.body.id, fulfilment: { method: "carry_out" }, payment: { method: "cash" } },
    { "Idempotency-Key": `e2e_${Date.now()}_${Math.random().toString(16).slice(2)}` });
  assert.equal(placed.status, 201, JSON.stringify(placed.body));
  assert.equal(placed.body.order.status, "completed", "a carry-out sale is complete at once");
  return placed.body.order;
}

/** A fresh shopper with a verified phone (through the storefront's key). */
async function newShopper(given_name) {
  const digits = String(Math.floor(Math.random() * 1e7)).padStart(7, "0");
  const created = await apiCall("POST", "/v1/customers", keys["app:web"], {
    identifiers: [{ kind: "phone", value: `+7926${digits}`, verified: true }], given_name,
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  return created.body.id;
}

test("two associates see the same consultation request; exactly one takes it, the other is told, and the winner chats and attributes a sale", async () => {
  const first = keys.associate;
  const store = (await apiCall("GET", "/v1/me", first)).body.store;
  // the second associate works in another store: requests reach the expertise anywhere
  const stores = await apiCall("GET", "/v1/locations?kind=store&limit=100", keys.admin);
  const otherStore = stores.body.data.find((l) => l.id !== store).id;
  const minted = await apiCall("POST", "/v1/api-keys", keys.admin, { name: "E2E consultant", role: "associate", store: otherStore });
  assert.equal(minted.status, 201, JSON.stringify(minted.body));
  const second = minted.body.token;

  const pages = [];
  for (const key of [first, second]) {
    const ctx = await browser.newContext({ viewport: { width: 390, height: 844 } });
    const page = await ctx.newPage();
    await signIn(page, key);
    await usable(page, "shopper", Date.now());
    const started = Date.now();
    await page.click('nav a[href="#/consult"]');
    const took = await usable(page, "consult", started);
    assert.ok(took < USABLE_MS, `the consultations screen became usable in ${took} ms`);
    await page.check('input[name=skill][value="running-shoes"]');
    await page.check("input[name=available]");
    await page.click("[data-save-skills]");
    await page.waitForSelector("[data-skills-saved]");
    pages.push(page);
  }
  assert.ok(await fitsScreen(pages[0]) <= 0, "the consultations screen fits a phone");

  // The shopper asks in the app after both associates opened the screen: the list refreshes itself.
  const shopper = await newShopper("Вера");
  const { sku } = await stockedAt(store, "кроссовки", keys["app:web"], first);
  const asked = await apiCall("POST", "/v1/consultations", keys["app:web"],
    { customer_id: shopper, skill: "running-shoes", sku, question: "Подойдут ли эти кроссовки для полумарафона по асфальту?" });
  assert.equal(asked.status, 201, JSON.stringify(asked.body));
  const id = asked.body.id;
  const card = `li[data-consultation="${id}"]`;
  for (const page of pages) {
    await page.waitForSelector(`${card} [data-accept]`, { timeout: 10_000 });
    assert.match(await page.textContent(card), /полумарафона/);
  }
  await shot(pages[0], "associate-consult-requests.png");

  // Both tap "Accept" at once: one takes it, the other is told someone was faster.
  const tapped = Date.now();
  await Promise.all(pages.map((page) => page.click(`${card} [data-accept]`)));
  const outcome = await Promise.all(pages.map(async (page) => {
    const el = await page.waitForSelector(`[data-consultation="${id}"][data-mine="yes"], [data-conflict="${id}"]`);
    return (await el.getAttribute("data-conflict")) === null ? "won" : "lost";
  }));
  assert.deepEqual([...outcome].sort(), ["lost", "won"], `exactly one associate takes the request: ${outcome}`);
  const winner = pages[outcome.indexOf("won")];
  const loser = pages[outcome.indexOf("lost")];
  const winnerKey = outcome[0] === "won" ? first : second;
  const loserKey = outcome[0] === "won" ? second : first;
  assert.match(await loser.textContent(`[data-conflict="${id}"]`), /другой продавец/);
  assert.equal(await loser.$(card), null, "the taken request left the loser's refreshed list");
  await shot(loser, "associate-consult-conflict.png");
  const stored = await apiCall("GET", `/v1/consultations/${id}`, first);
  assert.equal(stored.body.status, "accepted");
  assert.equal(stored.body.consultant, (await apiCall("GET", "/v1/me", winnerKey)).body.key_id, "the server agrees who won");

  // The winner sees the shopper, the product asked about, and answers in the chat.
  const took = await usable(winner, "consultation", tapped);
  assert.ok(took < USABLE_MS, `the taken request became usable in ${took} ms`);
  assert.match(await winner.textContent(`[data-consultation="${id}"]`), /Вера/);
  await winner.waitForSelector(`#discussed [data-card-sku="${sku}"]`);
  const other = (await apiCall("GET", `/v1/catalog/search?q=${encodeURIComponent("кроссовки")}&limit=5`, winnerKey))
    .body.hits.map((hit) => (hit.product || hit).skus[0]).find((s) => s !== sku);
  await winner.fill("textarea[name=text]", `Да, подойдут. Ещё посмотрите ${other}.`);
  await winner.click("[data-send]");
  await winner.waitForSelector(`[data-chat] [data-author="staff"]`);
  assert.match(await winner.textContent("[data-chat]"), new RegExp(other));
  await winner.waitForSelector(`#discussed [data-card-sku="${other}"]`);
  await shot(winner, "associate-consult-chat.png");
  assert.ok(await fitsScreen(winner) <= 0, `the consultation fits a phone (${await fitsScreen(winner)} px too wide)`);
  // the loser is still on the requests screen, where the saved expertise is summed up
  assert.match(await loser.textContent("#skills summary"), /Кроссовки для бега/, "the saved expertise is summed up");

  // The sale made through the consultation goes to the consultant; the loser may not claim it.
  const winnerStore = (await apiCall("GET", "/v1/me", winnerKey)).body.store;
  const stocked = await stockedAt(winnerStore, "", winnerKey, winnerKey);
  const order = await tillSale(winnerKey, shopper, [{ sku: stocked.sku, quantity: 1 }]);
  await winner.fill("input[name=order_number]", "0000000");
  await winner.click("[data-attribute]");
  await winner.waitForSelector("[data-sale-form] .error");
  await winner.fill("input[name=order_number]", order.number);
  await winner.click("[data-attribute]");
  await winner.waitForSelector(`[data-sale="${order.number}"]`);
  await shot(winner, "associate-consult-sale.png");
  const attributed = await apiCall("GET", `/v1/consultations/${id}`, first);
  assert.equal(attributed.body.sale, order.id, "the order is attributed to the consultation");
  const stolen = await apiCall("POST", `/v1/consultations/${id}/sale`, loserKey, { order_id: order.id });
  assert.equal(stolen.status, 403, "only the consultant attributes a sale");
  // The winner ends the consultation; the skills they saved read back on a fresh visit.
  await winner.click(`[data-close-consultation="${id}"]`);
  await winner.waitForSelector(`[data-consultation="${id}"][data-status="closed"]`);
  assert.equal((await apiCall("GET", `/v1/consultations/${id}`, first)).body.status, "closed");
  const device = await (await browser.newContext({ viewport: { width: 390, height: 844 } })).newPage();
  await signIn(device, winnerKey);
  await usable(device, "shopper", Date.now());
  await device.click('nav a[href="#/consult"]');
  await usable(device, "consult", Date.now());
  assert.ok(await device.isChecked('input[name=skill][value="running-shoes"]'), "another device shows the saved skills");
  await device.context().close();
  for (const page of pages) await page.context().close();
});

test("an associate takes a partial return at the store, sees the refund, and a return beyond what remains is refused", async () => {
  const associate = keys.associate;
  const store = (await apiCall("GET", "/v1/me", associate)).body.store;
  const shopper = await newShopper("Глеб");
  const a = await stockedAt(store, "кроссовки", associate, associate);
  const b = await stockedAt(store, "", associate, associate);
  const lines = a.sku === b.sku ? [{ sku: a.sku, quantity: 3 }] : [{ sku: a.sku, quantity: 2 }, { sku: b.sku, quantity: 1 }];
  const order = await tillSale(associate, shopper, lines);
  const line = order.lines[0];
  assert.ok(line.quantity >= 2, "the first line has units to return in parts");

  const page = await browser.newPage({ viewport: { width: 390, height: 844 } });
  await signIn(page, associate);
  await usable(page, "shopper", Date.now());
  await page.click('nav a[href="#/returns"]');
  await usable(page, "returns", Date.now());
  await page.fill("input[name=number]", "999999999");
  await page.click("[data-find-order]");
  await page.waitForSelector("[data-no-order]");
  await page.fill("input[name=number]", order.number);
  const started = Date.now();
  await page.click("[data-find-order]");
  await page.waitForSelector(`form[data-order="${order.number}"]`);
  assert.ok(Date.now() - started < USABLE_MS, `the order was found and shown in ${Date.now() - started} ms`);
  assert.equal(await page.getAttribute('tr[data-line="0"]', "data-left"), String(line.quantity));
  await shot(page, "associate-return-order.png");
  assert.ok(await fitsScreen(page) <= 0, `the return form fits a phone (${await fitsScreen(page)} px too wide)`);

  // One unit of the first line: the refund is its share of what was paid, points clawed back.
  await page.fill("input[name=qty_0]", "1");
  await page.fill("input[name=reason]", "Не подошёл размер");
  await page.click("[data-accept-return]");
  await page.waitForSelector("[data-refund]");
  const paid = line.total - line.paid_with_points;
  const share = (amount) => Math.floor(amount / line.quantity);
  assert.equal(Number(await page.getAttribute("[data-refund]", "data-refund")), share(paid), "the money actually paid for one unit");
  assert.equal(Number(await page.getAttribute("[data-points-clawed-back]", "data-points-clawed-back")), share(line.points_earned));
  assert.ok(line.points_earned > 0, "the sale earned points to claw back");
  assert.equal(await page.getAttribute('tr[data-line="0"]', "data-left"), String(line.quantity - 1), "what remains is shown at once");
  await shot(page, "associate-return-refund.png");

  // More than remains: refused clearly, nothing recorded.
  await page.fill("input[name=qty_0]", String(line.quantity));
  await page.click("[data-accept-return]");
  await page.waitForSelector("[data-refused]");
  assert.match(await page.textContent("[data-refused]"), new RegExp(`1–${line.quantity - 1}`));
  assert.ok(await page.$('input[name=qty_0].invalid'), "the line's units are marked");
  await shot(page, "associate-return-refused.png");
  const returns = await apiCall("GET", `/v1/orders/${order.id}/returns`, associate);
  assert.equal(returns.body.length, 1, "only the first return was recorded");
  const after = await apiCall("GET", `/v1/orders/${order.id}`, associate);
  assert.equal(after.body.lines[0].returned, 1);
  assert.equal(after.body.status, "completed", "a partial return leaves the order open for more");
  await page.close();
});

/** An online courier order of two lines (1 + 2 units) placed for `customer` through the API. */
async function courierOrder(key, customer) {
  const found = await apiCall("GET", "/v1/catalog/search?q=&limit=40", key);
  const skus = [];
  for (const hit of found.body.hits) {
    const sku = (hit.product || hit).skus[0];
    const level = await apiCall("GET", `/v1/stock/${sku}`, key);
    if (level.status === 200 && level.body.available >= 3) skus.push(sku);
    if (skus.length === 2) break;
  }
  assert.equal(skus.length, 2, "two SKUs with stock in the network");
  const cart = await apiCall("POST", "/v1/carts", key,
    { customer_id: customer, lines: [{ sku: skus[0], quantity: 1 }, { sku: skus[1], quantity: 2 }] });
  assert.ok([200, 201].includes(cart.status), JSON.stringify(cart.body));
  const geo = { lat: 55.75, lon: 37.62 };
  const placed = await apiCall("POST", "/v1/checkouts", key,
    { cart_id: cart.body.id, fulfilment: { method: "courier", address: { text: "Тверская ул., 1", geo } }, payment: { method: "card", token: "tok_ok" } },
    { "Idempotency-Key": `e2e_${Date.now()}_${Math.random().toString(16).slice(2)}` });
  assert.equal(placed.status, 201, JSON.stringify(placed.body));
  return placed.body.order;
}

test("a call-center agent finds a customer's order by phone and by number, cancels a line, and a cancellation the status forbids is refused clearly", async (t) => {
  const digits = String(Math.floor(Math.random() * 1e7)).padStart(7, "0");
  const created = await apiCall("POST", "/v1/customers", keys["app:web"], {
    identifiers: [{ kind: "phone", value: `+7927${digits}`, verified: true }], given_name: "Ольга",
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const order = await courierOrder(keys.agent, created.body.id);
  assert.ok(["placed", "allocated"].includes(order.status), order.status);

  const page = await browser.newPage({ viewport: { width: 390, height: 844 } });
  await signIn(page, keys.agent);
  await usable(page, "inbox", Date.now());
  let started = Date.now();
  await page.click('nav a[href="#/orderdesk"]');
  let took = await usable(page, "orderdesk", started);
  assert.ok(took < USABLE_MS, `the orders desk became usable in ${took} ms`);
  t.diagnostic(`orders desk usable in ${took} ms`);

  // By the customer's phone, written the way they say it: their orders, then the one.
  await page.selectOption("select[name=kind]", "phone");
  await page.fill("input[name=value]", `8 (927) ${digits.slice(0, 3)}-${digits.slice(3, 5)}-${digits.slice(5)}`);
  started = Date.now();
  await page.click("[data-find]");
  await page.waitForSelector(`[data-open-order="${order.number}"]`);
  took = Date.now() - started;
  assert.ok(took < USABLE_MS, `the customer's orders were listed in ${took} ms`);
  t.diagnostic(`orders by phone listed in ${took} ms`);
  await page.click(`[data-open-order="${order.number}"]`);
  await page.waitForSelector(`[data-order="${order.number}"]`);
  await shot(page, "agent-orders-by-phone.png");

  // By number: lines, delivery, payment and history; an agent gets no fulfilment steps.
  await page.selectOption("select[name=kind]", "number");
  await page.fill("input[name=value]", order.number);
  started = Date.now();
  await page.click("[data-find]");
  await usable(page, "orderdesk", started);
  const card = `[data-order="${order.number}"]`;
  await page.waitForSelector(card);
  took = Date.now() - started;
  assert.ok(took < USABLE_MS, `the order was found by number and shown in ${took} ms`);
  t.diagnostic(`order by number shown in ${took} ms`);
  assert.equal(await page.getAttribute(card, "data-status"), order.status);
  assert.equal(await page.getAttribute('tr[data-line="1"]', "data-kept"), "2");
  assert.equal(await page.getAttribute("[data-method]", "data-method"), "courier");
  assert.match(await page.textContent(card), /Тверская ул\., 1/);
  assert.ok((await page.$$(`${card} .op-history li`)).length >= 1, "the history of transitions is shown");
  assert.equal((await page.$$("[data-action]")).length, 0, "an agent is offered no picking or shipping steps");
  assert.ok(await page.$("[data-cancel-order]"), "cancelling is offered while the goods are held");
  assert.ok(await fitsScreen(page) <= 0, `the order fits a phone (${await fitsScreen(page)} px too wide)`);
  await shot(page, "agent-order.png");

  // Cancel the second line only: it shows cancelled, the order stays open, money is released.
  await page.check('input[name="cancel_1"]');
  await page.fill(`${card} input[name=reason]`, "Покупатель передумал");
  started = Date.now();
  await page.click("[data-cancel-lines]");
  await page.waitForSelector('tr[data-line="1"][data-kept="0"]');
  took = Date.now() - started;
  assert.ok(took < USABLE_MS, `the cancellation answered in ${took} ms`);
  t.diagnostic(`line cancelled and shown in ${took} ms`);
  assert.ok(await page.$("[data-done]"), "the change is confirmed");
  assert.equal(await page.getAttribute('tr[data-line="1"]', "data-cancelled"), "2");
  assert.equal(await page.getAttribute('tr[data-line="0"]', "data-kept"), "1");
  assert.equal(await page.getAttribute(card, "data-status"), order.status, "the order itself stays open");
  assert.ok(Number(await page.getAttribute("[data-released]", "data-released")) > 0, "the cancelled line's money is released");
  assert.equal(await page.$('input[name="cancel_1"]'), null, "a cancelled line cannot be ticked again");
  let now = (await apiCall("GET", `/v1/orders/${order.id}`, keys.agent)).body;
  assert.deepEqual(now.lines.map((l) => l.cancelled), [0, 2]);
  await shot(page, "agent-order-line-cancelled.png");

  // Meanwhile the warehouse ships it; the agent's screen still offers "cancel": refused, said why.
  for (const action of ["start_picking", "pack", "ship"]) {
    const moved = await apiCall("POST", `/v1/orders/${order.id}/transitions`, keys.admin, { action });
    assert.equal(moved.status, 200, JSON.stringify(moved.body));
  }
  await page.click("[data-cancel-order]");
  await page.waitForSelector("[data-refused]");
  assert.match(await page.textContent("[data-refused]"), /shipped cannot be cancelled/);
  assert.equal(await page.getAttribute("[data-now]", "data-now"), "shipped");
  assert.match(await page.textContent("[data-refused]"), /отгружен/, "the current status in the agent's words");
  assert.equal(await page.getAttribute(card, "data-status"), "shipped", "the order is shown as it is now");
  assert.equal(await page.$("[data-cancel-order]"), null, "cancelling is no longer offered");
  now = (await apiCall("GET", `/v1/orders/${order.id}`, keys.agent)).body;
  assert.equal(now.status, "shipped");
  assert.deepEqual(now.lines.map((l) => l.cancelled), [0, 2], "nothing more was cancelled");
  await shot(page, "agent-order-cancel-refused.png");

  // The shopper summary's open orders lead to the desk.
  await page.click('nav a[href="#/shopper"]');
  await usable(page, "shopper", Date.now());
  await page.selectOption("select[name=kind]", "phone");
  await page.fill("input[name=value]", `+7927${digits}`);
  await page.click("button[type=submit]");
  await page.click(`[data-customer] a[data-open-order="${order.number}"]`);
  await page.waitForSelector(`${card}[data-status="shipped"]`);
  await page.close();
});

test("an admin edits a sourcing weight, simulates it over the demo's history against the live rules, saves it, and a stale save is refused", async (t) => {
  const admin = keys.admin;
  const page = await browser.newPage({ viewport: { width: 390, height: 844 } });
  await signIn(page, admin);
  await usable(page, "products", Date.now());
  let started = Date.now();
  await page.click('nav a[href="#/sourcing"]');
  const took = await usable(page, "sourcing", started);
  assert.ok(took < USABLE_MS, `the sourcing rules became usable in ${took} ms`);
  t.diagnostic(`sourcing rules usable in ${took} ms`);
  const live = await fetch(`${base}/v1/sourcing/rules`, { headers: { Authorization: `Bearer ${admin}` } });
  const rules = await live.json();
  assert.equal(await page.inputValue("input[name=distance_weight]"), String(rules.sourcing.distance_weight));
  assert.equal(await page.getAttribute("[data-version]", "data-version"), live.headers.get("ETag").replace(/\W/g, ""));
  await shot(page, "admin-sourcing-rules.png");

  // Distance ten times as costly, replayed over the last 90 days of the demo's orders.
  await page.fill("input[name=distance_weight]", "5");
  started = Date.now();
  await page.click("[data-simulate]");
  await page.waitForSelector("[data-simulation]", { timeout: 30_000 });
  t.diagnostic(`simulation shown in ${Date.now() - started} ms`);
  const from = await page.inputValue("input[name=from]");
  const to = await page.inputValue("input[name=to]");
  const draft = { ...rules, sourcing: { ...rules.sourcing, distance_weight: 5 } };
  const toNext = new Date(Date.parse(`${to}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
  const expected = (await apiCall("POST", "/v1/sourcing/simulations", admin,
    { draft, from: `${from}T00:00:00Z`, to: `${toNext}T00:00:00Z` })).body;
  assert.ok(expected.current.orders > 0, "the demo has orders to replay");
  const metric = async (k, side) => Number(await page.getAttribute(`tr[data-metric="${k}"]`, `data-${side}`));
  assert.equal(await metric("orders", "live"), expected.current.orders);
  assert.equal(await metric("cost", "live"), expected.current.cost);
  assert.equal(await metric("cost", "draft"), expected.draft.cost);
  assert.equal(await metric("splits", "draft"), expected.draft.splits);
  assert.ok(expected.changed_orders > 0, "a tenfold distance weight moves some orders");
  assert.equal(Number(await page.getAttribute("[data-changed-orders]", "data-changed-orders")), expected.changed_orders);
  assert.equal((await page.$$('[data-chart="cost"] .chart-row')).length, 2, "live and draft cost as bars");
  assert.ok((await page.$$('[data-chart="load"] .chart-row.op-draft')).length >= 1, "the stores' load under the draft");
  assert.ok(await fitsScreen(page) <= 0, `the comparison fits a phone (${await fitsScreen(page)} px too wide)`);
  await shot(page, "admin-sourcing-simulation.png");

  // Saved with If-Match: the rules in force change and their version moves on.
  await page.click("[data-save-rules]");
  await page.waitForSelector("[data-saved]");
  const saved = await fetch(`${base}/v1/sourcing/rules`, { headers: { Authorization: `Bearer ${admin}` } });
  const savedRules = await saved.json();
  assert.equal(savedRules.sourcing.distance_weight, 5);
  assert.equal(await page.getAttribute("[data-saved]", "data-saved"), saved.headers.get("ETag").replace(/\W/g, ""));

  // Another admin saves meanwhile; this page's next save is refused, nothing overwritten.
  const other = await apiCall("PUT", "/v1/sourcing/rules", admin, { ...savedRules, sourcing: { ...savedRules.sourcing, time_weight: 21 } },
    { "If-Match": saved.headers.get("ETag") });
  assert.equal(other.status, 200, JSON.stringify(other.body));
  await page.fill("input[name=time_weight]", "30");
  await page.click("[data-save-rules]");
  await page.waitForSelector("[data-conflict]");
  assert.match(await page.textContent("[data-conflict]"), /кто-то другой/);
  const after = await apiCall("GET", "/v1/sourcing/rules", admin);
  assert.equal(after.body.sourcing.time_weight, 21, "the other admin's save stands");
  await shot(page, "admin-sourcing-conflict.png");
  started = Date.now();
  await page.click("[data-reload]");
  const reloaded = await usable(page, "sourcing", started);
  assert.ok(reloaded < USABLE_MS, `the fresh rules became usable in ${reloaded} ms`);
  assert.equal(await page.inputValue("input[name=time_weight]"), "21", "the fresh rules are loaded");

  // Leave the demo's defaults in force for whatever runs next.
  const current = await fetch(`${base}/v1/sourcing/rules`, { headers: { Authorization: `Bearer ${admin}` } });
  const restored = await apiCall("PUT", "/v1/sourcing/rules", admin, rules, { "If-Match": current.headers.get("ETag") });
  assert.equal(restored.status, 200, JSON.stringify(restored.body));
  await page.close();
});
