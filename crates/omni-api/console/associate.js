// omniretail console, the associate app: remote consultations (set one's expertise, see the
// open requests matching it, take one — the first associate to accept wins — then read the
// request, chat with the shopper, show product cards and attribute the sale) and returns at
// the store (find an order by number, choose lines and units, see the refund).
// Loaded after app.js, orders.js and inbox.js, whose helpers (h, t, api, call, money, render,
// ready, problemBox, session, hitCard, skuName, fillNames, names, randomId, dateTime,
// messageList, channelTag, TEXT, SCREENS) it uses.
"use strict";

Object.assign(TEXT.ru, {
  nav_consult: "Консультации", nav_returns: "Возвраты",
  consultations: "Удалённые консультации", mySkills: "Мои компетенции", availableNow: "Готов консультировать",
  otherSkill: "Ещё код категории", saveSkills: "Сохранить", skillsSaved: "Компетенции сохранены",
  openRequests: "Открытые запросы", noRequests: "Подходящих запросов нет.", notAvailable: "Отметьте «Готов консультировать», чтобы видеть запросы.",
  accept: "Принять", taken: "Запрос уже принял другой продавец. Список обновлён.",
  notExpert: "У вас нет компетенции, нужной для этого запроса.", refreshedAt: "Обновлено",
  skill: "Компетенция", question: "Вопрос", requested: "Запрошено", anonymousShopper: "Покупатель без карты",
  cs_open: "открыт", cs_accepted: "принят", cs_closed: "закрыт", closeConsultation: "Завершить консультацию", mineTaken: "Вы консультируете",
  takenByOther: "Запрос ведёт другой продавец.", toRequests: "К запросам", chat: "Чат с покупателем",
  noMessages: "Сообщений пока нет.", productsDiscussed: "Обсуждаемые товары", addSku: "Артикул SKU",
  showProduct: "Показать", noProduct: "Товар не найден", saleAttribution: "Продажа по консультации",
  attribute: "Засчитать продажу", saleAttributed: "Продажа засчитана вам: заказ", noSuchOrder: "Заказ с таким номером не найден.",
  returns: "Возврат в магазине", find: "Найти", lineBought: "Куплено", linePaid: "Оплачено",
  lineReturned: "Возвращено", returnable: "можно", product: "Товар", toReturn: "Вернуть", reason: "Причина (необязательно)",
  acceptReturn: "Принять возврат", refund: "Возврат оформлен", refundMoney: "К возврату деньгами",
  pointsRefunded: "Баллы вернутся", pointsClawedBack: "Баллы спишутся", notReturnable: "Этот заказ сейчас нельзя вернуть",
  returnRefused: "Возврат не принят", earlierReturns: "Прежние возвраты", nothingLeft: "Всё по заказу уже возвращено или отменено.",
  noSuchOrderHere: "Заказа с таким номером в этом магазине нет.",
});
Object.assign(TEXT.en, {
  nav_consult: "Consultations", nav_returns: "Returns",
  consultations: "Remote consultations", mySkills: "My expertise", availableNow: "Available to consult",
  otherSkill: "Another category code", saveSkills: "Save", skillsSaved: "Expertise saved",
  openRequests: "Open requests", noRequests: "No matching requests.", notAvailable: "Tick “Available to consult” to see requests.",
  accept: "Accept", taken: "Another associate has already taken this request. The list is refreshed.",
  notExpert: "You do not have the expertise this request needs.", refreshedAt: "Refreshed",
  skill: "Expertise", question: "Question", requested: "Requested", anonymousShopper: "Shopper without a card",
  cs_open: "open", cs_accepted: "accepted", cs_closed: "closed", closeConsultation: "End the consultation", mineTaken: "You are consulting",
  takenByOther: "Another associate handles this request.", toRequests: "To the requests", chat: "Chat with the shopper",
  noMessages: "No messages yet.", productsDiscussed: "Products discussed", addSku: "SKU",
  showProduct: "Show", noProduct: "No such product", saleAttribution: "Sale through the consultation",
  attribute: "Attribute the sale", saleAttributed: "Sale attributed to you: order", noSuchOrder: "No order with this number.",
  returns: "Returns at the store", find: "Find", lineBought: "Bought", linePaid: "Paid",
  lineReturned: "Returned", returnable: "left", product: "Product", toReturn: "Return", reason: "Reason (optional)",
  acceptReturn: "Accept the return", refund: "Return accepted", refundMoney: "Money refunded",
  pointsRefunded: "Points refunded", pointsClawedBack: "Points clawed back", notReturnable: "This order cannot be returned now",
  returnRefused: "Return refused", earlierReturns: "Earlier returns", nothingLeft: "Everything of this order is already returned or cancelled.",
  noSuchOrderHere: "No order with this number at this store.",
});

