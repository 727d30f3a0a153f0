// omniretail console: a few small scripts (dom.js, this core, orders.js, inbox.js,
// dashboards.js, backoffice.js, associate.js and ops.js), no framework and no build step. It
// signs in with an API key (kept in this tab's sessionStorage only), asks /v1/me what the key
// may do, and shows the screens of that role. Every text the API returns is inserted
// as text, never as HTML.
"use strict";

const TEXT = {
  ru: {
    signin: "Вход", key: "API-ключ", keyHint: "Ключ выдаёт администратор (omni keys create) или omni serve --demo.",
    enter: "Войти", signout: "Выйти", shopper: "Покупатель", search: "Каталог",
    identify: "Найти", kind_phone: "Телефон", kind_email: "Email", kind_loyalty_card: "Карта", kind_qr_token: "QR-код",
    value: "Телефон, email, карта или QR", notFound: "Покупатель не найден.",
    tier: "Уровень", points: "Баллы", contacts: "Контакты", preferences: "Предпочтения", sizes: "Размеры",
    lastPurchases: "Последние покупки", openOrders: "Открытые заказы", offers: "Персональные предложения", none: "нет",
    query: "Что ищем? Название, артикул, штрихкод", find: "Искать", inMyStore: "В наличии в моём магазине",
    found: "Найдено", nothing: "Ничего не найдено.", category: "Категория", brand: "Бренд",
    store: "Магазин", signedInAs: "Вы вошли как", role_admin: "администратор", role_marketer: "маркетолог",
    role_associate: "продавец", role_agent: "оператор колл-центра", role_app: "приложение",
    products: "Товары", stock: "Остатки", more: "Ещё", back: "Назад", completeness: "Заполненность",
    status_draft: "черновик", status_in_review: "на проверке", status_published: "опубликован",
    toReview: "На проверку", publish: "Опубликовать", toDraft: "В черновик", missing: "Не хватает",
    ch_web: "Сайт", ch_mobile_app: "Приложение", ch_pos: "Касса", ch_associate_app: "Продавец", ch_kiosk: "Киоск", ch_call_center: "Колл-центр", ch_messenger: "Мессенджер", ch_chatbot: "Чат-бот",
    sku: "Артикул SKU", show: "Показать", network: "Доступно в сети", location: "Место", onHand: "На складе",
    reserved: "В резерве", available: "Доступно", openNow: "Открыто", yes: "да", no: "нет", mine: "мой магазин",
    timeline: "История взаимодействий", consents: "Согласия", preferredChannel: "Предпочтительный канал",
    keys: "Ключи", name: "Название", role: "Роль", created: "Создан", revoked: "Отозван", revoke: "Отозвать",
    create: "Создать", newKey: "Новый ключ", tokenOnce: "Скопируйте ключ сейчас: он показывается один раз.",
    channel: "Канал", active: "действует",
    cart: "Корзина", addToCart: "В корзину", sellTo: "Оформить покупку", burnPoints: "Оплатить баллами",
    sell: "Продать", subtotal: "Сумма", discount: "Скидка", total: "Итого", toPay: "К оплате",
    pointsEarn: "Будет начислено баллов", pointsUsable: "Можно оплатить баллами", sold: "Продажа проведена",
    qty: "Кол-во", remove: "Убрать", emptyCart: "Корзина пуста: добавьте товары из каталога.", forShopper: "Покупатель",
    anonymous: "без карты", added: "В корзине",
  },
  en: {
    signin: "Sign in", key: "API key", keyHint: "An admin issues keys (omni keys create); omni serve --demo prints some.",
    enter: "Sign in", signout: "Sign out", shopper: "Shopper", search: "Catalog",
    identify: "Identify", kind_phone: "Phone", kind_email: "Email", kind_loyalty_card: "Card", kind_qr_token: "QR code",
    value: "Phone, email, card or QR", notFound: "No such shopper.",
    tier: "Tier", points: "Points", contacts: "Contacts", preferences: "Preferences", sizes: "Sizes",
    lastPurchases: "Last purchases", openOrders: "Open orders", offers: "Personal offers", none: "none",
    query: "Search by name, article or barcode", find: "Search", inMyStore: "In stock in my store",
    found: "Found", nothing: "Nothing found.", category: "Category", brand: "Brand",
    store: "Store", signedInAs: "Signed in as", role_admin: "admin", role_marketer: "marketer",
    role_associate: "store associate", role_agent: "call-center agent", role_app: "app",
    products: "Products", stock: "Stock", more: "More", back: "Back", completeness: "Completeness",
    status_draft: "draft", status_in_review: "in review", status_published: "published",
    toReview: "Send to review", publish: "Publish", toDraft: "Back to draft", missing: "Missing",
    ch_web: "Web", ch_mobile_app: "App", ch_pos: "POS", ch_associate_app: "Associate", ch_kiosk: "Kiosk", ch_call_center: "Call center", ch_messenger: "Messenger", ch_chatbot: "Chatbot",
    sku: "SKU", show: "Show", network: "Available in the network", location: "Location", onHand: "On hand",
    reserved: "Reserved", available: "Available", openNow: "Open now", yes: "yes", no: "no", mine: "my store",
    timeline: "Interactions", consents: "Consents", preferredChannel: "Preferred channel",
    keys: "Keys", name: "Name", role: "Role", created: "Created", revoked: "Revoked", revoke: "Revoke",
    create: "Create", newKey: "New key", tokenOnce: "Copy the key now: it is shown only once.",
    channel: "Channel", active: "active",
    cart: "Cart", addToCart: "Add to cart", sellTo: "Start a sale", burnPoints: "Pay with points",
    sell: "Sell", subtotal: "Subtotal", discount: "Discount", total: "Total", toPay: "To pay",
    pointsEarn: "Points to earn", pointsUsable: "Points usable", sold: "Sale recorded",
    qty: "Qty", remove: "Remove", emptyCart: "The cart is empty: add products from the catalog.", forShopper: "Shopper",
    anonymous: "no card", added: "In the cart",
  },
};

