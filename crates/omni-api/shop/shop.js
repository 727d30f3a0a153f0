// omniretail demo storefront: the shopper's own website, one small script with no framework
// and no build step. It uses only the public JSON API with a web app key, like any channel
// app. The key comes once, from `/shop/#key=omk_…` or the setup screen, and stays in this
// browser's localStorage. Every text the API returns is inserted as text, never as HTML.
"use strict";

const TEXT = {
  ru: {
    setup: "Настройка витрины", key: "Ключ веб-приложения", keyHint: "omni serve --demo печатает ключ app:web; откройте /shop/#key=<ключ> или вставьте его сюда.",
    save: "Сохранить", notApp: "Это не ключ приложения: витрине нужен ключ app:web.",
    catalog: "Каталог", all: "Всё", query: "Что ищете? Например, кроссовки", find: "Найти", found: "Найдено",
    nothing: "Ничего не нашлось. Попробуйте другие слова.", from: "от", back: "← Каталог",
    variants: "Варианты", addToCart: "В корзину", added: "Добавлено в корзину", inCart: "Корзина",
    near: "Наличие рядом", lat: "Широта", lon: "Долгота", show: "Показать", nearMe: "Рядом со мной",
    km: "км", pcs: "шт.", openNow: "открыто", closed: "закрыто", notNear: "Рядом нет — закажите доставку.",
    cart: "Корзина", empty: "Корзина пуста. Найдите что-нибудь в каталоге.", remove: "Убрать",
    subtotal: "Сумма", discount: "Скидка", total: "Товары со скидкой", deliveryFee: "Доставка", toPay: "К оплате",
    pointsEarn: "Будет начислено баллов", offersApplied: "Применённые акции", yourOffers: "Персональные предложения",
    points: "Баллы", available: "доступно", pending: "ожидают начисления",
    signinPrompt: "Войдите по телефону — корзина будет на всех ваших устройствах, а предложения станут персональными.",
    signin: "Войти", signinTitle: "Вход по телефону", phone: "Телефон", signinHint: "Демо: код из SMS не спрашиваем. Новый номер — новая карта покупателя.",
    signedIn: "Вы вошли как", signout: "Выйти", tier: "Уровень",
    delivery: "Доставка", where: "Куда", address: "Адрес (для курьера)", options: "Показать варианты",
    noOptions: "Доставить этот набор товаров сюда нельзя.",
    m_courier: "Курьер", m_express: "Экспресс", m_pickup_point: "Пункт выдачи", m_store_pickup: "Самовывоз из магазина",
    free: "бесплатно", ready: "готов", slot: "интервал",
    payment: "Оплата", p_card: "Картой онлайн (тестовая карта)", p_decline: "Картой онлайн (карта с отказом, тест)", p_on_delivery: "При получении",
    checkout: "Оформить заказ", placing: "Оформляем…",
    order: "Заказ", number: "Номер заказа", pickupCode: "Код получения", pickupHint: "Назовите код в магазине при получении.",
    status: "Статус", paid: "Оплачено", thanks: "Спасибо! Заказ оформлен.", continue: "Продолжить покупки",
    notFound: "Не найдено.",
  },
  en: {
    setup: "Storefront setup", key: "Web app key", keyHint: "omni serve --demo prints an app:web key; open /shop/#key=<key> or paste it here.",
    save: "Save", notApp: "This is not an app key: the storefront needs an app:web key.",
    catalog: "Catalog", all: "All", query: "What are you looking for? E.g. running shoes", find: "Search", found: "Found",
    nothing: "Nothing found. Try other words.", from: "from", back: "← Catalog",
    variants: "Variants", addToCart: "Add to cart", added: "Added to the cart", inCart: "Cart",
    near: "Availability nearby", lat: "Latitude", lon: "Longitude", show: "Show", nearMe: "Near me",
    km: "km", pcs: "pcs", openNow: "open", closed: "closed", notNear: "Not nearby — order a delivery.",
    cart: "Cart", empty: "The cart is empty. Find something in the catalog.", remove: "Remove",
    subtotal: "Subtotal", discount: "Discount", total: "Goods after discounts", deliveryFee: "Delivery", toPay: "To pay",
    pointsEarn: "Points to earn", offersApplied: "Offers applied", yourOffers: "Personal offers",
    points: "Points", available: "available", pending: "pending",
    signinPrompt: "Sign in by phone: your cart follows you to every device and offers become personal.",
    signin: "Sign in", signinTitle: "Sign in by phone", phone: "Phone", signinHint: "Demo: no SMS code is asked. A new number gets a new shopper card.",
    signedIn: "Signed in as", signout: "Sign out", tier: "Tier",
    delivery: "Delivery", where: "Where to", address: "Address (for a courier)", options: "Show options",
    noOptions: "These goods cannot be delivered here.",
    m_courier: "Courier", m_express: "Express", m_pickup_point: "Pickup point", m_store_pickup: "Store pickup",
    free: "free", ready: "ready", slot: "slot",
    payment: "Payment", p_card: "Card online (test card)", p_decline: "Card online (declined test card)", p_on_delivery: "On delivery",
    checkout: "Place the order", placing: "Placing…",
    order: "Order", number: "Order number", pickupCode: "Pickup code", pickupHint: "Tell this code at the store when you collect.",
    status: "Status", paid: "Paid", thanks: "Thank you! The order is placed.", continue: "Continue shopping",
    notFound: "Not found.",
  },
};

