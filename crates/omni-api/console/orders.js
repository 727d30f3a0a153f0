// omniretail console, orders: the cart every channel shares (kept on the server, so the till,
// the call center and the storefront all see the same one), the associate's till (a sale is a
// carry-out order), the storefront's checkout (delivery options, store pickup, test card) and a
// store's work on orders (the pick list and the pickup counter). Loaded after app.js, whose
// helpers (h, t, api, call, money, render, ready, problemBox, session, TEXT, SCREENS) it uses.
"use strict";

Object.assign(TEXT.ru, {
  picklist: "Сборка", pickup: "Выдача", coupons: "Купоны через запятую", apply: "Применить",
  noShopper: "Без покупателя", payment: "Оплата", pay_cash: "Наличные", pay_card: "Карта",
  pay_card_test: "Тестовая карта (tok_ok)", pay_on_delivery: "При получении",
  m_courier: "Курьер", m_express: "Экспресс", m_pickup_point: "Пункт выдачи", m_store_pickup: "Самовывоз из магазина",
  m_carry_out: "Покупка в магазине",
  st_placed: "оформлен", st_allocated: "ждёт сборки", st_picking: "собирается", st_packed: "упакован",
  st_shipped: "отгружен", st_ready_for_pickup: "готов к выдаче", st_delivered: "доставлен", st_picked_up: "выдан",
  st_completed: "завершён", st_cancelled: "отменён", st_returned: "возвращён",
  do_allocate: "Зарезервировать", do_start_picking: "Начать сборку", do_pack: "Упаковано", do_mark_ready: "Готов к выдаче",
  do_ship: "Отгружен", handOut: "Выдать",
  receiveWhere: "Получение", near: "Рядом с", point: "Широта, долгота", options: "Способы получения",
  chooseOption: "Выберите способ получения.", noOptions: "Сюда заказ не доставить: попробуйте другую точку.",
  address: "Адрес доставки", placeOrder: "Оформить и оплатить", orderPlaced: "Заказ оформлен",
  pickupCode: "Код получения", codeOnce: "Назовите номер заказа и код в магазине. Код показывается только один раз.",
  orderNo: "Заказ №", no: "№ ", status: "Статус", when: "Срок", free: "бесплатно", deliveryFee: "Доставка",
  pointsBurnt: "Списано баллов", noPrice: "Корзину не удалось оценить",
  orderNumber: "Номер заказа", code: "Код", handedOut: "Заказ выдан", notHandedOut: "Заказ не выдан",
  wrongCode: "Код не подходит: сверьте его с покупателем.", noSuchPickup: "Такого заказа к выдаче в этом магазине нет.",
  nothingToDo: "Заказов в работе нет.", pointInvalid: "Укажите точку как «55.75, 37.62».",
  paid_card: "Оплачено картой", paid_cash: "Оплачено наличными", paid_on_delivery: "К оплате при получении",
});
Object.assign(TEXT.en, {
  picklist: "Pick list", pickup: "Pickup", coupons: "Coupons, comma-separated", apply: "Apply",
  noShopper: "No shopper", payment: "Payment", pay_cash: "Cash", pay_card: "Card",
  pay_card_test: "Test card (tok_ok)", pay_on_delivery: "On delivery",
  m_courier: "Courier", m_express: "Express", m_pickup_point: "Pickup point", m_store_pickup: "Store pickup",
  m_carry_out: "Bought in store",
  st_placed: "placed", st_allocated: "to pick", st_picking: "picking", st_packed: "packed",
  st_shipped: "shipped", st_ready_for_pickup: "ready for pickup", st_delivered: "delivered", st_picked_up: "picked up",
  st_completed: "completed", st_cancelled: "cancelled", st_returned: "returned",
  do_allocate: "Allocate", do_start_picking: "Start picking", do_pack: "Packed", do_mark_ready: "Ready for pickup",
  do_ship: "Shipped", handOut: "Hand out",
  receiveWhere: "Getting it", near: "Near", point: "Latitude, longitude", options: "Delivery options",
  chooseOption: "Choose how to get the order.", noOptions: "No way to get the order here: try another point.",
  address: "Delivery address", placeOrder: "Place order and pay", orderPlaced: "Order placed",
  pickupCode: "Pickup code", codeOnce: "Give the order number and the code at the store. The code is shown only once.",
  orderNo: "Order no.", no: "#", status: "Status", when: "When", free: "free", deliveryFee: "Delivery",
  pointsBurnt: "Points spent", noPrice: "The cart could not be priced",
  orderNumber: "Order number", code: "Code", handedOut: "Order handed out", notHandedOut: "Not handed out",
  wrongCode: "The code does not match: check it with the customer.", noSuchPickup: "No such order to hand out at this store.",
  nothingToDo: "No orders need work.", pointInvalid: "Give the point as “55.75, 37.62”.",
  paid_card: "Paid by card", paid_cash: "Paid in cash", paid_on_delivery: "To pay on delivery",
});