let lang = localStorage.getItem("omni.lang") === "en" ? "en" : "ru";
const t = (k) => TEXT[lang][k] ?? k;

const session = {
  get key() { return sessionStorage.getItem("omni.key"); },
  get me() { try { return JSON.parse(sessionStorage.getItem("omni.me")); } catch { return null; } },
  save(key, me) { sessionStorage.setItem("omni.key", key); sessionStorage.setItem("omni.me", JSON.stringify(me)); },
  clear() { for (const k of ["omni.key", "omni.me", "omni.shopper", "omni.checkout"]) sessionStorage.removeItem(k); },
};

/** A call to the JSON API; a problem+json answer becomes an Error carrying the problem. */
async function api(method, path, body, key = session.key) {
  return (await call(method, path, body, key)).data;
}

/** Like `api`, also returning the ETag (what `If-Match` must echo to change the resource). */
async function call(method, path, body, key = session.key, extra = {}) {
  const headers = { Authorization: `Bearer ${key}`, ...extra };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  const data = text ? JSON.parse(text) : null;
  if (!res.ok) {
    const err = new Error((data && (data.detail || data.title)) || `HTTP ${res.status}`);
    err.status = res.status;
    err.problem = data;
    throw err;
  }
  return { data, etag: res.headers.get("ETag") };
}

function problemBox(err) {
  const fields = (err.problem && err.problem.errors) || [];
  return h("div", { class: "error", role: "alert" }, err.message,
    fields.length ? h("ul", {}, fields.map((f) => h("li", {}, `${f.field}: ${f.message}`))) : null);
}

const EXPONENT = { JPY: 0, KWD: 3 };

