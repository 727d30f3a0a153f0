// omniretail console, dashboards: what managers and marketers watch — sales by channel over
// the last year, RFM segments, LTV by first channel, cohort retention, channel migration,
// promotion cost and uplift, a bestseller's demand forecast, how the models do on held-out
// data, the bot's automation rate and the trigger chains in force. Bars are plain elements sized through
// the CSSOM (the content security policy allows no inline style attributes).
// Loaded after app.js, whose helpers (h, t, api, money, render, ready, problemBox, TEXT,
// SCREENS) it uses.
"use strict";

Object.assign(TEXT.ru, {
  dashboards: "Дашборды", salesByChannel: "Продажи по каналам за год", rfm: "RFM-сегменты",
  ltvByChannel: "LTV по первому каналу", historic: "накоплено", predicted: "прогноз на год",
  cohorts: "Удержание когорт (доля купивших снова)", month: "Месяц", channel: "Канал", customers: "Клиентов",
  migration: "Миграция между каналами", singleChannel: "Один канал", multiChannel: "Несколько каналов",
  onlineOnly: "Только онлайн", storeOnly: "Только магазин", omnichannel: "Онлайн и магазин",
  automation: "Автоматизация бота", automationOf: "обращений без участия человека",
  triggers: "Триггерные цепочки", wait: "ожидание", minutes: "мин", active: "активна", inactive: "выключена",
  nps: "NPS", noData: "Пока нет данных.",
  promotions: "Промоакции за год: скидки по категориям", promoCost: "скидок всего", promoBasket: "чек с акцией к чеку без неё",
  forecast: "Прогноз спроса по неделям", forecastSku: "Артикул", show: "Показать", weeksActual: "факт", weeksForecast: "прогноз",
  forecastError: "ошибка на отложенных неделях (MAE)", naive: "сезонный наивный",
  models: "Качество моделей на отложенных данных", recommender: "Рекомендации", bestsellers: "Хиты продаж",
  precisionAt: "точность@", recallAt: "полнота@", heldOutBuyers: "покупателей с новыми покупками с", cartAuc: "AUC модели брошенных корзин",
  seg_champions: "чемпионы", seg_loyal: "лояльные", seg_promising: "перспективные", seg_new: "новые",
  seg_need_attention: "требуют внимания", seg_at_risk: "в зоне риска", seg_about_to_sleep: "засыпающие",
  seg_hibernating: "спящие", seg_lost: "потерянные",
});
Object.assign(TEXT.en, {
  dashboards: "Dashboards", salesByChannel: "Sales by channel, last 12 months", rfm: "RFM segments",
  ltvByChannel: "LTV by first channel", historic: "to date", predicted: "next 12 months",
  cohorts: "Cohort retention (share buying again)", month: "Month", channel: "Channel", customers: "Customers",
  migration: "Channel migration", singleChannel: "One channel", multiChannel: "Several channels",
  onlineOnly: "Online only", storeOnly: "Store only", omnichannel: "Online and store",
  automation: "Bot automation", automationOf: "of conversations without a person",
  triggers: "Trigger chains", wait: "wait", minutes: "min", active: "active", inactive: "off",
  nps: "NPS", noData: "No data yet.",
  promotions: "Promotions, last 12 months: discounts by category", promoCost: "discounts in all", promoBasket: "promoted basket vs the rest",
  forecast: "Weekly demand forecast", forecastSku: "SKU", show: "Show", weeksActual: "actual", weeksForecast: "forecast",
  forecastError: "error on held-out weeks (MAE)", naive: "seasonal naive",
  models: "Model quality on held-out data", recommender: "Recommender", bestsellers: "Bestsellers",
  precisionAt: "precision@", recallAt: "recall@", heldOutBuyers: "buyers of something new since", cartAuc: "abandoned-cart model AUC",
  seg_champions: "champions", seg_loyal: "loyal", seg_promising: "promising", seg_new: "new",
  seg_need_attention: "need attention", seg_at_risk: "at risk", seg_about_to_sleep: "about to sleep",
  seg_hibernating: "hibernating", seg_lost: "lost",
});

/** A horizontal bar chart: one row per item, the bar's width relative to the largest value. */
function bars(rows, testid) {
  const max = Math.max(1, ...rows.map((r) => r.value));
  return h("div", { class: "chart", "data-chart": testid }, rows.map((r) => {
    const bar = h("span", { class: "chart-bar" });
    bar.style.width = `${Math.max(1, Math.round((100 * r.value) / max))}%`;
    return h("div", { class: "chart-row" }, h("span", { class: "chart-label" }, r.label),
      h("span", { class: "chart-track" }, bar), h("span", { class: "chart-value" }, r.text));
  }));
}

function card(title, ...body) {
  return h("section", { class: "card dash" }, h("h2", {}, title), ...body);
}