/** Random hex: `crypto.getRandomValues` works on plain http too, unlike `randomUUID`. */
function randomId(prefix) {
  return prefix + Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, "0")).join("");
}

function dateTime(ts) {
  return new Date(ts).toLocaleString(lang === "ru" ? "ru-RU" : "en-GB", { day: "numeric", month: "short", hour: "2-digit", minute: "2-digit" });
}

// ---- whose cart: the shopper at the till, else this device ---------------------------

/** The shopper identified at this till (or by this agent); the sale goes to their cart. */
const shopperAtTill = {
  get() { try { return JSON.parse(sessionStorage.getItem("omni.shopper")); } catch { return null; } },
  set(s) { if (s) sessionStorage.setItem("omni.shopper", JSON.stringify(s)); else sessionStorage.removeItem("omni.shopper"); },
};

/** This browser as an anonymous device. Kept in localStorage so the storefront's cart survives
 *  reloads and new tabs; one per role, so a till and a storefront in one browser never share a cart. */
function deviceId() {
  const name = `omni.device.${session.me.role}`;
  let id = localStorage.getItem(name);
  if (!id) { id = randomId("dev_"); localStorage.setItem(name, id); }
  return id;
}

function cartOwner() {
  const s = session.me.role === "app" ? null : shopperAtTill.get();
  return s ? { customer_id: s.id } : { device_id: deviceId() };
}

/** Product names seen in search, by SKU: cart and order lines carry only the SKU. */
const names = {
  get all() { try { return JSON.parse(localStorage.getItem("omni.names")) || {}; } catch { return {}; } },
  remember(sku, name) {
    const all = names.all;
    all[sku] = name;
    const keys = Object.keys(all);
    for (const k of keys.slice(0, Math.max(0, keys.length - 200))) delete all[k];
    localStorage.setItem("omni.names", JSON.stringify(all));
  },
  of(sku) { return names.all[sku] || sku; },
};

/** A SKU's product name where the console knows it, else the SKU until `fillNames` finds it. */
function skuName(sku) { return h("span", { "data-name-of": sku }, names.of(sku)); }

/** Looks up the products of SKUs shown without a name (search finds a product by any of its
 *  SKUs) and writes the names in: the pick list and the counter name what to fetch. */
async function fillNames(root) {
  const labels = [...root.querySelectorAll("[data-name-of]")];
  const missing = [...new Set(labels.map((el) => el.dataset.nameOf))].filter((sku) => !names.all[sku]).slice(0, 20);
  await Promise.all(missing.map(async (sku) => {
    const r = await api("GET", `/v1/catalog/search?q=${encodeURIComponent(sku)}&limit=1`).catch(() => null);
    const p = r && r.hits.length ? r.hits[0].product || r.hits[0] : null;
    if (p && p.skus.includes(sku)) names.remember(sku, p.name);
  }));
  for (const el of labels) el.textContent = names.of(el.dataset.nameOf);
}

// Writes to the cart run one after another, and reading the cart waits for them: a quick
// tap on "Cart" right after "Add" must show the line just added.
let cartWrites = Promise.resolve();

function queueCartWrite(send) {
  const write = cartWrites.then(send);
  cartWrites = write.catch(() => null);
  return write;
}

/** The open cart of this owner, or null when it has none yet. */
async function loadCart() {
  await cartWrites;
  try { return await api("GET", `/v1/carts?${new URLSearchParams(cartOwner())}`); }
  catch (err) { if (err.status === 404) return null; throw err; }
}

/** Adds one unit: opens the owner's cart, or adds to the one already open (any channel's). */
function addToCart(sku, name) {
  names.remember(sku, name);
  return queueCartWrite(() => api("POST", "/v1/carts", { ...cartOwner(), lines: [{ sku, quantity: 1 }] }));
}