let lang = localStorage.getItem("shop.lang") === "en" ? "en" : "ru";
const t = (k) => TEXT[lang][k] ?? k;
const CURRENCY = "RUB";
/** Where "near" means until the shopper says otherwise: the centre of Moscow. */
const DEFAULT_POINT = { lat: 55.7558, lon: 37.6173 };
/** The test payment provider approves any token but these two (see payments.rs). */
const TOKENS = { card: "tok_demo_visa", decline: "tok_decline" };

function uid() {
  if (globalThis.crypto && crypto.randomUUID) return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
}

/** What this browser remembers: the key, its anonymous device id, the signed-in shopper. */
const state = {
  get key() { return localStorage.getItem("shop.key"); },
  set key(v) { localStorage.setItem("shop.key", v); },
  get device() {
    let d = localStorage.getItem("shop.device");
    if (!d) { d = `web-${uid()}`; localStorage.setItem("shop.device", d); }
    return d;
  },
  get customer() { try { return JSON.parse(localStorage.getItem("shop.customer")); } catch { return null; } },
  set customer(v) { if (v) localStorage.setItem("shop.customer", JSON.stringify(v)); else localStorage.removeItem("shop.customer"); },
  get point() {
    try { return JSON.parse(localStorage.getItem("shop.point")) || DEFAULT_POINT; } catch { return DEFAULT_POINT; }
  },
  set point(v) { localStorage.setItem("shop.point", JSON.stringify(v)); },
  names() { try { return JSON.parse(localStorage.getItem("shop.names")) || {}; } catch { return {}; } },
  name(sku, name) { const n = this.names(); n[sku] = name; localStorage.setItem("shop.names", JSON.stringify(n)); },
};

/** A call to the JSON API; a problem+json answer becomes an Error carrying the problem. */
async function api(method, path, body, extra = {}) {
  const headers = { Authorization: `Bearer ${state.key}`, ...extra };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch { data = null; }
  if (!res.ok) {
    const err = new Error((data && (data.detail || data.title)) || `HTTP ${res.status}`);
    err.status = res.status;
    err.problem = data;
    throw err;
  }
  return data;
}

function problemBox(err) {
  const fields = (err.problem && err.problem.errors) || [];
  return h("div", { class: "error", role: "alert", "data-problem": (err.problem && err.problem.code) || "error" }, err.message,
    fields.length ? h("ul", {}, fields.map((f) => h("li", { "data-field": f.field }, `${f.field}: ${f.message}`))) : null);
}

const EXPONENT = { JPY: 0, KWD: 3 };

/** Minor units as a price, by integer arithmetic (no float ever holds the amount). */
function money(minor, currency = CURRENCY) {
  const exp = EXPONENT[currency] ?? 2;
  const scale = 10 ** exp;
  const sign = minor < 0 ? "-" : "";
  const abs = Math.abs(minor);
  const major = new Intl.NumberFormat(lang === "ru" ? "ru-RU" : "en-US").format((abs - (abs % scale)) / scale);
  const cents = abs % scale;
  const frac = exp && cents ? (lang === "ru" ? "," : ".") + String(cents).padStart(exp, "0") : "";
  return `${sign}${major}${frac} ${currency === "RUB" ? "₽" : currency === "KZT" ? "₸" : currency}`;
}