// ---- remote consultations ---------------------------------------------------------------

/** How often the open requests (and an open chat) are asked for again while shown. */
const CONSULT_POLL_MS = 4000;
let consultTimer = null;

/** Runs `tick` every few seconds while `view` is the screen shown; a new screen stops it. */
function pollWhile(view, tick) {
  clearInterval(consultTimer);
  const id = setInterval(() => {
    if (document.body.dataset.view !== view || document.hidden) { if (document.body.dataset.view !== view) clearInterval(id); return; }
    tick();
  }, CONSULT_POLL_MS);
  consultTimer = id;
}

async function consultScreen(arg) {
  if (arg) return consultation(arg);
  // the list is redrawn every few seconds; a notice (a lost race) stays until the next action
  const board = { list: h("div", { id: "requests" }), notice: h("div", { id: "consult-notice" }) };
  render("consult", h("h1", {}, t("consultations")), h("div", { id: "skills" }), board.notice, h("h2", {}, t("openRequests")), board.list);
  const none = { skills: [], available: false };
  const [categories, saved] = await Promise.all([
    api("GET", "/v1/catalog/categories").then((r) => r.data).catch(() => []),
    api("GET", "/v1/consultations/skills").catch(() => none)]);
  board.available = saved.available;
  await loadRequests(board);
  document.getElementById("skills").replaceWith(skillsForm(categories, saved, board));
  ready("consult");
  pollWhile("consult", () => loadRequests(board));
}

/** Expertise as category chips (plus any code typed in) and availability, as last saved from
 * any device; saved with PUT. */
function skillsForm(categories, saved, board) {
  const codes = [...new Set([...categories.map((c) => c.code), ...saved.skills])];
  const label = (code) => { const c = categories.find((x) => x.code === code); return c ? (c.name && (c.name[lang] || c.name.ru)) || code : code; };
  const boxes = codes.map((code) => h("input", { type: "checkbox", name: "skill", value: code, checked: saved.skills.includes(code) }));
  const other = h("input", { type: "text", name: "other_skill", placeholder: t("otherSkill"), autocomplete: "off" });
  const available = h("input", { type: "checkbox", name: "available", checked: saved.available });
  const out = h("div");
  const summary = h("summary", {}, "");
  const sum = (s) => { summary.textContent = `${t("mySkills")}: ${s.skills.length ? s.skills.map(label).join(", ") : t("none")}`; };
  sum(saved);
  const save = async (e) => {
    e.preventDefault();
    const skills = [...boxes.filter((b) => b.checked).map((b) => b.value), ...other.value.split(/[\s,]+/).filter(Boolean)];
    try {
      const s = await api("PUT", "/v1/consultations/skills", { skills: [...new Set(skills)], available: available.checked });
      board.available = s.available;
      sum(s);
      out.replaceChildren(h("p", { class: "muted", "data-skills-saved": "" }, `✓ ${t("skillsSaved")}`));
      board.notice.replaceChildren();
      await loadRequests(board);
    } catch (err) { out.replaceChildren(problemBox(err)); }
  };
  return h("details", { class: "card", id: "skills", open: !saved.available || !saved.skills.length },
    summary,
    h("form", { class: "skills", onsubmit: save },
      h("div", { class: "chips" }, boxes.map((b) => h("label", { class: "chip check" }, b, label(b.value)))),
      h("div", { class: "row" }, other, h("label", { class: "check" }, available, t("availableNow")),
        h("button", { class: "primary", type: "submit", "data-save-skills": "" }, t("saveSkills")))),
    out);
}