/** The search results' "Add to cart" button. */
async function addButton(button, sku, name) {
  button.disabled = true;
  try {
    await addToCart(sku, name);
    button.textContent = `✓ ${t("added")}`;
    button.dataset.added = "";
  } catch (err) { button.after(problemBox(err)); }
  button.disabled = false;
}

/** The till starts a sale for an identified shopper: what it scanned anonymously so far joins
 *  their cart (the API merges a device cart into the customer's). */
async function startSale(s, button) {
  button.disabled = true;
  try {
    const scanned = shopperAtTill.get() ? null : await loadCart();
    if (scanned && scanned.lines.length) {
      await call("POST", `/v1/carts/${scanned.id}/owner`, { customer_id: s.customer_id }, session.key, { "Idempotency-Key": randomId("own_") });
    }
    shopperAtTill.set({ id: s.customer_id, name: s.name || s.customer_id });
    location.hash = "#/cart";
  } catch (err) { button.after(problemBox(err)); }
  button.disabled = false;
}

/** Places the order. The Idempotency-Key belongs to the cart: a retry after a lost answer or a
 *  double tap returns the order already placed instead of charging twice; the next cart gets a
 *  new key. A refused attempt stores nothing server-side, so retrying it with changes is fine. */
async function checkout(body) {
  let saved = null;
  try { saved = JSON.parse(sessionStorage.getItem("omni.checkout")); } catch { /* a new key */ }
  const key = saved && saved.cart === body.cart_id ? saved.key : randomId("chk_");
  sessionStorage.setItem("omni.checkout", JSON.stringify({ cart: body.cart_id, key }));
  return (await call("POST", "/v1/checkouts", body, session.key, { "Idempotency-Key": key })).data;
}

// ---- the cart screen: lines, live price, then the till's or the storefront's checkout --

function isTill() { return session.me.role === "associate"; }

async function cartScreen(done) {
  const out = h("div", { id: "cart" });
  render("cart", h("h1", {}, t("cart")), done || null, isTill() || session.me.role === "agent" ? shopperLine() : null, out);
  try {
    // without the store list the shopper can still type a point
    const [c, stores] = await Promise.all([loadCart(), isTill() ? [] : storeList().catch(() => [])]);
    drawCart(out, c, stores);
  } catch (err) { out.replaceChildren(problemBox(err)); }
  ready("cart");
  fillNames(document.getElementById("view"));
}

function shopperLine() {
  const s = shopperAtTill.get();
  return h("p", { class: "muted", "data-cart-customer": s ? s.id : "" }, `${t("forShopper")}: ${s ? s.name : t("anonymous")} `,
    s ? h("button", { type: "button", onclick: () => { shopperAtTill.set(null); cartScreen(); } }, t("noShopper")) : null);
}

/** Draws a cart into `out`; each change redraws it from the cart the API answers with. */
function drawCart(out, c, stores) {
  if (!c || !c.lines.length) { out.replaceChildren(h("p", { class: "muted" }, t("emptyCart"))); return; }
  const change = async (request) => {
    try { drawCart(out, await queueCartWrite(request), stores); } catch (err) { out.prepend(problemBox(err)); }
  };
  out.replaceChildren(
    linesTable(c, change), couponForm(c, change),
    c.quote ? quoteCard(c.quote) : h("div", { class: "error" }, `${t("noPrice")}: ${c.price_problem || ""}`),
    isTill() ? tillCheckout(c) : onlineCheckout(c, stores));
}

function linesTable(c, change) {
  const path = (sku) => `/v1/carts/${c.id}/lines/${encodeURIComponent(sku)}`;
  return h("table", { class: "lines" }, h("tr", {}, h("th", {}, t("sku")), h("th", {}, t("qty")), h("th", {})),
    c.lines.map((l) => h("tr", { "data-sku": l.sku },
      h("td", {}, h("div", {}, skuName(l.sku)), h("div", { class: "muted" }, l.sku)),
      h("td", {}, h("input", { type: "number", min: "1", max: "999", value: String(l.quantity), class: "qty", "aria-label": t("qty"),
        onchange: (e) => change(() => api("PUT", path(l.sku), { quantity: Math.max(1, Number(e.target.value) || 1) })) })),
      h("td", {}, h("button", { type: "button", "data-remove": l.sku, onclick: () => change(() => api("DELETE", path(l.sku))) }, t("remove"))))));
}