function when(iso) {
  return new Intl.DateTimeFormat(lang === "ru" ? "ru-RU" : "en-GB",
    { weekday: "short", day: "numeric", month: "short", hour: "2-digit", minute: "2-digit" }).format(new Date(iso));
}

/** Marks the page usable: end-to-end tests and the 300 ms budget wait for this. */
function ready(view) { document.body.dataset.ready = view; }

function render(view, ...children) {
  document.getElementById("view").replaceChildren(...children.flat().filter((c) => c !== null && c !== undefined && c !== false));
  document.body.dataset.ready = "";
  document.body.dataset.view = view;
  window.scrollTo(0, 0);
}

function localized(map) { return (map && (map[lang] || map.ru || map.en || Object.values(map)[0])) || ""; }

// ---- cached reference data ------------------------------------------------------------

let categoriesCache = null;
async function categories() {
  if (!categoriesCache) categoriesCache = (await api("GET", "/v1/catalog/categories?limit=100")).data;
  return categoriesCache;
}

let locationsCache = null;
async function locations() {
  if (!locationsCache) {
    const list = (await api("GET", "/v1/locations?limit=100")).data;
    locationsCache = Object.fromEntries(list.map((l) => [l.id, l]));
  }
  return locationsCache;
}

// ---- the cart, shared by the device and, after sign-in, by the customer ----------------

function owner() {
  const c = state.customer;
  return c ? { customer_id: c.id } : { device_id: state.device };
}

/** The open cart of this shopper (or device), or null when there is none yet. */
async function findCart() {
  const o = owner();
  const q = o.customer_id ? `customer_id=${encodeURIComponent(o.customer_id)}` : `device_id=${encodeURIComponent(o.device_id)}`;
  try {
    return showCount(await api("GET", `/v1/carts?${q}`));
  } catch (err) {
    if (err.status === 404) return showCount(null);
    throw err;
  }
}

let cartCount = 0;
/** Shows the cart's item count in the bar (`undefined` keeps the last one known). */
function showCount(cart) {
  if (cart !== undefined) cartCount = cart ? cart.lines.reduce((s, l) => s + l.quantity, 0) : 0;
  const n = cartCount;
  const link = document.getElementById("cartlink");
  link.textContent = n ? `${t("inCart")} · ${n}` : t("inCart");
  link.dataset.count = String(n);
  return cart;
}

// ---- screens ---------------------------------------------------------------------------

function setup(message) {
  const input = h("input", { type: "password", name: "key", autocomplete: "off", placeholder: "omk_…", required: true, "aria-label": t("key") });
  const out = h("div");
  const form = h("form", { class: "row", onsubmit: async (e) => {
    e.preventDefault();
    state.key = input.value.trim();
    try {
      const me = await api("GET", "/v1/me");
      if (me.role !== "app") { out.replaceChildren(h("div", { class: "error" }, t("notApp"))); return; }
      location.hash = "#/";
      route();
    } catch (err) { localStorage.removeItem("shop.key"); out.replaceChildren(problemBox(err)); }
  } }, input, h("button", { class: "primary", type: "submit" }, t("save")));
  render("setup", h("h1", {}, t("setup")), form, h("p", { class: "muted" }, t("keyHint")), message ? problemBox(message) : null, out);
  ready("setup");
}