/** Minor units as a price, by integer arithmetic (no float ever holds the amount). */
function money(minor, currency) {
  const exp = EXPONENT[currency] ?? 2;
  const scale = 10 ** exp;
  const sign = minor < 0 ? "-" : "";
  const abs = Math.abs(minor);
  const major = new Intl.NumberFormat(lang === "ru" ? "ru-RU" : "en-US").format((abs - (abs % scale)) / scale);
  const frac = exp ? (lang === "ru" ? "," : ".") + String(abs % scale).padStart(exp, "0") : "";
  return `${sign}${major}${frac} ${currency === "RUB" ? "₽" : currency === "KZT" ? "₸" : currency}`;
}

/** Marks the page usable: end-to-end tests and the 300 ms budget wait for this. */
/** Marks a screen usable — unless the user has moved on to another screen meanwhile: a
 * screen whose data arrives late must not mark the one now shown as its own. */
function ready(view) {
  const shown = document.body.dataset.view;
  if (shown !== view && view in SCREENS && shown in SCREENS) return;
  document.body.dataset.ready = view;
}

function render(view, ...children) {
  const main = document.getElementById("view");
  main.replaceChildren(...children.filter((c) => c !== null && c !== undefined && c !== false));
  document.body.dataset.ready = "";
  document.body.dataset.view = view;
}

// ---- screens --------------------------------------------------------------------------

function screensFor(me) {
  switch (me && me.role) {
    case "associate": return ["shopper", "search", "cart", "picklist", "pickup", "stock", "consult", "returns", "orderdesk"];
    case "agent": return ["inbox", "shopper", "orderdesk", "search", "cart", "stock"];
    case "admin": return ["products", "search", "stock", "keys", "inbox", "dashboards", "promotions", "segments", "triggers", "locations", "orderdesk", "sourcing"];
    case "marketer": return ["products", "search", "dashboards", "promotions", "segments", "triggers"];
    case "app": return ["search", "cart"];
    default: return [];
  }
}

function signIn() {
  const input = h("input", { type: "password", name: "key", autocomplete: "off", placeholder: "omk_…", required: true, "aria-label": t("key") });
  const out = h("div");
  const form = h("form", { class: "row", onsubmit: async (e) => {
    e.preventDefault();
    try {
      const key = input.value.trim();
      const me = await api("GET", "/v1/me", undefined, key);
      session.save(key, me);
      location.hash = `#/${screensFor(me)[0] || "signin"}`;
      route();
    } catch (err) { out.replaceChildren(problemBox(err)); }
  } }, input, h("button", { class: "primary", type: "submit" }, t("enter")));
  render("signin", h("h1", {}, t("signin")), form, h("p", { class: "muted" }, t("keyHint")), out);
  input.focus();
  ready("signin");
}

function shopper() {
  const kind = h("select", { name: "kind", "aria-label": "kind" },
    ["phone", "email", "loyalty_card", "qr_token"].map((k) => h("option", { value: k }, t(`kind_${k}`))));
  const value = h("input", { type: "text", name: "value", placeholder: t("value"), required: true, inputmode: "tel" });
  const out = h("div", { id: "summary" });
  const form = h("form", { class: "row", onsubmit: async (e) => {
    e.preventDefault();
    out.replaceChildren();
    try {
      const s = await api("POST", "/v1/customers/identify", { kind: kind.value, value: value.value });
      const [timeline, consents] = await Promise.all([
        api("GET", `/v1/customers/${s.customer_id}/timeline?limit=10`).catch(() => null),
        api("GET", `/v1/customers/${s.customer_id}/consents`).catch(() => null)]);
      out.replaceChildren(summaryCard(s), historyCard(timeline, consents));
    } catch (err) {
      out.replaceChildren(err.status === 404 ? h("div", { class: "error" }, t("notFound")) : problemBox(err));
    }
    ready("shopper");
  } }, kind, value, h("button", { class: "primary", type: "submit" }, t("identify")));
  render("shopper", h("h1", {}, t("shopper")), form, out);
  value.focus();
  ready("shopper");
}

function list(items, show) {
  return items && items.length ? h("ul", {}, items.map((i) => h("li", {}, show(i)))) : t("none");
}