function couponForm(c, change) {
  const codes = h("input", { type: "text", name: "coupon", placeholder: t("coupons"), value: c.coupons.join(", ") });
  return h("form", { class: "row", onsubmit: (e) => {
    e.preventDefault();
    const coupons = codes.value.split(",").map((x) => x.trim()).filter(Boolean);
    change(() => api("PUT", `/v1/carts/${c.id}/coupons`, { coupons }));
  } }, codes, h("button", { type: "submit" }, t("apply")));
}

/** The price and why: each discount names its promotion. */
function quoteCard(q) {
  const m = (v) => money(v, q.currency);
  return h("section", { class: "card", "data-quote": "", "data-total": q.total },
    h("table", {}, q.lines.map((l) => h("tr", {},
      h("td", {}, skuName(l.sku), ` × ${l.quantity}`, discountLines(l, m)),
      h("td", { class: "num" }, m(l.total))))),
    h("dl", { class: "kv" },
      h("dt", {}, t("subtotal")), h("dd", {}, m(q.subtotal)),
      h("dt", {}, t("discount")), h("dd", { "data-discount": q.discount_total }, m(q.discount_total)),
      h("dt", {}, t("total")), h("dd", {}, m(q.total)),
      q.points.burn ? [h("dt", {}, t("pointsBurnt")), h("dd", {}, `${q.points.burn} (−${m(q.points.burn_value)})`)] : null,
      q.points.usable || q.points.earn ? [
        h("dt", {}, t("pointsUsable")), h("dd", {}, String(q.points.usable)),
        h("dt", {}, t("pointsEarn")), h("dd", {}, String(q.points.earn))] : null,
      h("dt", {}, t("toPay")), h("dd", { class: "price", "data-to-pay": q.to_pay }, m(q.to_pay))));
}

function discountLines(line, m) {
  return (line.discounts || []).map((d) => h("div", { class: "muted discount", "data-reason": "" }, `− ${m(d.amount)} · ${d.reason}`));
}

// ---- the till: a carry-out order paid in cash or by card --------------------------------

/** Points, payment and "Sell". The shopper is told `to_pay` and checkout is sent it as
 *  `expected_total`, so a price that moved meanwhile is refused (409) instead of charged. */
function tillCheckout(c) {
  const msg = h("div");
  const shown = h("div");
  let quote = c.quote;
  const points = shopperAtTill.get()
    ? h("input", { type: "number", name: "burn_points", min: "0", max: String(c.quote ? c.quote.points.usable : 0), placeholder: t("burnPoints"), "aria-label": t("burnPoints") })
    : null;
  const pay = h("select", { name: "payment", "aria-label": t("payment") },
    ["cash", "card"].map((p) => h("option", { value: p }, t(`pay_${p}`))));
  // Points change the price: ask for it with them (the same engine checkout uses).
  let repricing = Promise.resolve();
  const reprice = () => {
    repricing = (async () => {
      const burn = Number(points.value) || 0;
      try {
        quote = burn ? await api("POST", "/v1/pricing/quotes", { channel: "associate_app", customer_id: c.customer_id,
          currency: c.currency, lines: c.lines, coupons: c.coupons, burn_points: burn }) : c.quote;
        shown.replaceChildren(burn ? withPoints(quote) : "");
        msg.replaceChildren();
      } catch (err) { quote = null; msg.replaceChildren(problemBox(err)); }
    })();
  };
  if (points) points.addEventListener("change", reprice);
  const sell = async (e) => {
    e.preventDefault();
    await repricing;
    const body = { cart_id: c.id, fulfilment: { method: "carry_out" },
      payment: pay.value === "card" ? { method: "card", token: "tok_ok" } : { method: "cash" },
      burn_points: points ? Number(points.value) || 0 : 0 };
    if (quote) body.expected_total = quote.to_pay;
    try {
      const placed = await checkout(body);
      shopperAtTill.set(null); // the sale is done: the next one starts without a shopper
      cartScreen(receiptCard(placed.order));
    } catch (err) { msg.replaceChildren(problemBox(err)); }
  };
  return h("div", {}, h("form", { class: "row", onsubmit: sell }, points, pay,
    h("button", { type: "submit", class: "primary", "data-do-sell": "" }, t("sell"))), shown, msg);
}