async function catalog(params) {
  const q = params.get("q") || "";
  const cat = params.get("cat") || "";
  const search = new URLSearchParams({ limit: "24", currency: CURRENCY });
  if (q) search.set("q", q);
  if (cat) search.set("category", cat);
  const [cats, found] = await Promise.all([categories(), api("GET", `/v1/catalog/search?${search}`)]);
  const input = h("input", { type: "search", name: "q", value: q, placeholder: t("query"), "aria-label": t("query"), enterkeyhint: "search" });
  const form = h("form", { class: "row", role: "search", onsubmit: (e) => {
    e.preventDefault();
    const next = new URLSearchParams();
    if (input.value.trim()) next.set("q", input.value.trim());
    if (cat) next.set("cat", cat);
    location.hash = `#/?${next}`;
  } }, input, h("button", { class: "primary", type: "submit" }, t("find")));

  const link = (code) => {
    const next = new URLSearchParams();
    if (q) next.set("q", q);
    if (code) next.set("cat", code);
    return `#/?${next}`;
  };
  const current = cats.find((c) => c.code === cat);
  const top = cats.filter((c) => !c.parent_id);
  const children = current ? cats.filter((c) => c.parent_id === current.id || (current.parent_id && c.parent_id === current.parent_id)) : [];
  const chip = (c) => h("a", { class: `chip${c.code === cat ? " on" : ""}`, href: link(c.code), "data-category": c.code }, localized(c.name));
  const chips = h("nav", { class: "chips", "aria-label": t("catalog") },
    h("a", { class: `chip${cat ? "" : " on"}`, href: link("") }, t("all")), top.map(chip));
  const sub = children.length ? h("nav", { class: "chips" }, children.map(chip)) : null;

  const hits = found.hits || [];
  const results = hits.length
    ? h("div", { class: "grid" }, hits.map((hit) => {
      const price = hit.min_price && hit.min_price[CURRENCY];
      return h("a", { class: "card", href: `#/p/${hit.id}`, "data-product": hit.id },
        h("div", { class: "thumb", "aria-hidden": "true" }, (hit.brand || hitName(hit) || "?").slice(0, 1)),
        h("span", { class: "brandname" }, hit.brand || ""),
        h("span", {}, hitName(hit)),
        price !== undefined ? h("span", { class: "price" }, `${t("from")} ${money(price)}`) : null);
    }))
    : h("p", { class: "muted" }, t("nothing"));
  render("catalog", h("h1", {}, current ? localized(current.name) : t("catalog")), form, chips, sub,
    h("p", { class: "muted", "data-total": found.total }, `${t("found")}: ${found.total}`), results);
  ready("catalog");
}

function variantLabel(v) {
  return [v.color, v.size].filter(Boolean).join(", ") || v.sku;
}

function listPrice(v) {
  const p = (v.list_prices || []).find((x) => x.currency === CURRENCY);
  return p ? p.amount : null;
}

async function product(id) {
  const p = await api("GET", `/v1/catalog/products/${encodeURIComponent(id)}`);
  const name = localized(p.name);
  let selected = p.variants[0];
  const out = h("div");
  const nearList = h("ul", { class: "near", "data-nearby": "" });
  const nearNote = h("p", { class: "muted" });
  const point = state.point;
  const lat = h("input", { type: "number", name: "lat", step: "any", value: point.lat, "aria-label": t("lat"), class: "grow" });
  const lon = h("input", { type: "number", name: "lon", step: "any", value: point.lon, "aria-label": t("lon"), class: "grow" });

  async function loadNearby() {
    const sku = selected.sku;
    nearList.dataset.sku = sku;
    nearList.dataset.loaded = "";
    const pt = state.point;
    try {
      const a = await api("GET", `/v1/stock/${encodeURIComponent(sku)}/nearby?lat=${pt.lat}&lon=${pt.lon}&limit=5`);
      if (nearList.dataset.sku !== sku) return;
      nearList.replaceChildren(...a.locations.map((l) => h("li", { "data-location": l.code },
        h("span", {}, h("strong", {}, l.name), h("br"), h("span", { class: "muted" }, `${l.distance_km.toFixed(1)} ${t("km")}`)),
        h("span", {}, h("span", { class: "badge" }, `${l.available} ${t("pcs")}`), " ",
          h("span", { class: `badge${l.open_now ? "" : " closed"}` }, l.open_now ? t("openNow") : t("closed"))))));
      nearNote.textContent = a.locations.length ? "" : t("notNear");
    } catch (err) {
      nearList.replaceChildren(problemBox(err));
    }
    nearList.dataset.loaded = "yes";
  }

  const variantButtons = p.variants.map((v) => {
    const price = listPrice(v);
    const row = h("button", { type: "button", class: `variant${v === selected ? " on" : ""}`, "data-sku": v.sku, "aria-pressed": v === selected ? "true" : "false",
      onclick: () => {
        selected = v;
        for (const b of variantButtons) { b.classList.toggle("on", b === row); b.setAttribute("aria-pressed", b === row ? "true" : "false"); }
        out.replaceChildren();
        loadNearby();
      } },
    h("span", { class: "grow" }, variantLabel(v)), h("span", { class: "muted" }, v.sku), " ",
    price !== null ? h("span", { class: "price" }, money(price)) : null);
    return row;
  });

  const add = h("button", { class: "primary wide", type: "button", "data-add": "", onclick: async () => {
    add.disabled = true;
    try {
      state.name(selected.sku, `${name} (${variantLabel(selected)})`);
      const cart = showCount(await api("POST", "/v1/carts", { ...owner(), lines: [{ sku: selected.sku, quantity: 1 }] }));
      const line = cart.lines.find((l) => l.sku === selected.sku);
      out.replaceChildren(h("p", { class: "ok", "data-added": selected.sku },
        `${t("added")}: ${variantLabel(selected)} × ${line ? line.quantity : 1} · `, h("a", { href: "#/cart" }, t("cart"))));
    } catch (err) { out.replaceChildren(problemBox(err)); }
    add.disabled = false;
  } }, t("addToCart"));

  const pointForm = h("form", { class: "row", onsubmit: (e) => {
    e.preventDefault();
    state.point = { lat: Number(lat.value), lon: Number(lon.value) };
    loadNearby();
  } }, lat, lon, h("button", { type: "submit" }, t("show")),
  navigator.geolocation ? h("button", { type: "button", onclick: () => navigator.geolocation.getCurrentPosition((pos) => {
    lat.value = pos.coords.latitude.toFixed(4);
    lon.value = pos.coords.longitude.toFixed(4);
    pointForm.requestSubmit();
  }) }, t("nearMe")) : null);

  render("product", h("a", { class: "link", href: "#/" }, t("back")),
    h("h1", { "data-product": p.id }, name),
    h("p", { class: "muted" }, localized(p.description)),
    h("h2", {}, t("variants")), h("div", { class: "variants" }, variantButtons),
    h("p", {}, add), out,
    h("h2", {}, t("near")), pointForm, nearList, nearNote);
  await loadNearby();
  ready("product");
}

