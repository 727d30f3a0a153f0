// omniretail console, dashboards: what managers and marketers watch — sales by channel over
// the last year, RFM segments, LTV by first channel, cohort retention, channel migration, the
// bot's automation rate and the trigger chains in force. Bars are plain elements sized through
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

/** The dashboards: every card loads in parallel; one the key may not read is left out. */
async function dashboards() {
  render("dashboards", h("h1", {}, t("dashboards")), h("p", { class: "muted" }, "…"));
  const get = (path) => api("GET", path).catch((err) => err);
  const [sum, sales, auto, chains] = await Promise.all([
    get("/v1/analytics/summary"), get(`/v1/analytics/sales?from=${yearAgo()}`),
    get("/v1/engagement/automation"), get("/v1/engagement/triggers"),
  ]);
  const ok = (x) => !(x instanceof Error);
  const cards = [];
  if (ok(sales)) cards.push(salesCard(sales)); else cards.push(problemBox(sales));
  if (ok(sum)) {
    cards.push(rfmCard(sum), ltvCard(sum), migrationCard(sum), cohortCard(sum));
    if (sum.nps && sum.nps.responses) cards.push(card(t("nps"), h("p", { class: "big" }, String(Math.round(sum.nps.nps)))));
  } else cards.push(problemBox(sum));
  if (ok(auto)) cards.push(automationCard(auto));
  if (ok(chains)) cards.push(triggersCard(chains));
  render("dashboards", h("h1", {}, t("dashboards")), h("div", { class: "dashboards" }, cards));
  ready("dashboards");
}

SCREENS.dashboards = () => dashboards();