/** What paying with points changes: the points spent, their value and what is left to pay. */
function withPoints(q) {
  const m = (v) => money(v, q.currency);
  return h("dl", { class: "kv card", "data-with-points": q.to_pay },
    h("dt", {}, t("pointsBurnt")), h("dd", {}, `${q.points.burn} (−${m(q.points.burn_value)})`),
    h("dt", {}, t("pointsEarn")), h("dd", {}, String(q.points.earn)),
    h("dt", {}, t("toPay")), h("dd", { class: "price" }, m(q.to_pay)));
}

/** The till's receipt: the order number, each line with its discounts and their reasons, points. */
function receiptCard(order) {
  const q = order.quote;
  const m = (v) => money(v, order.currency);
  return h("section", { class: "card ok", "data-receipt": order.number, "data-order": order.id },
    h("h2", {}, `${t("sold")} · ${t("no")}${order.number}`),
    h("table", {}, order.lines.map((l, i) => h("tr", {},
      h("td", {}, skuName(l.sku), ` × ${l.quantity}`, discountLines(q.lines[i] || {}, m)),
      h("td", { class: "num" }, m(l.total))))),
    h("dl", { class: "kv" },
      h("dt", {}, t("discount")), h("dd", {}, m(q.discount_total)),
      q.points.burn ? [h("dt", {}, t("pointsBurnt")), h("dd", {}, String(q.points.burn))] : null,
      h("dt", {}, t("pointsEarn")), h("dd", {}, String(q.points.earn)),
      h("dt", {}, paidHow(order)), h("dd", { class: "price" }, m(q.to_pay))),
    q.promotions.map((p) => h("div", { class: "muted" }, p.reason)));
}

// ---- the storefront (and the call center): delivery options, then pay ----------------

let storesOnce = null;

/** The chain's stores (first page), for the "near" picker: fetched once per page load. */
function storeList() {
  storesOnce = storesOnce || api("GET", "/v1/locations?kind=store&limit=100").then((p) => p.data)
    .catch((err) => { storesOnce = null; throw err; });
  return storesOnce;
}

const places = new Map();

/** Names of the places options mention (stores are known; pickup points are looked up). */
async function placeNames(ids, known) {
  for (const l of known) places.set(l.id, l);
  await Promise.all(ids.filter((id) => id && !places.has(id)).map((id) =>
    api("GET", `/v1/locations/${id}`).then((l) => places.set(id, l)).catch(() => null)));
}

function parsePoint(text) {
  const [lat, lon] = text.split(/[,;\s]+/).filter(Boolean).map(Number);
  return Number.isFinite(lat) && Number.isFinite(lon) && Math.abs(lat) <= 90 && Math.abs(lon) <= 180 ? { lat, lon } : null;
}

/** Where to: a store to be near (its coordinates fill the point) or any point typed in. */
function onlineCheckout(c, stores) {
  const at = (l) => `${l.geo.lat.toFixed(5)}, ${l.geo.lon.toFixed(5)}`;
  const point = h("input", { type: "text", name: "point", placeholder: t("point"), value: stores[0] ? at(stores[0]) : "", inputmode: "decimal" });
  const near = h("select", { name: "near", "aria-label": t("near"),
    onchange: () => { const l = stores.find((s) => s.id === near.value); if (l) point.value = at(l); } },
  stores.map((l) => h("option", { value: l.id }, `${l.code} · ${l.name}`)));
  const options = h("div", { "data-options": "" });
  const ask = async (e) => {
    e.preventDefault();
    const destination = parsePoint(point.value);
    if (!destination) { options.replaceChildren(h("div", { class: "error" }, t("pointInvalid"))); return; }
    try {
      const found = await api("POST", `/v1/carts/${c.id}/delivery-options`, { destination });
      await placeNames(found.map((o) => o.location_id), stores);
      options.replaceChildren(optionPicker(c, found, destination));
    } catch (err) { options.replaceChildren(problemBox(err)); }
  };
  return h("section", { class: "card", "data-checkout": "" }, h("h2", {}, t("receiveWhere")),
    h("form", { class: "row", onsubmit: ask }, near, point, h("button", { type: "submit", "data-ask-options": "" }, t("options"))),
    options);
}