/** The names of the cart's SKUs: remembered when added here, else found by SKU search. */
async function lineNames(cart) {
  const names = state.names();
  const missing = cart.lines.map((l) => l.sku).filter((s) => !names[s]);
  await Promise.all(missing.map(async (sku) => {
    try {
      const r = await api("GET", `/v1/catalog/search?q=${encodeURIComponent(sku)}&limit=1`);
      if (r.hits && r.hits[0]) { names[sku] = hitName(r.hits[0]); state.name(sku, names[sku]); }
    } catch { /* the SKU is shown instead */ }
  }));
  return names;
}

async function cartView() {
  const customer = state.customer;
  const [cart, points] = await Promise.all([
    findCart(),
    customer ? api("GET", `/v1/customers/${customer.id}/points`).catch(() => null) : null,
  ]);
  const personal = customer ? h("section", { class: "card stack", "data-personal": "" },
    h("div", {}, `${t("signedIn")} `, h("strong", {}, customer.phone), customer.tier ? ` · ${t("tier")}: ${customer.tier}` : ""),
    points ? h("div", { "data-points": points.balance.available },
      `${t("points")}: `, h("strong", {}, String(points.balance.available)), ` ${t("available")}`,
      points.balance.pending ? ` · ${points.balance.pending} ${t("pending")}` : "") : null,
    customer.offers && customer.offers.length ? h("div", {}, h("strong", {}, t("yourOffers")),
      h("ul", { class: "offers", "data-offers": "" }, customer.offers.map((o) => h("li", {}, o.reason || o.name)))) : null)
    : h("p", { class: "card" }, t("signinPrompt"), " ", h("a", { href: "#/signin" }, t("signin")));

  if (!cart || !cart.lines.length) {
    render("cart", h("h1", {}, t("cart")), personal, h("p", { class: "muted", "data-empty": "" }, t("empty")), h("a", { class: "link", href: "#/" }, t("back")));
    ready("cart");
    return;
  }
  const names = await lineNames(cart);
  const quote = cart.quote;
  const priced = Object.fromEntries(((quote && quote.lines) || []).map((l) => [l.sku, l]));
  const out = h("div");

  const setQty = async (sku, quantity) => {
    try {
      await api("PUT", `/v1/carts/${cart.id}/lines/${encodeURIComponent(sku)}`, { quantity });
      await cartView();
    } catch (err) { out.replaceChildren(problemBox(err)); }
  };
  const lines = h("ul", { class: "lines" }, cart.lines.map((l) => {
    const q = priced[l.sku];
    return h("li", { class: "card line", "data-line": l.sku },
      h("div", {}, h("div", {}, names[l.sku] || l.sku), h("span", { class: "muted" }, l.sku)),
      h("div", { class: "price" }, q ? money(q.total, quote.currency) : "—",
        q && q.total !== q.subtotal ? h("span", { class: "old" }, money(q.subtotal, quote.currency)) : null),
      h("div", { class: "qty" },
        h("button", { type: "button", "aria-label": "−", onclick: () => setQty(l.sku, l.quantity - 1) }, "−"),
        h("span", { "data-qty": l.quantity }, String(l.quantity)),
        h("button", { type: "button", "aria-label": "+", onclick: () => setQty(l.sku, l.quantity + 1) }, "+"),
        h("button", { type: "button", onclick: () => setQty(l.sku, 0) }, t("remove"))),
      q ? h("div", { class: "muted" }, `${money(q.unit_price, quote.currency)} × ${l.quantity}`) : h("div"),
      ...(q ? q.discounts.map((d) => h("div", { class: "discount" }, `${d.reason}: −${money(d.amount, quote.currency)}`)) : []));
  }));

  const totals = quote ? h("div", { class: "totals", "data-quote": quote.to_pay },
    h("span", {}, t("subtotal")), h("span", {}, money(quote.subtotal, quote.currency)),
    quote.discount_total ? [h("span", {}, t("discount")), h("span", {}, `−${money(quote.discount_total, quote.currency)}`)] : null,
    h("span", {}, t("total")), h("span", {}, money(quote.total, quote.currency)),
    quote.points.earn ? [h("span", {}, t("pointsEarn")), h("span", {}, String(quote.points.earn))] : null,
    h("span", { class: "pay" }, t("toPay")), h("span", { class: "pay" }, money(quote.to_pay, quote.currency))) : null;
  const applied = quote && quote.promotions.length ? [h("h2", {}, t("offersApplied")),
    h("ul", { class: "offers", "data-applied": "" }, quote.promotions.map((p) =>
      h("li", {}, h("strong", {}, p.name), h("br"), p.reason, p.discount ? ` · −${money(p.discount, quote.currency)}` : "")))] : null;
  const problem = cart.price_problem ? h("div", { class: "error", role: "alert" }, cart.price_problem) : null;

  render("cart", h("h1", {}, t("cart")), personal, lines, problem, totals, applied, out, deliveryAndCheckout(cart));
  ready("cart");
}