function wideCard(title, ...body) {
  const c = card(title, ...body);
  c.classList.add("wide");
  return c;
}

function yearAgo() {
  const d = new Date(Date.now() - 365 * 86_400_000);
  return d.toISOString().slice(0, 10);
}

function salesCard(s) {
  const rows = [...s.by_channel].sort((a, b) => b.net_minor - a.net_minor)
    .map((r) => ({ label: t(`ch_${r.channel}`), value: r.net_minor, text: money(r.net_minor, s.currency) }));
  return card(t("salesByChannel"), rows.length ? bars(rows, "sales") : h("p", {}, t("noData")),
    h("p", { class: "muted" }, `${money(s.total.net_minor, s.currency)} · ${s.total.orders}`));
}

function rfmCard(sum) {
  const rows = sum.rfm_segments.filter((r) => r.customers > 0)
    .map((r) => ({ label: t(`seg_${r.segment}`), value: r.customers, text: String(r.customers) }));
  return card(t("rfm"), rows.length ? bars(rows, "rfm") : h("p", {}, t("noData")));
}

function ltvCard(sum) {
  const rows = sum.ltv_by_first_channel.flatMap((r) => [
    { label: `${t(`ch_${r.channel}`)} · ${t("historic")}`, value: r.average_historic_minor, text: money(r.average_historic_minor, sum.currency) },
    { label: `${t(`ch_${r.channel}`)} · ${t("predicted")}`, value: r.average_predicted_minor, text: money(r.average_predicted_minor, sum.currency) },
  ]);
  return card(t("ltvByChannel"), rows.length ? bars(rows, "ltv") : h("p", {}, t("noData")));
}

function cohortCard(sum) {
  const recent = sum.cohorts.slice(-12);
  const months = Math.min(6, Math.max(0, ...recent.map((c) => c.returning.length)));
  const cell = (c, k) => {
    const n = c.returning[k];
    if (n === null || n === undefined || !c.customers) return h("td", {}, "–");
    const share = n / c.customers;
    const td = h("td", { class: "heat" }, `${Math.round(share * 100)}%`);
    td.style.backgroundColor = `rgba(31, 111, 235, ${Math.min(0.85, 0.1 + share)})`;
    return td;
  };
  return wideCard(t("cohorts"), recent.length ? h("table", { "data-chart": "cohorts" },
    h("thead", {}, h("tr", {}, [t("month"), t("channel"), t("customers"), ...Array.from({ length: months }, (_, k) => `+${k + 1}`)].map((c) => h("th", {}, c)))),
    h("tbody", {}, recent.map((c) => h("tr", {}, h("td", {}, c.month), h("td", {}, t(`ch_${c.channel}`)), h("td", {}, c.customers),
      Array.from({ length: months }, (_, k) => cell(c, k)))))) : h("p", {}, t("noData")));
}

function migrationCard(sum) {
  const m = sum.migration;
  const rows = [["singleChannel", m.single_channel], ["multiChannel", m.multi_channel], ["onlineOnly", m.online_only],
    ["storeOnly", m.store_only], ["omnichannel", m.omnichannel]]
    .map(([k, g]) => ({ label: t(k), value: g.customers, text: `${g.customers} · ${money(g.value_minor, sum.currency)}` }));
  return card(t("migration"), bars(rows, "migration"));
}

function automationCard(a) {
  const rate = Math.round(a.rate_bp / 100);
  return card(t("automation"), bars([{ label: `${a.without_a_person} / ${a.conversations}`, value: rate, text: `${rate}%` }], "automation"),
    h("p", { class: "muted" }, `${rate}% ${t("automationOf")}`));
}

function triggersCard(chains) {
  return card(t("triggers"), chains.length ? h("ul", { class: "list", "data-chart": "triggers" }, chains.map(({ chain }) =>
    h("li", {}, h("strong", {}, chain.name), ` — ${chain.on}`, chain.wait_minutes ? ` · ${t("wait")} ${chain.wait_minutes} ${t("minutes")}` : "",
      ` · ${chain.active ? t("active") : t("inactive")}`))) : h("p", {}, t("noData")));
}

/** A column chart of weekly units: the weeks sold, then the forecast ones in a second colour. */
function columns(history, ahead, testid) {
  const points = [...history.map((w) => ({ ...w, ahead: false })), ...ahead.map((w) => ({ ...w, ahead: true }))];
  const max = Math.max(1, ...points.map((p) => p.units));
  return h("div", { class: "chart-cols", "data-chart": testid }, points.map((p) => {
    const col = h("span", { class: p.ahead ? "chart-col ahead" : "chart-col", title: `${p.week_start}: ${p.units.toFixed(1)}` });
    col.style.height = `${Math.max(2, Math.round((100 * p.units) / max))}%`;
    return col;
  }));
}