/** The options as radio buttons, the payment and "Place order". */
function optionPicker(c, found, destination) {
  if (!found.length) return h("p", { class: "muted" }, t("noOptions"));
  const msg = h("div");
  const address = h("input", { type: "text", name: "address", placeholder: t("address"), hidden: true });
  const rows = found.map((o, i) => optionRow(o, i, c.currency, () => { address.hidden = !["courier", "express"].includes(o.method); }));
  const pay = h("select", { name: "payment", "aria-label": t("payment") },
    ["card_test", "on_delivery"].map((p) => h("option", { value: p }, t(`pay_${p}`))));
  const place = async (e) => {
    e.preventDefault();
    const chosen = rows.find((r) => r.querySelector("input").checked);
    if (!chosen) { msg.replaceChildren(h("div", { class: "error" }, t("chooseOption"))); return; }
    const o = found[Number(chosen.dataset.index)];
    const fulfilment = ["courier", "express"].includes(o.method)
      ? { method: o.method, address: { text: address.value.trim(), geo: destination } }
      : { method: o.method, location_id: o.location_id };
    const payment = pay.value === "card_test" ? { method: "card", token: "tok_ok" } : { method: "on_delivery" };
    try { cartScreen(placedCard(await checkout({ cart_id: c.id, fulfilment, payment }))); }
    catch (err) { msg.replaceChildren(problemBox(err)); }
  };
  return h("form", { class: "options", onsubmit: place }, rows, address,
    h("div", { class: "row" }, pay, h("button", { type: "submit", class: "primary", "data-place-order": "" }, t("placeOrder"))), msg);
}

function optionRow(o, i, currency, onpick) {
  const place = places.get(o.location_id);
  const when = o.method === "courier" || o.method === "express"
    ? `${dateTime(o.promised_from)} – ${dateTime(o.promised_to)}` : dateTime(o.promised_from);
  return h("label", { class: "option", "data-index": i, "data-method": o.method, "data-location": o.location_id || "" },
    h("input", { type: "radio", name: "option", value: String(i), onchange: onpick }),
    h("span", { class: "info" }, h("strong", {}, t(`m_${o.method}`)), place ? ` · ${place.code} ${place.name}` : "",
      h("div", { class: "muted" }, `${t("when")}: ${when}`)),
    h("span", { class: "num" }, o.price ? money(o.price, currency) : t("free")));
}

/** The confirmation: the number and, for a pickup, the code (the API shows it only this once). */
function placedCard(r) {
  const o = r.order;
  const place = places.get(o.delivery.location_id);
  return h("section", { class: "card ok", "data-order-number": o.number, "data-order": o.id },
    h("h2", {}, `${t("orderPlaced")} · ${t("no")}${o.number}`),
    r.pickup_code ? h("p", { class: "code" }, `${t("pickupCode")}: `, h("strong", { "data-pickup-code": r.pickup_code }, r.pickup_code)) : null,
    r.pickup_code ? h("p", { class: "muted" }, t("codeOnce")) : null,
    orderFacts(o, place));
}

function orderFacts(o, place) {
  const d = o.delivery;
  return h("dl", { class: "kv" },
    h("dt", {}, t("status")), h("dd", { "data-status": o.status }, t(`st_${o.status}`)),
    h("dt", {}, t("receiveWhere")), h("dd", {}, [t(`m_${d.method || "carry_out"}`), place && `${place.code} ${place.name}`].filter(Boolean).join(" · ")),
    d.promised_from ? [h("dt", {}, t("when")), h("dd", {}, dateTime(d.promised_from))] : null,
    d.fee ? [h("dt", {}, t("deliveryFee")), h("dd", {}, money(d.fee, o.currency))] : null,
    h("dt", {}, paidHow(o)), h("dd", { class: "price" }, money(o.quote.to_pay, o.currency)));
}

/** Paid already, or to be collected when the customer gets the goods. */
function paidHow(o) {
  const p = o.payment.provider;
  return t(`paid_${p === "cash" || p === "on_delivery" ? p : "card"}`);
}

// ---- the store's work: pick, pack, make ready; hand out by number and code ------------

/** The next step this store takes: an order handed out here is made ready, others ship. */
function nextSteps(o, store) {
  const handsOut = o.delivery.method === "store_pickup" && o.delivery.location_id === store;
  return { placed: ["allocate"], allocated: ["start_picking"], picking: ["pack"], packed: [handsOut ? "mark_ready" : "ship"] }[o.status] || [];
}