const METHOD_ORDER = ["store_pickup", "pickup_point", "courier", "express"];

/** Delivery options at a point, a payment choice and the checkout button. */
function deliveryAndCheckout(cart) {
  const pt = state.point;
  const lat = h("input", { type: "number", name: "lat", step: "any", value: pt.lat, "aria-label": t("lat"), class: "grow" });
  const lon = h("input", { type: "number", name: "lon", step: "any", value: pt.lon, "aria-label": t("lon"), class: "grow" });
  const address = h("input", { type: "text", name: "address", placeholder: t("address"), "aria-label": t("address"), class: "full", autocomplete: "street-address" });
  const list = h("div", { class: "options", "data-options": "" });
  let options = [];

  async function load() {
    state.point = { lat: Number(lat.value), lon: Number(lon.value) };
    list.dataset.loaded = "";
    try {
      const [found, locs] = await Promise.all([
        api("POST", `/v1/carts/${cart.id}/delivery-options`, { destination: state.point }), locations()]);
      options = found.slice().sort((a, b) => METHOD_ORDER.indexOf(a.method) - METHOD_ORDER.indexOf(b.method));
      list.replaceChildren(...(options.length ? options.map((o, i) => {
        const place = o.location_id && locs[o.location_id];
        const promise = o.method === "courier" || o.method === "express"
          ? `${t("slot")}: ${when(o.promised_from)}–${new Date(o.promised_to).toTimeString().slice(0, 5)}`
          : `${t("ready")}: ${when(o.promised_from)}`;
        return h("label", { class: "option", "data-method": o.method, "data-location": place ? place.code : null },
          h("input", { type: "radio", name: "delivery", value: String(i) }),
          h("span", { class: "grow" }, h("strong", {}, t(`m_${o.method}`)), place ? ` · ${place.name}` : "", h("br"),
            h("span", { class: "muted" }, promise)),
          h("span", { class: "price" }, o.price ? money(o.price, cart.currency) : t("free")));
      }) : [h("p", { class: "muted" }, t("noOptions"))]));
    } catch (err) { list.replaceChildren(problemBox(err)); }
    list.dataset.loaded = "yes";
  }

  const payment = h("select", { name: "payment", "aria-label": t("payment") },
    h("option", { value: "card" }, t("p_card")), h("option", { value: "decline" }, t("p_decline")),
    h("option", { value: "on_delivery" }, t("p_on_delivery")));
  const out = h("div");
  const button = h("button", { class: "primary wide", type: "button", "data-checkout": "", onclick: async () => {
    const chosen = list.querySelector("input[name=delivery]:checked");
    const o = chosen ? options[Number(chosen.value)] : null;
    const body = { cart_id: cart.id };
    if (o) {
      body.fulfilment = o.method === "courier" || o.method === "express"
        ? { method: o.method, address: { text: address.value.trim(), geo: state.point } }
        : { method: o.method, location_id: o.location_id };
    }
    body.payment = payment.value === "on_delivery" ? { method: "on_delivery" } : { method: "card", token: TOKENS[payment.value] };
    button.disabled = true;
    button.textContent = t("placing");
    out.replaceChildren();
    try {
      const result = await checkout(body);
      sessionStorage.setItem(`shop.order.${result.order.id}`, JSON.stringify(result));
      showCount(null);
      location.hash = `#/order/${result.order.id}`;
    } catch (err) {
      out.replaceChildren(problemBox(err));
      button.disabled = false;
      button.textContent = t("checkout");
    }
  } }, t("checkout"));

  load();
  return h("section", { class: "stack", "data-delivery": "" },
    h("h2", {}, t("delivery")),
    h("form", { class: "row", onsubmit: (e) => { e.preventDefault(); load(); } },
      h("span", {}, t("where")), lat, lon, h("button", { type: "submit" }, t("options"))),
    address, list,
    h("h2", {}, t("payment")), payment, out, button);
}