function promotionsCard(p) {
  const rows = [...p.by_category].filter((c) => c.cost_minor > 0).sort((a, b) => b.cost_minor - a.cost_minor).slice(0, 8)
    .map((c) => ({ label: c.category, value: c.cost_minor, text: money(c.cost_minor, p.currency) }));
  const bp = p.orders.value_uplift_bp;
  return card(t("promotions"), rows.length ? bars(rows, "promotions") : h("p", {}, t("noData")),
    h("p", { class: "muted" }, `${money(p.cost_minor, p.currency)} ${t("promoCost")}` +
      (bp === null || bp === undefined ? "" : ` · ${t("promoBasket")}: ${bp >= 0 ? "+" : ""}${(bp / 100).toFixed(1)}%`)));
}

/** The forecast card: the first bestseller's weeks, any other SKU on request. */
function forecastCard(first) {
  const body = h("div", {}, h("p", { class: "muted" }, "…"));
  const input = h("input", { name: "forecast-sku", value: first || "", "aria-label": t("forecastSku") });
  const show = async () => {
    try {
      const f = await api("GET", `/v1/analytics/forecast?sku=${encodeURIComponent(input.value.trim())}&weeks=4`);
      const e = f.held_out;
      body.replaceChildren(columns(f.history.slice(-16), f.forecast, "forecast"),
        h("p", { class: "muted" }, `${t("weeksActual")} / ${t("weeksForecast")} · ${t("forecastError")} ${e.model.mae.toFixed(2)} (${t("naive")} ${e.naive.mae.toFixed(2)})`));
    } catch (err) {
      body.replaceChildren(problemBox(err));
    }
  };
  const form = h("form", { class: "row" }, input, h("button", { type: "submit" }, t("show")));
  form.addEventListener("submit", (ev) => { ev.preventDefault(); show(); });
  if (first) show(); else body.replaceChildren(h("p", {}, t("noData")));
  return card(t("forecast"), form, body);
}

/** Model quality: filled in when the recommender's held-out evaluation (slow on a big chain) is in. */
function modelsCard(sum) {
  const body = h("div", {}, h("p", { class: "muted" }, "…"));
  const auc = sum.abandoned_cart_model && sum.abandoned_cart_model.held_out_auc;
  const aucLine = h("p", { class: "muted" }, `${t("cartAuc")}: ${typeof auc === "number" ? auc.toFixed(3) : "–"}`);
  api("GET", "/v1/analytics/recommender-quality").then((q) => {
    const a = q.all;
    const pct = (x) => `${(x * 100).toFixed(1)}%`;
    const pair = (metric) => bars([["recommender", a.recommender[metric]], ["bestsellers", a.popularity[metric]]]
      .map(([label, v]) => ({ label: t(label), value: v, text: pct(v) })), "models");
    body.replaceChildren(h("h3", {}, `${t("precisionAt")}${q.k}`), pair("precision"),
      h("h3", {}, `${t("recallAt")}${q.k}`), pair("recall"),
      h("p", { class: "muted" }, `${a.customers} ${t("heldOutBuyers")} ${q.held_out_from}`));
  }).catch((err) => body.replaceChildren(problemBox(err)));
  return card(t("models"), body, aucLine);
}

/** The dashboards: every card loads in parallel; one the key may not read is left out. */
async function dashboards() {
  render("dashboards", h("h1", {}, t("dashboards")), h("p", { class: "muted" }, "…"));
  const get = (path) => api("GET", path).catch((err) => err);
  const [sum, sales, promos, auto, chains] = await Promise.all([
    get("/v1/analytics/summary"), get(`/v1/analytics/sales?from=${yearAgo()}`),
    get(`/v1/analytics/promotions?from=${yearAgo()}`),
    get("/v1/engagement/automation"), get("/v1/engagement/triggers"),
  ]);
  const ok = (x) => !(x instanceof Error);
  const cards = [];
  if (ok(sales)) cards.push(salesCard(sales)); else cards.push(problemBox(sales));
  if (ok(sum)) {
    cards.push(rfmCard(sum), ltvCard(sum), migrationCard(sum), cohortCard(sum));
    if (sum.nps && sum.nps.responses) cards.push(card(t("nps"), h("p", { class: "big" }, String(Math.round(sum.nps.nps)))));
    cards.push(forecastCard(sum.bestsellers[0]), modelsCard(sum));
  } else cards.push(problemBox(sum));
  if (ok(promos)) cards.push(promotionsCard(promos));
  if (ok(auto)) cards.push(automationCard(auto));
  if (ok(chains)) cards.push(triggersCard(chains));
  render("dashboards", h("h1", {}, t("dashboards")), h("div", { class: "dashboards" }, cards));
  ready("dashboards");
}

SCREENS.dashboards = () => dashboards();