async function pickList(notice) {
  const store = session.me.store;
  const out = h("div", { id: "picklist" });
  render("picklist", h("h1", {}, t("picklist")), notice || null, out);
  try {
    const orders = await api("GET", `/v1/locations/${store}/pick-list`);
    out.replaceChildren(orders.length
      ? h("ul", { class: "hits" }, orders.map((o) => pickCard(o, store)))
      : h("p", { class: "muted" }, t("nothingToDo")));
  } catch (err) { out.replaceChildren(problemBox(err)); }
  ready("picklist");
  fillNames(out);
}

/** One order: what this store sends for it, the promise, and the button for the next step. */
function pickCard(o, store) {
  const here = (l) => l.allocations.filter((a) => a.location_id === store).reduce((n, a) => n + a.quantity, 0);
  // what this store sends; a pickup sourced elsewhere shows everything it hands out
  const sent = o.lines.filter((l) => here(l) > 0);
  const lines = sent.length ? sent : o.lines;
  const units = (l) => (sent.length ? here(l) : l.quantity - l.cancelled);
  const step = async (button, action) => {
    button.disabled = true;
    try { await api("POST", `/v1/orders/${o.id}/transitions`, { action }); pickList(); }
    catch (err) { pickList(problemBox(err)); }
  };
  return h("li", { class: "card", "data-order": o.number, "data-status": o.status },
    h("h2", {}, `${t("orderNo")} ${o.number} `, h("span", { class: "tier" }, t(`st_${o.status}`))),
    h("p", { class: "muted" }, [t(`m_${o.delivery.method || "carry_out"}`), o.delivery.promised_from && `${t("when")}: ${dateTime(o.delivery.promised_from)}`].filter(Boolean).join(" · ")),
    h("ul", {}, lines.map((l) => h("li", {}, skuName(l.sku), ` × ${units(l)} `, h("span", { class: "muted" }, l.sku)))),
    h("div", { class: "chips" },
      nextSteps(o, store).map((a) => h("button", { type: "button", class: "primary", "data-action": a, onclick: (e) => step(e.currentTarget, a) }, t(`do_${a}`))),
      o.status === "ready_for_pickup" && o.delivery.location_id === store
        ? h("a", { class: "button primary", href: `#/pickup/${encodeURIComponent(o.number)}`, "data-hand-out": o.number }, t("handOut")) : null));
}

/** The pickup counter: the customer names the order number and the code they received. */
function pickup(number) {
  const num = h("input", { type: "text", name: "number", placeholder: t("orderNumber"), required: true, inputmode: "numeric", value: number || "" });
  const code = h("input", { type: "text", name: "code", placeholder: t("code"), required: true, inputmode: "numeric", autocomplete: "off", maxlength: "6" });
  const out = h("div", { id: "pickup-result" });
  const form = h("form", { class: "row", onsubmit: async (e) => {
    e.preventDefault();
    try {
      const o = await api("POST", "/v1/pickups", { number: num.value.trim(), code: code.value.trim() });
      out.replaceChildren(h("section", { class: "card ok", "data-pickup-result": "ok", "data-order": o.number },
        h("h2", {}, `${t("handedOut")} · ${t("no")}${o.number}`),
        h("ul", {}, o.lines.map((l) => h("li", {}, skuName(l.sku), ` × ${l.quantity - l.cancelled} `, h("span", { class: "muted" }, l.sku)))),
        orderFacts(o, null)));
      code.value = "";
      fillNames(out);
    } catch (err) { out.replaceChildren(pickupRefused(err)); }
    ready("pickup");
  } }, num, code, h("button", { class: "primary", type: "submit" }, t("handOut")));
  render("pickup", h("h1", {}, t("pickup")), form, out);
  (number ? code : num).focus();
  ready("pickup");
}

/** Why an order was not handed out, in the associate's words where we know them. */
function pickupRefused(err) {
  const wrong = err.status === 422 && ((err.problem && err.problem.errors) || []).some((f) => f.field === "code");
  const text = wrong ? t("wrongCode") : err.status === 404 ? t("noSuchPickup") : err.message;
  return h("div", { class: "error", role: "alert", "data-pickup-result": "failed" }, h("strong", {}, `${t("notHandedOut")}. `), text);
}

Object.assign(SCREENS, { cart: () => cartScreen(), picklist: () => pickList(), pickup });