/** The open requests matching my expertise, oldest first. */
async function loadRequests(board) {
  const { list } = board;
  try {
    const open = await api("GET", "/v1/consultations");
    list.replaceChildren(open.length
      ? h("ul", { class: "hits" }, open.map((c) => requestCard(c, board)))
      : h("p", { class: "muted" }, board.available ? t("noRequests") : t("notAvailable")),
    h("p", { class: "muted", "data-refreshed": Date.now() }, `${t("refreshedAt")}: ${new Date().toLocaleTimeString(lang === "ru" ? "ru-RU" : "en-GB")}`));
    fillNames(list);
  } catch (err) { list.replaceChildren(problemBox(err)); }
}

/** One request; a lost race (409) is said plainly and the list asked for again. */
function requestCard(c, board) {
  const accept = async (e) => {
    const button = e.currentTarget;
    button.disabled = true;
    try {
      await api("POST", `/v1/consultations/${c.id}/acceptance`);
      location.hash = `#/consult/${c.id}`;
    } catch (err) {
      const text = err.status === 409 ? t("taken") : err.status === 403 ? t("notExpert") : null;
      await loadRequests(board);
      board.notice.replaceChildren(text ? h("div", { class: "error", role: "alert", "data-conflict": c.id }, text) : problemBox(err));
    }
  };
  return h("li", { class: "card consult", "data-consultation": c.id },
    h("div", { class: "chips" }, h("span", { class: "chip on" }, c.skill), c.sku ? h("span", { class: "chip" }, skuName(c.sku)) : null),
    h("p", { class: "question" }, c.question),
    h("p", { class: "muted" }, `${t("requested")}: ${dateTime(c.requested_at)}`),
    h("button", { type: "button", class: "primary", "data-accept": c.id, onclick: accept }, t("accept")));
}

/** A taken request: who asks what, the chat, product cards, the sale. */
async function consultation(id) {
  const out = h("div", { id: "consultation" });
  render("consultation", h("p", {}, h("a", { href: "#/consult" }, `← ${t("toRequests")}`)), out);
  try {
    const c = await api("GET", `/v1/consultations/${id}`);
    const mine = c.consultant === session.me.key_id;
    const [shopper, thread, sale] = await Promise.all([
      c.customer_id ? api("GET", `/v1/customers/${c.customer_id}`).catch(() => null) : null,
      mine ? api("GET", `/v1/conversations/${c.conversation_id}`).catch(() => null) : null,
      mine && c.sale ? api("GET", `/v1/orders/${c.sale}`).catch(() => null) : null]);
    const name = shopper ? [shopper.given_name, shopper.family_name].filter(Boolean).join(" ") || shopper.id : t("anonymousShopper");
    const cards = h("ul", { class: "hits", id: "discussed" });
    out.replaceChildren(
      h("section", { class: "card", "data-consultation": c.id, "data-status": c.status, "data-mine": mine ? "yes" : "no" },
        h("h1", {}, name, " ", h("span", { class: "tier" }, t(`cs_${c.status}`))),
        h("dl", { class: "kv" },
          h("dt", {}, t("skill")), h("dd", {}, c.skill),
          c.sku ? [h("dt", {}, t("sku")), h("dd", {}, skuName(c.sku), ` · ${c.sku}`)] : null,
          h("dt", {}, t("question")), h("dd", { class: "question" }, c.question),
          h("dt", {}, t("requested")), h("dd", {}, dateTime(c.requested_at))),
        mine ? h("p", { class: "muted" }, `${t("mineTaken")} · ${dateTime(c.accepted_at)}`) : h("div", { class: "error" }, t("takenByOther"))),
      mine && thread ? chatCard(thread) : null,
      mine ? h("section", { class: "card" }, h("h2", {}, t("productsDiscussed")), skuForm(c, cards), cards) : null,
      mine ? saleCard(c, sale) : null,
      mine && c.status === "accepted" ? closeCard(c) : null);
    ready("consultation");
    fillNames(out);
    if (mine) {
      showDiscussed(c, cards, thread ? thread.messages : []);
      if (thread) pollWhile("consultation", () => refreshChat(thread.conversation.id));
    }
  } catch (err) { out.replaceChildren(problemBox(err)); ready("consultation"); }
}