function pairs(map) {
  const entries = Object.entries(map || {});
  return entries.length ? entries.map(([k, v]) => `${k}: ${v}`).join(", ") : t("none");
}

function summaryCard(s) {
  return h("section", { class: "card", "data-customer": s.customer_id },
    h("h2", {}, s.name || s.customer_id, " ", h("span", { class: "tier" }, s.tier)),
    h("dl", { class: "kv" },
      h("dt", {}, t("points")), h("dd", { "data-points": "" }, String(s.points_balance)),
      h("dt", {}, t("contacts")), h("dd", {}, list(s.identifiers, (i) => `${t(`kind_${i.kind}`)}: ${i.value}`)),
      h("dt", {}, t("preferences")), h("dd", {}, pairs(s.preferences)),
      h("dt", {}, t("sizes")), h("dd", {}, pairs(s.sizes)),
      h("dt", {}, t("lastPurchases")), h("dd", {}, list(s.last_purchases, (p) => `${p.reference}: ${money(p.total, p.currency)}`)),
      h("dt", {}, t("openOrders")), h("dd", {}, list(s.open_orders, (o) => (o && o.number && screensFor(session.me).includes("orderdesk") ? h("a", { href: `#/orderdesk/${encodeURIComponent(o.number)}`, "data-open-order": o.number }, openOrder(o)) : openOrder(o)))),
      h("dt", {}, t("offers")), h("dd", { "data-offers": "" }, list(s.personal_offers, (o) => o.reason || o.name))),
    h("p", {}, h("button", { type: "button", class: "primary", "data-sell": "", onclick: (e) => startSale(s, e.currentTarget) }, t("sellTo"))));
}

/** An open order of the summary: number, status and total when the API gives them. */
function openOrder(o) {
  if (!o || !o.number) return JSON.stringify(o);
  return [o.number, o.status && t(`st_${o.status}`), typeof o.total === "number" && o.currency ? money(o.total, o.currency) : null]
    .filter(Boolean).join(" · ");
}

/** The customer's latest interactions in every channel and the consents in force. */
function historyCard(timeline, consents) {
  const when = (ts) => new Date(ts).toLocaleString(lang === "ru" ? "ru-RU" : "en-GB");
  return h("section", { class: "card", "data-history": "" },
    h("h2", {}, t("timeline")),
    timeline && timeline.data.length
      ? h("ul", {}, timeline.data.map((e) => h("li", { "data-kind": e.kind }, `${when(e.occurred_at)} · ${t(`ch_${e.channel}`)} · ${e.kind}`)))
      : h("p", { class: "muted" }, t("none")),
    h("h2", {}, t("consents")),
    consents && consents.in_force.length
      ? h("p", {}, consents.in_force.map((c) => `${c.purpose}/${c.channel}`).join(", "))
      : h("p", { class: "muted" }, t("none")),
    consents && consents.preferred_channel ? h("p", { class: "muted" }, `${t("preferredChannel")}: ${consents.preferred_channel}`) : null);
}

function search() {
  const me = session.me;
  const filters = { category: null, brand: null };
  const q = h("input", { type: "search", name: "q", placeholder: t("query") });
  const mine = me && me.store ? h("input", { type: "checkbox", name: "in_stock_at" }) : null;
  const out = h("div", { id: "results" });
  const run = async () => {
    const params = new URLSearchParams({ q: q.value, limit: "20" });
    if (filters.category) params.set("category", filters.category);
    if (filters.brand) params.set("brand", filters.brand);
    if (mine && mine.checked) params.set("in_stock_at", me.store);
    try {
      const r = await api("GET", `/v1/catalog/search?${params}`);
      out.replaceChildren(results(r, filters, run));
      out.dataset.q = q.value; // which query the results answer (a quick second search may overtake the first)
    } catch (err) { out.replaceChildren(problemBox(err)); }
    ready("search");
  };
  const form = h("form", { class: "row", onsubmit: (e) => { e.preventDefault(); filters.category = filters.brand = null; run(); } },
    q, mine ? h("label", { class: "check" }, mine, t("inMyStore")) : null,
    h("button", { class: "primary", type: "submit" }, t("find")));
  render("search", h("h1", {}, t("search")), form, out);
  q.focus();
  run();
}