/**
 * One checkout attempt. Its Idempotency-Key is made for this body and kept (in this tab) until
 * the API gives a definite answer: a retry after a lost response or a server error reuses it,
 * so the order is placed at most once; a changed choice or a refusal starts a new attempt.
 */
async function checkout(body) {
  const text = JSON.stringify(body);
  let attempt = null;
  try { attempt = JSON.parse(sessionStorage.getItem("shop.attempt")); } catch { attempt = null; }
  if (!attempt || attempt.body !== text) {
    attempt = { key: uid(), body: text };
    sessionStorage.setItem("shop.attempt", JSON.stringify(attempt));
  }
  try {
    const result = await api("POST", "/v1/checkouts", body, { "Idempotency-Key": attempt.key });
    sessionStorage.removeItem("shop.attempt");
    return result;
  } catch (err) {
    if (err.status && err.status < 500) sessionStorage.removeItem("shop.attempt");
    throw err;
  }
}

async function orderView(id) {
  const [order, locs] = await Promise.all([api("GET", `/v1/orders/${encodeURIComponent(id)}`), locations()]);
  let placed = null;
  try { placed = JSON.parse(sessionStorage.getItem(`shop.order.${id}`)); } catch { placed = null; }
  const code = placed && placed.pickup_code;
  const d = order.delivery || {};
  const place = d.location_id && locs[d.location_id];
  render("order", h("h1", {}, `${t("order")} № ${order.number}`),
    h("div", { class: "ok stack" },
      placed ? h("strong", {}, t("thanks")) : null,
      h("div", {}, `${t("number")}: `, h("span", { class: "number", "data-order-number": order.number }, order.number)),
      code ? h("div", {}, `${t("pickupCode")}: `, h("div", { class: "code", "data-pickup-code": code }, code),
        h("span", { class: "muted" }, t("pickupHint"))) : null,
      h("div", {}, `${t("status")}: ${order.status}`),
      d.method ? h("div", {}, `${t("delivery")}: ${t(`m_${d.method}`)}${place ? ` · ${place.name}` : ""}`,
        d.promised_from ? ` · ${when(d.promised_from)}` : "") : null,
      h("div", {}, `${t("toPay")}: `, h("strong", {}, money(order.quote.to_pay, order.currency)))),
    h("p", {}, h("a", { class: "link", href: "#/" }, t("continue"))));
  ready("order");
}