/** The consultation's chat: its messages and a reply in the shopper's channel. */
function chatCard(thread) {
  const c = thread.conversation;
  const text = h("textarea", { name: "text", rows: 2, required: true, placeholder: t("reply"), "aria-label": t("reply") });
  const errors = h("div");
  const send = async (e) => {
    e.preventDefault();
    try {
      await api("POST", `/v1/conversations/${c.id}/messages`, { text: text.value });
      text.value = "";
      errors.replaceChildren();
      await refreshChat(c.id);
    } catch (err) { errors.replaceChildren(problemBox(err)); }
  };
  return h("section", { class: "card", "data-chat": c.id },
    h("h2", {}, t("chat")),
    h("div", { id: "chat-messages" }, thread.messages.length ? messageList(thread.messages) : h("p", { class: "muted" }, t("noMessages"))),
    h("form", { class: "reply", onsubmit: send }, text,
      h("div", { class: "row" }, h("button", { class: "primary", type: "submit", "data-send": "" }, t("send")), channelTag(c.last_channel))),
    errors);
}

async function refreshChat(conversation) {
  const box = document.getElementById("chat-messages");
  if (!box) return;
  const thread = await api("GET", `/v1/conversations/${conversation}`).catch(() => null);
  if (thread && thread.messages.length) box.replaceChildren(messageList(thread.messages));
  const cards = document.getElementById("discussed");
  if (thread && cards) for (const sku of skusIn(thread.messages)) addProductCard(cards, sku);
}

/** SKUs named in the chat (`SKU-000123`). */
function skusIn(messages) {
  return [...new Set(messages.flatMap((m) => m.text.match(/\bSKU-\d{3,}\b/g) || []))];
}

/** The products discussed: the one asked about, those named in the chat and those shown here. */
function discussed(c) {
  const name = `omni.discussed.${c.id}`;
  return {
    get() { try { return JSON.parse(sessionStorage.getItem(name)) || []; } catch { return []; } },
    add(sku) { const all = this.get(); if (!all.includes(sku)) sessionStorage.setItem(name, JSON.stringify([...all, sku])); },
  };
}

function showDiscussed(c, cards, messages) {
  const skus = [...new Set([c.sku, ...skusIn(messages), ...discussed(c).get()].filter(Boolean))];
  for (const sku of skus.slice(0, 10)) addProductCard(cards, sku);
}

/** A product card for a SKU, from the catalog's search (it finds a product by any of its SKUs). */
async function addProductCard(cards, sku) {
  if (cards.querySelector(`[data-card-sku="${CSS.escape(sku)}"]`)) return true;
  const slot = h("li", { "data-card-sku": sku, hidden: true });
  cards.append(slot);
  const r = await api("GET", `/v1/catalog/search?q=${encodeURIComponent(sku)}&limit=1`).catch(() => null);
  const p = r && r.hits.length ? r.hits[0].product || r.hits[0] : null;
  if (!p || !(p.skus || []).includes(sku)) { slot.remove(); return false; }
  names.remember(sku, p.name);
  const card = hitCard(p, sku);
  card.dataset.cardSku = sku;
  slot.replaceWith(card);
  return true;
}

function skuForm(c, cards) {
  const sku = h("input", { type: "text", name: "sku", placeholder: t("addSku"), required: true, autocomplete: "off" });
  const out = h("div");
  return h("form", { class: "row", onsubmit: async (e) => {
    e.preventDefault();
    const code = sku.value.trim().toUpperCase();
    if (await addProductCard(cards, code)) { discussed(c).add(code); sku.value = ""; out.replaceChildren(); }
    else out.replaceChildren(h("div", { class: "error" }, `${t("noProduct")}: ${code}`));
  } }, sku, h("button", { type: "submit", "data-show-sku": "" }, t("showProduct")), out);
}