function facetChips(label, counts, key, filters, run) {
  if (!counts || !counts.length) return null;
  return h("div", { class: "chips", "aria-label": label }, h("span", { class: "muted" }, `${label}:`),
    counts.slice(0, 12).map((c) => h("button", {
      type: "button", class: filters[key] === c.value ? "chip on" : "chip",
      onclick: () => { filters[key] = filters[key] === c.value ? null : c.value; run(); },
    }, `${c.value} · ${c.count}`)));
}

function results(r, filters, run) {
  if (!r.total) return h("p", { class: "muted" }, t("nothing"));
  return h("div", {},
    h("p", { class: "muted", "data-total": r.total }, `${t("found")}: ${r.total}`),
    facetChips(t("category"), r.facets.category, "category", filters, run),
    facetChips(t("brand"), r.facets.brand, "brand", filters, run),
    h("ul", { class: "hits" }, r.hits.map((hit) => hitCard(hit))));
}

/** A product of the search results as a card; "Add to cart" adds `sku` (else its first SKU). */
function hitCard(hit, sku) {
  const p = hit.product || hit;
  const [cur, minor] = Object.entries(p.min_price || {}).sort(([a], [b]) => (a === "RUB" ? -1 : b === "RUB" ? 1 : 0))[0] || [];
  const adds = sku || (p.skus || [])[0];
  const sells = screensFor(session.me).includes("cart") && adds;
  return h("li", { class: "hit", "data-article": p.article },
    h("img", { src: p.image, alt: "", loading: "lazy", onerror: (e) => e.target.classList.add("none") }),
    h("div", { class: "info" },
      h("div", { class: "name" }, hitName(p)),
      h("div", { class: "muted" }, [p.brand, p.article, sku].filter(Boolean).join(" · ")),
      cur ? h("div", { class: "price" }, money(minor, cur)) : null),
    sells ? h("button", { type: "button", "data-add": adds, onclick: (e) => addButton(e.currentTarget, adds, hitName(p)) }, t("addToCart")) : null);
}

// ---- back office: enrichment and publication per channel ------------------------------

const CHANNELS = ["web", "mobile_app", "pos", "associate_app", "kiosk"];
const status = (p, ch) => (p.publication && p.publication[ch]) || "draft";

function statusChips(p) {
  return h("div", { class: "chips" }, CHANNELS.map((ch) =>
    h("span", { class: status(p, ch) === "published" ? "chip on" : "chip", title: t(`status_${status(p, ch)}`) },
      `${t(`ch_${ch}`)}: ${t(`status_${status(p, ch)}`)}`)));
}

function products(after) {
  const out = h("div", { id: "products" });
  render("products", h("h1", {}, t("products")), out);
  const params = new URLSearchParams({ limit: "20" });
  if (typeof after === "string") params.set("starting_after", after);
  api("GET", `/v1/catalog/products?${params}`).then((page) => {
    const rows = page.data.map((p) => h("li", { class: "hit", "data-product": p.id },
      h("div", { class: "info" },
        h("a", { href: `#/products/${p.id}`, class: "name" }, p.name.ru || p.name.en || p.article),
        h("div", { class: "muted" }, p.article), statusChips(p))));
    const last = page.data[page.data.length - 1];
    out.replaceChildren(h("ul", { class: "hits" }, rows),
      page.has_more && last ? h("p", {}, h("button", { type: "button", onclick: () => products(last.id) }, t("more"))) : null);
    ready("products");
  }).catch((err) => { out.replaceChildren(problemBox(err)); ready("products"); });
}

/** The next publication steps a status allows (the domain refuses any other). */
function stepsFrom(current) {
  return { draft: [["in_review", "toReview"]], in_review: [["published", "publish"], ["draft", "toDraft"]], published: [["draft", "toDraft"]] }[current] || [];
}