async function signinView() {
  const customer = state.customer;
  if (customer) {
    render("signin", h("h1", {}, t("signinTitle")),
      h("p", {}, `${t("signedIn")} `, h("strong", { "data-signed-in": customer.id }, customer.phone)),
      h("button", { type: "button", onclick: () => { state.customer = null; showAccount(); location.hash = "#/"; } }, t("signout")));
    ready("signin");
    return;
  }
  const phone = h("input", { type: "tel", name: "phone", autocomplete: "tel", placeholder: "+7 900 000-00-00", required: true, "aria-label": t("phone") });
  const out = h("div");
  const form = h("form", { class: "row", onsubmit: async (e) => {
    e.preventDefault();
    out.replaceChildren();
    try {
      await signIn(phone.value.trim());
      location.hash = "#/cart";
    } catch (err) { out.replaceChildren(problemBox(err)); }
  } }, phone, h("button", { class: "primary", type: "submit" }, t("signin")));
  render("signin", h("h1", {}, t("signinTitle")), form, h("p", { class: "muted" }, t("signinHint")), out);
  phone.focus();
  ready("signin");
}

/**
 * Signs the shopper in by phone (a new number becomes a new customer) and gives this
 * device's anonymous cart to them: it becomes their cart, or merges into the one they
 * already have from another device.
 */
async function signIn(phone) {
  const identify = () => api("POST", "/v1/customers/identify", { kind: "phone", value: phone });
  let summary;
  try {
    summary = await identify();
  } catch (err) {
    if (err.status !== 404) throw err;
    await api("POST", "/v1/customers", { identifiers: [{ kind: "phone", value: phone }] });
    summary = await identify();
  }
  const device = await findCart();
  if (device) await api("POST", `/v1/carts/${device.id}/owner`, { customer_id: summary.customer_id });
  const masked = (summary.identifiers.find((i) => i.kind === "phone") || {}).value || phone;
  state.customer = { id: summary.customer_id, phone: masked, tier: summary.tier, offers: summary.personal_offers || [] };
  showAccount();
}

function showAccount() {
  const c = state.customer;
  const link = document.getElementById("account");
  link.textContent = c ? c.phone : t("signin");
  link.dataset.signedIn = c ? "yes" : "";
}

// ---- routing ---------------------------------------------------------------------------

async function route() {
  const hash = location.hash.slice(1) || "/";
  const [path, query] = hash.split("?");
  const params = new URLSearchParams(query || "");
  document.body.dataset.ready = "";
  if (!state.key) return setup();
  try {
    if (path === "/" || path === "") return await catalog(params);
    if (path.startsWith("/p/")) return await product(decodeURIComponent(path.slice(3)));
    if (path === "/cart") return await cartView();
    if (path === "/signin") return await signinView();
    if (path.startsWith("/order/")) return await orderView(decodeURIComponent(path.slice(7)));
    if (path === "/setup") return setup();
    location.hash = "#/";
  } catch (err) {
    if (err.status === 401) { localStorage.removeItem("shop.key"); return setup(err); }
    render("error", err.status === 404 ? h("p", { class: "error" }, t("notFound")) : problemBox(err), h("a", { class: "link", href: "#/" }, t("back")));
    ready("error");
  }
}

function applyLang() {
  document.documentElement.lang = lang;
  document.getElementById("lang").textContent = lang === "ru" ? "EN" : "RU";
  showAccount();
  showCount(undefined);
}

document.addEventListener("DOMContentLoaded", () => {
  // `#key=omk_…`: keep the key in this browser and drop it from the address bar and history.
  const m = location.hash.match(/^#key=(omk_[\w-]+)/);
  if (m) {
    state.key = m[1];
    history.replaceState(null, "", `${location.pathname}#/`);
  }
  applyLang();
  document.getElementById("lang").addEventListener("click", () => {
    lang = lang === "ru" ? "en" : "ru";
    localStorage.setItem("shop.lang", lang);
    applyLang();
    route();
  });
  window.addEventListener("hashchange", route);
  // The bar's links re-show their view when it is already open (a refresh of the cart).
  for (const id of ["cartlink", "account"]) {
    document.getElementById(id).addEventListener("click", (e) => {
      if (location.hash === e.currentTarget.getAttribute("href")) route();
    });
  }
  route();
  if (state.key) findCart().catch(() => null);
});