/** Attributes an order (the till's sale to this shopper, by its number) to the consultant. */
function saleCard(c, sale) {
  const number = h("input", { type: "text", name: "order_number", placeholder: t("orderNumber"), required: true, inputmode: "numeric" });
  const out = h("div");
  const done = (order) => h("p", { class: "card ok", "data-sale": order }, `✓ ${t("saleAttributed")} ${order}`);
  const attribute = async (e) => {
    e.preventDefault();
    try {
      const [order] = await api("GET", `/v1/orders?number=${encodeURIComponent(number.value.trim())}`);
      if (!order) { out.replaceChildren(h("div", { class: "error", role: "alert" }, t("noSuchOrder"))); return; }
      await api("POST", `/v1/consultations/${c.id}/sale`, { order_id: order.id });
      out.replaceChildren(done(order.number));
    } catch (err) { out.replaceChildren(problemBox(err)); }
  };
  return h("section", { class: "card", "data-sale-form": "" }, h("h2", {}, t("saleAttribution")),
    h("form", { class: "row", onsubmit: attribute }, number, h("button", { class: "primary", type: "submit", "data-attribute": "" }, t("attribute"))),
    out, c.sale ? h("p", { class: "muted", "data-sale-order": c.sale }, `${t("saleAttributed")} ${sale ? sale.number : c.sale}`) : null);
}

/** Ends the consultation (the shopper was helped); it leaves the associate's open work. */
function closeCard(c) {
  const out = h("div");
  const close = async (e) => {
    e.currentTarget.disabled = true;
    try {
      await api("POST", `/v1/consultations/${c.id}/closure`);
      await consultation(c.id);
    } catch (err) { out.replaceChildren(problemBox(err)); }
  };
  return h("section", { class: "card" },
    h("button", { type: "button", "data-close-consultation": c.id, onclick: close }, t("closeConsultation")), out);
}

// ---- returns at the store ---------------------------------------------------------------

function returnsScreen(number) {
  const num = h("input", { type: "text", name: "number", placeholder: t("orderNumber"), required: true, inputmode: "numeric", value: number || "" });
  const out = h("div", { id: "return" });
  const find = async (e) => {
    if (e) e.preventDefault();
    await showReturnable(out, num.value.trim());
    ready("returns");
  };
  render("returns", h("h1", {}, t("returns")),
    h("form", { class: "row", onsubmit: find }, num, h("button", { class: "primary", type: "submit", "data-find-order": "" }, t("find"))), out);
  if (number) find(); else { num.focus(); ready("returns"); }
}

/** The order found by number with what each line may still return; `refund` is shown above. */
async function showReturnable(out, number, refund) {
  try {
    const [order] = await api("GET", `/v1/orders?number=${encodeURIComponent(number)}`);
    if (!order) { out.replaceChildren(h("div", { class: "error", role: "alert", "data-no-order": "" }, t("noSuchOrderHere"))); return; }
    const earlier = await api("GET", `/v1/orders/${order.id}/returns`).catch(() => []);
    out.replaceChildren(refund || "", returnForm(order, out), earlier.length ? earlierReturns(earlier, order.currency) : "");
    fillNames(out);
  } catch (err) { out.replaceChildren(problemBox(err)); }
}