async function productDetail(id, notice) {
  const out = h("div", { id: "product" });
  render("product", h("p", {}, h("a", { href: "#/products" }, `← ${t("back")}`)), out);
  try {
    const [{ data: p, etag }, report] = await Promise.all([
      call("GET", `/v1/catalog/products/${id}`), api("GET", `/v1/catalog/products/${id}/completeness`)]);
    const change = async (channel, to) => {
      try {
        await call("POST", `/v1/catalog/products/${id}/publication`, { channel, status: to }, session.key, { "If-Match": etag });
        productDetail(id);
      } catch (err) { productDetail(id, err); }
    };
    out.replaceChildren(
      h("h1", {}, p.name.ru || p.name.en || p.article), h("p", { class: "muted" }, p.article),
      notice ? problemBox(notice) : null,
      ...report.map((c) => h("section", { class: "card", "data-channel": c.channel, "data-status": c.status },
        h("h2", {}, `${t(`ch_${c.channel}`)} · ${t(`status_${c.status}`)} · ${t("completeness")} ${c.percent}%`),
        c.missing.length ? h("p", { class: "muted" }, `${t("missing")}: ${c.missing.map((m) => m.detail ? `${m.requirement} (${m.detail})` : m.requirement).join(", ")}`) : null,
        h("div", { class: "chips" }, stepsFrom(c.status).map(([to, label]) =>
          h("button", { type: "button", "data-to": to, onclick: () => change(c.channel, to) }, t(label)))))));
  } catch (err) { out.replaceChildren(problemBox(err)); }
  ready("product");
}

// ---- stock: a SKU across the network, my store first ----------------------------------

function stock() {
  const me = session.me;
  const sku = h("input", { type: "text", name: "sku", placeholder: "SKU-000001", required: true });
  const out = h("div", { id: "stock" });
  const form = h("form", { class: "row", onsubmit: async (e) => {
    e.preventDefault();
    try {
      const r = await api("GET", `/v1/stock/${encodeURIComponent(sku.value.trim())}`);
      const rows = [...r.locations].sort((a, b) => (b.location_id === me.store) - (a.location_id === me.store) || b.available - a.available);
      out.replaceChildren(
        h("p", { "data-available": r.available }, `${t("network")}: ${r.available}`),
        h("table", {}, h("thead", {}, h("tr", {}, [t("location"), t("onHand"), t("reserved"), t("available"), t("openNow")].map((c) => h("th", {}, c)))),
          h("tbody", {}, rows.slice(0, 50).map((l) => h("tr", { class: l.location_id === me.store ? "mine" : "" },
            h("td", {}, `${l.code} ${l.name}`, l.location_id === me.store ? h("span", { class: "tier" }, t("mine")) : null),
            h("td", {}, l.stock ? l.stock.on_hand : "–"), h("td", {}, l.stock ? l.stock.reserved : "–"),
            h("td", {}, l.available), h("td", {}, l.open_now ? t("yes") : t("no")))))));
    } catch (err) { out.replaceChildren(problemBox(err)); }
    ready("stock");
  } }, sku, h("button", { class: "primary", type: "submit" }, t("show")));
  render("stock", h("h1", {}, t("stock")), form, out);
  sku.focus();
  ready("stock");
}

// ---- access: API keys for tills, apps and staff ---------------------------------------