/** Lines with what was bought, paid (discounts apportioned) and is left; units to return. */
function returnForm(o, out) {
  const m = (v) => money(v, o.currency);
  const open = ["delivered", "picked_up", "completed"].includes(o.status);
  const left = o.lines.some((l) => l.quantity - l.cancelled - l.returned > 0);
  const inputs = o.lines.map((l) => h("input", { type: "number", name: `qty_${l.line}`, min: "0", max: String(l.quantity - l.cancelled - l.returned),
    value: "0", class: "qty", "aria-label": `${t("toReturn")} ${l.sku}`, disabled: !open }));
  const reason = h("input", { type: "text", name: "reason", placeholder: t("reason"), maxlength: "500" });
  const msg = h("div");
  let sent = null;
  let key = randomId("ret_");
  const submit = async (e) => {
    e.preventDefault();
    for (const i of inputs) i.classList.remove("invalid");
    const chosen = o.lines.map((l, i) => ({ line: l.line, quantity: Math.trunc(Number(inputs[i].value) || 0) })).filter((l) => l.quantity > 0);
    const body = { location_id: session.me.store, lines: chosen };
    if (reason.value.trim()) body.reason = reason.value.trim();
    // one key per distinct return: a double tap or a retry after a lost answer returns once
    if (sent !== JSON.stringify(body)) { key = randomId("ret_"); sent = JSON.stringify(body); }
    const button = e.currentTarget.querySelector("button[type=submit]");
    button.disabled = true;
    try {
      const r = (await call("POST", `/v1/orders/${o.id}/returns`, body, session.key, { "Idempotency-Key": key })).data;
      await showReturnable(out, o.number, refundCard(r, o.currency));
    } catch (err) {
      for (const f of (err.problem && err.problem.errors) || []) {
        const at = /^lines\[(\d+)\]/.exec(f.field);
        const line = at && chosen[Number(at[1])];
        if (line) inputs[o.lines.findIndex((l) => l.line === line.line)].classList.add("invalid");
      }
      msg.replaceChildren(h("div", { "data-refused": "" }, h("strong", {}, `${t("returnRefused")}. `), problemBox(err)));
      button.disabled = false;
    }
  };
  return h("form", { class: "card return", "data-order": o.number, "data-status": o.status, novalidate: true, onsubmit: submit },
    h("h2", {}, `${t("orderNo")} ${o.number} `, h("span", { class: "tier" }, t(`st_${o.status}`))),
    h("p", { class: "muted" }, [dateTime(o.created_at), t(`ch_${o.channel}`), paidHow(o)].filter(Boolean).join(" · ")),
    open ? null : h("div", { class: "error" }, `${t("notReturnable")}: ${t(`st_${o.status}`)}`),
    open && !left ? h("p", { class: "muted" }, t("nothingLeft")) : null,
    h("table", { class: "lines returnable" },
      h("tr", {}, h("th", {}, t("product")), h("th", {}, t("linePaid")), h("th", {}, t("toReturn"))),
      o.lines.map((l, i) => h("tr", { "data-line": l.line, "data-left": l.quantity - l.cancelled - l.returned },
        h("td", {}, h("div", {}, skuName(l.sku)), h("div", { class: "muted" }, `${l.sku} · ${t("lineBought")} ${l.quantity}`,
          l.returned ? ` · ${t("lineReturned")} ${l.returned}` : "")),
        h("td", { class: "num" }, m(l.total), l.unit_price * l.quantity > l.total
          ? h("div", { class: "muted discount" }, `${t("discount")} −${m(l.unit_price * l.quantity - l.total)}`) : null,
        l.paid_with_points ? h("div", { class: "muted" }, `${t("points")}: −${m(l.paid_with_points)}`) : null),
        h("td", {}, inputs[i], h("div", { class: "muted" }, `${t("returnable")}: ${l.quantity - l.cancelled - l.returned}`))))),
    open && left ? h("div", { class: "row" }, reason, h("button", { class: "primary", type: "submit", "data-accept-return": "" }, t("acceptReturn"))) : null,
    msg);
}

/** The answer: per line the money refunded (its share of what was paid) and the points. */
function refundCard(r, currency) {
  const m = (v) => money(v, currency);
  const points = (g) => [g.points_refunded ? `${t("pointsRefunded")}: ${g.points_refunded}` : null,
    g.points_clawed_back ? `${t("pointsClawedBack")}: ${g.points_clawed_back}` : null].filter(Boolean).join(" · ");
  return h("section", { class: "card ok", "data-refund": r.money, "data-return": r.id },
    h("h2", {}, t("refund")),
    h("table", {}, r.lines.map((l) => h("tr", { "data-refund-line": l.line },
      h("td", {}, skuName(l.sku), ` × ${l.quantity}`, points(l) ? h("div", { class: "muted" }, points(l)) : null),
      h("td", { class: "num" }, m(l.money))))),
    h("dl", { class: "kv" },
      h("dt", {}, t("refundMoney")), h("dd", { class: "price", "data-refund-money": r.money }, m(r.money)),
      h("dt", {}, t("pointsRefunded")), h("dd", { "data-points-refunded": r.points_refunded }, String(r.points_refunded)),
      h("dt", {}, t("pointsClawedBack")), h("dd", { "data-points-clawed-back": r.points_clawed_back }, String(r.points_clawed_back))));
}

function earlierReturns(list, currency) {
  return h("section", { class: "card", "data-earlier-returns": list.length }, h("h2", {}, t("earlierReturns")),
    h("ul", {}, list.map((r) => h("li", {}, `${dateTime(r.created_at)} · `,
      r.lines.map((l) => `${names.of(l.sku)} × ${l.quantity}`).join(", "), ` · ${money(r.money, currency)}`))));
}

Object.assign(SCREENS, { consult: consultScreen, returns: returnsScreen });