async function keys(created) {
  const out = h("div", { id: "keys" });
  render("keys", h("h1", {}, t("keys")), out);
  try {
    const [list, locations] = await Promise.all([
      api("GET", "/v1/api-keys?limit=100"), api("GET", "/v1/locations?kind=store&limit=100")]);
    const stores = locations.data;
    const code = (id) => (locations.data.find((l) => l.id === id) || {}).code || id;
    out.replaceChildren(
      created ? h("div", { class: "card", "data-token": created.token }, h("p", {}, t("tokenOnce")), h("code", {}, created.token)) : null,
      keyForm(stores),
      h("table", {}, h("thead", {}, h("tr", {}, [t("name"), t("role"), t("created"), ""].map((c) => h("th", {}, c)))),
        h("tbody", {}, list.data.map((k) => h("tr", { "data-key": k.id },
          h("td", {}, k.name), h("td", {}, [t(`role_${k.role}`), k.store && code(k.store), k.channel && t(`ch_${k.channel}`)].filter(Boolean).join(" · ")),
          h("td", {}, new Date(k.created_at).toLocaleDateString(lang === "ru" ? "ru-RU" : "en-GB")),
          h("td", {}, k.revoked_at ? t("revoked") : h("button", { type: "button", "data-revoke": k.id, onclick: async () => {
            try { await api("DELETE", `/v1/api-keys/${k.id}`); keys(); } catch (err) { out.prepend(problemBox(err)); }
          } }, t("revoke"))))))));
  } catch (err) { out.replaceChildren(problemBox(err)); }
  ready("keys");
}

function keyForm(stores) {
  const name = h("input", { type: "text", name: "name", placeholder: t("name"), required: true });
  const role = h("select", { name: "role" }, ["associate", "agent", "marketer", "admin", "app"].map((r) => h("option", { value: r }, t(`role_${r}`))));
  const store = h("select", { name: "store" }, stores.map((l) => h("option", { value: l.id }, `${l.code} ${l.name}`)));
  const channel = h("select", { name: "channel", hidden: true }, ["web", "mobile_app", "pos", "kiosk"].map((c) => h("option", { value: c }, t(`ch_${c}`))));
  const sync = () => { store.hidden = role.value !== "associate"; channel.hidden = role.value !== "app"; };
  role.addEventListener("change", sync);
  const errors = h("div");
  return h("form", { class: "row", onsubmit: async (e) => {
    e.preventDefault();
    const body = { name: name.value, role: role.value };
    if (role.value === "associate") body.store = store.value;
    if (role.value === "app") body.channel = channel.value;
    try { keys(await api("POST", "/v1/api-keys", body)); } catch (err) { errors.replaceChildren(problemBox(err)); }
  } }, h("strong", {}, t("newKey")), name, role, store, channel, h("button", { class: "primary", type: "submit" }, t("create")), errors);
}

// ---- frame and routing ----------------------------------------------------------------

function frame() {
  const me = session.me;
  const current = location.hash.replace(/^#\//, "").split("/")[0] || "";
  document.documentElement.lang = lang;
  document.getElementById("lang").textContent = lang === "ru" ? "EN" : "RU";
  const signout = document.getElementById("signout");
  signout.hidden = !me;
  signout.textContent = t("signout");
  document.getElementById("nav").replaceChildren(...screensFor(me).map((s) =>
    h("a", { href: `#/${s}`, class: s === current ? "active" : "" }, TEXT[lang][`nav_${s}`] ?? t(s))));
  document.title = me ? `omniretail · ${me.tenant_name}` : "omniretail";
}

/** Screen name → function drawing it from the hash's argument (`#/pickup/100042`); orders.js adds its own. */
const SCREENS = {
  signin: () => signIn(), shopper: () => shopper(), search: () => search(), stock: () => stock(), keys: () => keys(),
  products: (arg) => (arg ? productDetail(arg) : products()),
};

function route() {
  const me = session.me;
  const allowed = screensFor(me);
  let [screen, arg] = location.hash.replace(/^#\//, "").split("/");
  if (!me) screen = "signin";
  else if (!allowed.includes(screen)) [screen, arg] = [allowed[0] || "signin", undefined];
  frame();
  SCREENS[screen](arg === undefined ? undefined : decodeURIComponent(arg));
}

document.addEventListener("DOMContentLoaded", () => {
  document.getElementById("lang").addEventListener("click", () => {
    lang = lang === "ru" ? "en" : "ru";
    localStorage.setItem("omni.lang", lang);
    route();
  });
  document.getElementById("signout").addEventListener("click", () => { session.clear(); location.hash = "#/signin"; route(); });
  window.addEventListener("hashchange", route);
  route();
});
