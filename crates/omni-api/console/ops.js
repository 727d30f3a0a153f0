// omniretail console, operations: the orders desk (the call center, admins and associates find
// an order by its number or by the customer's phone, email or card, read its lines, delivery,
// payment and history, cancel it whole or by line, move it on as its status allows and re-source
// a line a store cannot fulfil) and, for admins, the sourcing rules with the simulator (edit the
// weights and limits, replay a past period under the draft beside the live rules, save with
// If-Match). Loaded after app.js, orders.js and dashboards.js, whose helpers (h, t, api, call,
// money, render, ready, problemBox, session, screensFor, skuName, fillNames, places,
// placeNames, paidHow, dateTime, randomId, bars, TEXT, SCREENS) it uses; the rest stays inside.
"use strict";

(() => {
  Object.assign(TEXT.ru, {
    nav_orderdesk: "Заказы", nav_sourcing: "Сорсинг",
    op_desk: "Заказы клиентов", op_k_number: "Номер заказа", op_k_phone: "Телефон", op_k_email: "Email",
    op_k_loyalty_card: "Карта лояльности", op_value: "Номер заказа, телефон, email или карта", op_find: "Найти",
    op_noOrder: "Заказ с таким номером не найден.", op_noCustomer: "Покупатель не найден.", op_noOrders: "У покупателя нет заказов.",
    op_ordersOf: "Заказы покупателя", op_lines: "Состав заказа", op_product: "Товар", op_paid: "Оплачено",
    op_bought: "куплено", op_cancelled: "отменено", op_returned: "возвращено", op_kept: "остаётся", op_byPoints: "из них баллами",
    op_from: "откуда", op_delivery: "Доставка", op_method: "Способ", op_place: "Место", op_address: "Адрес", op_promised: "Обещано",
    op_parcels: "Посылок", op_fee: "Стоимость доставки", op_payment: "Оплата", op_provider: "Провайдер", op_authorized: "Авторизовано",
    op_captured: "Списано", op_released: "Освобождено", op_refunded: "Возвращено", op_pickup: "Самовывоз", op_attempts: "Неверных кодов",
    op_locked: "заблокирован: выдаёт старший смены", op_waiting: "ждёт покупателя", op_notYet: "ещё не готов к выдаче",
    op_history: "История статусов", op_actions: "Действия", op_cancelLines: "Отменить отмеченные строки",
    op_cancelOrder: "Отменить заказ целиком", op_reason: "Причина (необязательно)", op_pickLines: "Отметьте строки, которые отменить.",
    op_refused: "Не выполнено", op_nowStatus: "Статус заказа сейчас", op_done: "Выполнено", op_resource: "Другой источник",
    op_noActions: "В этом статусе заказ больше не меняется.", op_customer: "Покупатель", op_created: "Создан", op_by: "кто",
    op_toCounter: "К выдаче на кассе", op_channel: "Канал", op_cancelOne: "Отменить строку",
    do_deliver: "Доставлен", do_complete: "Завершить",
    src_title: "Правила сорсинга", src_weights: "Веса оценки источника (меньше очков — лучше)", src_limits: "Ограничения и сроки",
    src_costs: "Стоимость доставки для оценки", src_priority: "Приоритет локаций (выше — предпочтительнее)", src_add: "Добавить",
    f_distance_weight: "Расстояние, за км", f_cost_weight: "Стоимость, за копейку", f_time_weight: "Время до покупателя, за час",
    f_load_weight: "Загрузка источника (0–1)", f_depth_weight: "Глубина остатка (1 = последние единицы)",
    f_priority_weight: "Приоритет локации, за пункт", f_parcel_penalty: "Каждая посылка сверх первой",
    f_max_parcels: "Посылок в заказе, не больше", f_express_radius_km: "Радиус экспресса, км", f_pick_minutes: "Сборка, мин",
    f_handling_hours: "Обработка у курьера, ч", f_courier_kmh: "Скорость курьера, км/ч", f_transfer_days: "Перемещение, дней",
    f_parcel_cost: "Обработка посылки, ₽", f_cost_per_km: "Перевозка за км, ₽",
    src_period: "Период истории", src_from: "С", src_to: "По", src_simulate: "Смоделировать", src_save: "Сохранить правила",
    src_version: "версия", src_live: "Действующие", src_draft: "Черновик", src_delta: "Разница", src_result: "Черновик против действующих правил",
    m_orders: "Заказов в истории", m_unfulfilled: "Не из чего собрать", m_parcels: "Посылок", m_splits: "Разделённых заказов",
    m_cost: "Стоимость доставки", m_hours: "Часов до покупателя, в среднем", src_changed: "Заказов с другими источниками",
    src_load: "Загрузка локаций, посылок", src_running: "Моделирую…", src_took: "Смоделировано за", src_ms: "мс",
    src_saved: "Правила сохранены: версия", src_conflict: "Правила уже сохранил кто-то другой, ваша правка не записана. Загрузите свежие правила и повторите её.",
    src_reload: "Загрузить свежие", src_number: "должно быть числом", src_better: "лучше", src_worse: "хуже",
  });
  Object.assign(TEXT.en, {
    nav_orderdesk: "Orders", nav_sourcing: "Sourcing",
    op_desk: "Customer orders", op_k_number: "Order number", op_k_phone: "Phone", op_k_email: "Email",
    op_k_loyalty_card: "Loyalty card", op_value: "Order number, phone, email or card", op_find: "Find",
    op_noOrder: "No order with this number.", op_noCustomer: "No such customer.", op_noOrders: "The customer has no orders.",
    op_ordersOf: "The customer's orders", op_lines: "Lines", op_product: "Product", op_paid: "Paid",
    op_bought: "bought", op_cancelled: "cancelled", op_returned: "returned", op_kept: "kept", op_byPoints: "of it in points",
    op_from: "from", op_delivery: "Delivery", op_method: "Method", op_place: "Place", op_address: "Address", op_promised: "Promised",
    op_parcels: "Parcels", op_fee: "Delivery fee", op_payment: "Payment", op_provider: "Provider", op_authorized: "Authorised",
    op_captured: "Captured", op_released: "Released", op_refunded: "Refunded", op_pickup: "Pickup", op_attempts: "Wrong codes",
    op_locked: "locked: a supervisor hands it out", op_waiting: "waiting for the customer", op_notYet: "not ready for pickup yet",
    op_history: "Status history", op_actions: "Actions", op_cancelLines: "Cancel the ticked lines",
    op_cancelOrder: "Cancel the whole order", op_reason: "Reason (optional)", op_pickLines: "Tick the lines to cancel.",
    op_refused: "Not done", op_nowStatus: "The order is now", op_done: "Done", op_resource: "Source elsewhere",
    op_noActions: "The order does not change any more in this status.", op_customer: "Customer", op_created: "Created", op_by: "by",
    op_toCounter: "Hand out at the counter", op_channel: "Channel", op_cancelOne: "Cancel line",
    do_deliver: "Delivered", do_complete: "Complete",
    src_title: "Sourcing rules", src_weights: "Scoring weights (fewer points win)", src_limits: "Limits and times",
    src_costs: "Delivery costs for scoring", src_priority: "Location priority (higher is preferred)", src_add: "Add",
    f_distance_weight: "Distance, per km", f_cost_weight: "Cost, per kopeck", f_time_weight: "Time to the customer, per hour",
    f_load_weight: "Source load (0–1)", f_depth_weight: "Stock depth (1 = the last units)",
    f_priority_weight: "Location priority, per point", f_parcel_penalty: "Each parcel beyond the first",
    f_max_parcels: "Parcels per order, at most", f_express_radius_km: "Express radius, km", f_pick_minutes: "Picking, min",
    f_handling_hours: "Courier handling, h", f_courier_kmh: "Courier speed, km/h", f_transfer_days: "Transfer, days",
    f_parcel_cost: "Parcel handling, ₽", f_cost_per_km: "Transport per km, ₽",
    src_period: "History period", src_from: "From", src_to: "To", src_simulate: "Simulate", src_save: "Save the rules",
    src_version: "version", src_live: "Live", src_draft: "Draft", src_delta: "Difference", src_result: "The draft against the live rules",
    m_orders: "Orders replayed", m_unfulfilled: "Nothing to source from", m_parcels: "Parcels", m_splits: "Split orders",
    m_cost: "Delivery cost", m_hours: "Hours to the customer, mean", src_changed: "Orders sourced differently",
    src_load: "Locations' load, parcels", src_running: "Simulating…", src_took: "Simulated in", src_ms: "ms",
    src_saved: "Rules saved: version", src_conflict: "Someone else saved the rules meanwhile; your change was not written. Load the fresh rules and make it again.",
    src_reload: "Load the fresh rules", src_number: "must be a number", src_better: "better", src_worse: "worse",
  });

  const role = () => session.me.role;
  const fulfils = () => role() === "admin" || role() === "associate";
  /** Statuses whose goods are still held: cancelling and re-sourcing are possible. */
  const HOLDING = ["placed", "allocated", "picking", "packed", "ready_for_pickup"];
  /** The lifecycle steps the transitions resource takes from each status (pickup, cancel and
   *  returns have their own resources). */
  function stepsOf(o) {
    const packed = o.delivery.method === "store_pickup" ? "mark_ready" : "ship";
    return { placed: ["allocate"], allocated: ["start_picking"], picking: ["pack"], packed: [packed],
      shipped: ["deliver"], delivered: ["complete"], picked_up: ["complete"] }[o.status] || [];
  }
  const kept = (l) => l.quantity - l.cancelled - l.returned;
  const placeName = (id) => { const p = places.get(id); return p ? `${p.code} ${p.name}` : id; };

  // ---- the orders desk ------------------------------------------------------------------

  function orderDesk(number) {
    const kind = h("select", { name: "kind", "aria-label": t("op_k_number") },
      ["number", "phone", "email", "loyalty_card"].map((k) => h("option", { value: k }, t(`op_k_${k}`))));
    const value = h("input", { type: "text", name: "value", placeholder: t("op_value"), required: true, value: number || "" });
    const list = h("div", { id: "desk-orders" });
    const detail = h("div", { id: "desk-order" });
    const find = async (e) => {
      if (e) e.preventDefault();
      list.replaceChildren();
      detail.replaceChildren();
      const v = value.value.trim();
      if (kind.value === "number") await showOrder(detail, { number: v });
      else await customerOrders(list, detail, kind.value, v);
      ready("orderdesk");
    };
    render("orderdesk", h("h1", {}, t("op_desk")),
      h("form", { class: "row", onsubmit: find }, kind, value, h("button", { class: "primary", type: "submit", "data-find": "" }, t("op_find"))),
      list, detail);
    if (number) find(); else { value.focus(); ready("orderdesk"); }
  }

  /** The customer identified by a phone, email or card, and their orders, newest first. */
  async function customerOrders(list, detail, kind, value) {
    try {
      const s = await api("POST", "/v1/customers/identify", { kind, value });
      const orders = await api("GET", `/v1/orders?customer_id=${encodeURIComponent(s.customer_id)}`);
      orders.sort((a, b) => (a.created_at < b.created_at ? 1 : -1));
      list.replaceChildren(h("section", { class: "card", "data-orders-of": s.customer_id },
        h("h2", {}, `${t("op_ordersOf")}: ${s.name || s.customer_id}`),
        orders.length ? h("ul", { class: "op-orders" }, orders.map((o) => h("li", {},
          h("button", { type: "button", class: "op-order", "data-open-order": o.number, onclick: () => {
            history.replaceState(null, "", `#/orderdesk/${encodeURIComponent(o.number)}`);
            showOrder(detail, { order: o });
          } }, h("strong", {}, `${t("no")}${o.number}`), ` · ${dateTime(o.created_at)} · ${t(`st_${o.status}`)} · ${money(o.quote.to_pay, o.currency)}`))))
          : h("p", { class: "muted" }, t("op_noOrders"))));
    } catch (err) {
      list.replaceChildren(err.status === 404 ? h("div", { class: "error", "data-none": "" }, t("op_noCustomer")) : problemBox(err));
    }
  }

  /** Shows one order (given, or looked up by number or id); `notice` goes above it. */
  async function showOrder(out, { order, number, id }, notice) {
    try {
      let o = order;
      if (!o && id) o = await api("GET", `/v1/orders/${id}`);
      if (!o) [o] = await api("GET", `/v1/orders?number=${encodeURIComponent(number)}`);
      if (!o) { out.replaceChildren(h("div", { class: "error", role: "alert", "data-none": "" }, t("op_noOrder"))); return; }
      const ids = [o.delivery.location_id, o.store, ...o.lines.flatMap((l) => l.allocations.map((a) => a.location_id))];
      await placeNames([...new Set(ids.filter(Boolean))], []);
      out.replaceChildren(notice || "", orderCard(o, out));
      fillNames(out);
    } catch (err) { out.replaceChildren(notice || "", problemBox(err)); }
  }

  /** A refused or failed change: what was refused, the API's reason, then the order as it is now. */
  function refusal(err, o) {
    return h("div", { class: "op-refused", role: "alert", "data-refused": err.status || "" },
      h("strong", {}, `${t("op_refused")}. `), problemBox(err),
      o ? h("p", { class: "muted", "data-now": o.status }, `${t("op_nowStatus")}: ${t(`st_${o.status}`)}`) : null);
  }

  function orderCard(o, out) {
    const m = (v) => money(v, o.currency);
    const holding = HOLDING.includes(o.status);
    const ticks = o.lines.map((l) => (holding && kept(l) > 0
      ? h("input", { type: "checkbox", name: `cancel_${l.line}`, value: String(l.line), "aria-label": `${t("op_cancelOne")} ${l.sku}` }) : null));
    /** Sends a change; the order is drawn again from the answer, or re-read after a refusal. */
    const act = async (button, send) => {
      button.disabled = true;
      try {
        const changed = await send();
        await showOrder(out, { order: changed }, h("div", { class: "card ok", "data-done": changed.status }, `${t("op_done")}: ${t(`st_${changed.status}`)}`));
      } catch (err) {
        const now = await api("GET", `/v1/orders/${o.id}`).catch(() => null);
        if (now) await showOrder(out, { order: now }, refusal(err, now));
        else out.prepend(refusal(err, null));
      }
      ready("orderdesk");
    };
    const reason = h("input", { type: "text", name: "reason", placeholder: t("op_reason"), maxlength: "500" });
    const msg = h("div");
    const cancel = (button, lines) => act(button, () => {
      const body = lines ? { lines } : {};
      if (reason.value.trim()) body.reason = reason.value.trim();
      return call("POST", `/v1/orders/${o.id}/cancellation`, body, session.key, { "Idempotency-Key": randomId("cnl_") }).then((r) => r.data);
    });
    const cancelTicked = (e) => {
      const lines = ticks.filter((c) => c && c.checked).map((c) => Number(c.value));
      if (!lines.length) { msg.replaceChildren(h("div", { class: "error", role: "alert" }, t("op_pickLines"))); return; }
      cancel(e.currentTarget, lines);
    };
    const steps = fulfils() ? stepsOf(o) : [];
    const cancellable = ticks.some(Boolean);
    return h("section", { class: "card op-order-card", "data-order": o.number, "data-status": o.status, "data-version": o.version },
      h("h2", {}, `${t("orderNo")} ${o.number} `, h("span", { class: "tier" }, t(`st_${o.status}`))),
      h("p", { class: "muted" }, [`${t("op_created")} ${dateTime(o.created_at)}`, t(`ch_${o.channel}`),
        o.store ? placeName(o.store) : null].filter(Boolean).join(" · ")),
      linesTable(o, ticks, m),
      h("div", { class: "op-facts" }, deliveryFacts(o, m), paymentFacts(o, m)),
      o.delivery.method === "store_pickup" ? pickupFacts(o) : null,
      h("div", { class: "op-actions" }, h("h3", {}, t("op_actions")),
        cancellable || steps.length || (fulfils() && HOLDING.includes(o.status)) ? null : h("p", { class: "muted", "data-no-actions": "" }, t("op_noActions")),
        steps.length ? h("div", { class: "chips" }, steps.map((a) => h("button", { type: "button", class: "primary", "data-action": a,
          onclick: (e) => act(e.currentTarget, () => api("POST", `/v1/orders/${o.id}/transitions`, { action: a })) }, t(`do_${a}`))),
        role() === "associate" && o.status === "ready_for_pickup" && o.delivery.location_id === session.me.store
          ? h("a", { class: "button", href: `#/pickup/${encodeURIComponent(o.number)}` }, t("op_toCounter")) : null) : null,
        cancellable ? h("div", { class: "row op-cancel" }, reason,
          h("button", { type: "button", "data-cancel-lines": "", onclick: cancelTicked }, t("op_cancelLines")),
          h("button", { type: "button", class: "danger", "data-cancel-order": "", onclick: (e) => cancel(e.currentTarget, null) }, t("op_cancelOrder"))) : null,
        resourceButtons(o, act), msg),
      historyList(o));
  }

  /** Lines: what was bought, cancelled, returned and is kept, what was paid, where it comes from. */
  function linesTable(o, ticks, m) {
    const code = (id) => (places.get(id) || {}).code || id;
    return h("table", { class: "lines op-lines" },
      h("tr", {}, h("th", {}, ""), h("th", {}, t("op_product")), h("th", { class: "num" }, t("op_paid"))),
      o.lines.map((l, i) => h("tr", { "data-line": l.line, "data-kept": kept(l), "data-cancelled": l.cancelled },
        h("td", {}, ticks[i] || ""),
        h("td", {}, h("div", {}, skuName(l.sku)), h("div", { class: "muted" }, l.sku),
          h("div", { class: "op-units" }, `${t("op_bought")} ${l.quantity}`,
            l.cancelled ? h("span", { class: "op-cancelled" }, ` · ${t("op_cancelled")} ${l.cancelled}`) : null,
            l.returned ? ` · ${t("op_returned")} ${l.returned}` : null, ` · ${t("op_kept")} ${kept(l)}`),
          l.allocations.length ? h("div", { class: "muted", title: l.allocations.map((a) => placeName(a.location_id)).join(", ") },
            `${t("op_from")}: `, l.allocations.map((a) => `${code(a.location_id)} × ${a.quantity}`).join(", ")) : null),
        h("td", { class: "num" }, m(l.total),
          l.paid_with_points ? h("div", { class: "muted" }, `${t("op_byPoints")} ${m(l.paid_with_points)}`) : null))));
  }

  function facts(title, rows) {
    return h("section", { class: "op-fact" }, h("h3", {}, title),
      h("dl", { class: "kv" }, rows.filter(Boolean).flatMap(([k, v, attrs]) => [h("dt", {}, k), h("dd", attrs || {}, v)])));
  }

  function deliveryFacts(o, m) {
    const d = o.delivery;
    const promised = d.promised_from ? (d.promised_to && d.promised_to !== d.promised_from
      ? `${dateTime(d.promised_from)} – ${dateTime(d.promised_to)}` : dateTime(d.promised_from)) : null;
    return facts(t("op_delivery"), [
      [t("op_method"), t(`m_${d.method || "carry_out"}`), { "data-method": d.method || "carry_out" }],
      d.location_id ? [t("op_place"), placeName(d.location_id)] : null,
      d.address ? [t("op_address"), d.address.text] : null,
      promised ? [t("op_promised"), promised, { "data-promised": d.promised_from }] : null,
      d.parcels ? [t("op_parcels"), String(d.parcels)] : null,
      d.method ? [t("op_fee"), d.fee ? m(d.fee) : t("free")] : null]);
  }

  function paymentFacts(o, m) {
    const p = o.payment;
    return facts(t("op_payment"), [
      [paidHow(o), m(o.quote.to_pay), { class: "price" }],
      [t("op_provider"), p.provider],
      [t("op_authorized"), m(p.amount)],
      p.captured ? [t("op_captured"), m(p.captured)] : null,
      p.released ? [t("op_released"), m(p.released), { "data-released": p.released }] : null,
      p.refunded ? [t("op_refunded"), m(p.refunded)] : null]);
  }

  function pickupFacts(o) {
    const locked = o.pickup_attempts >= 5;
    const state = locked ? t("op_locked") : o.status === "ready_for_pickup" ? t("op_waiting")
      : HOLDING.includes(o.status) ? t("op_notYet") : t(`st_${o.status}`);
    return facts(t("op_pickup"), [
      [t("op_place"), placeName(o.delivery.location_id)],
      [t("status"), state, { "data-pickup-state": locked ? "locked" : o.status }],
      [t("op_attempts"), `${o.pickup_attempts} / 5`]]);
  }

  function historyList(o) {
    return h("details", { class: "op-history", open: true }, h("summary", {}, t("op_history")),
      h("ol", {}, o.history.map((c) => h("li", { "data-to": c.to },
        `${dateTime(c.at)} · ${t(`st_${c.to}`)} · ${t("op_by")}: ${c.by}`))));
  }

  /** Re-sourcing a line a location cannot fulfil (admins anywhere, associates at their store). */
  function resourceButtons(o, act) {
    if (!fulfils() || !HOLDING.includes(o.status) || !o.delivery.method) return null;
    const mine = (a) => role() === "admin" || a.location_id === session.me.store;
    const rows = o.lines.filter((l) => kept(l) > 0).flatMap((l) => l.allocations.filter(mine).map((a) => [l, a]));
    if (!rows.length) return null;
    return h("div", { class: "chips op-resource" }, rows.map(([l, a]) => h("button", { type: "button",
      "data-resource": `${l.line}:${a.location_id}`, title: t("op_resource"),
      onclick: (e) => act(e.currentTarget, () => api("POST", `/v1/orders/${o.id}/lines/${l.line}/resourcing`, { from: a.location_id })),
    }, `${t("op_resource")}: ${names.of(l.sku)} ← ${placeName(a.location_id)}`)));
  }

  // ---- sourcing rules and the simulator -------------------------------------------------

  const WEIGHTS = ["distance_weight", "cost_weight", "time_weight", "load_weight", "depth_weight", "priority_weight", "parcel_penalty"];
  const LIMITS = ["max_parcels", "express_radius_km", "pick_minutes", "handling_hours", "courier_kmh", "transfer_days"];
  const KOPECKS = ["parcel_cost", "cost_per_km"];
  const WHOLE = new Set(["max_parcels", "pick_minutes", "handling_hours", "courier_kmh", "transfer_days"]);

  const isoDay = (d) => d.toISOString().slice(0, 10);

  async function sourcingScreen(notice) {
    const out = h("div", { id: "sourcing" });
    render("sourcing", h("h1", {}, t("src_title")), out);
    try {
      const [{ data: rules, etag }, locations] = await Promise.all([
        call("GET", "/v1/sourcing/rules"), api("GET", "/v1/locations?limit=100").then((p) => p.data).catch(() => [])]);
      for (const l of locations) places.set(l.id, l);
      out.replaceChildren(notice || "", rulesForm(rules, etag, locations));
    } catch (err) { out.replaceChildren(problemBox(err)); }
    ready("sourcing");
  }

  function numberInput(name, value) {
    return h("input", { type: "number", name, step: WHOLE.has(name) ? "1" : "any", min: "0", value: String(value), inputmode: "decimal", class: "op-num" });
  }

  function rulesForm(rules, etag, locations) {
    const s = rules.sourcing;
    const inputs = {};
    const field = (name, value) => {
      inputs[name] = numberInput(name, value);
      return h("label", { class: "op-field" }, h("span", {}, t(`f_${name}`)), inputs[name]);
    };
    const priorities = new Map(Object.entries(s.location_priority || {}));
    const prioList = h("div", { class: "op-priorities" });
    const drawPriorities = () => prioList.replaceChildren(...[...priorities].map(([id, p]) => {
      const input = h("input", { type: "number", name: `priority_${id}`, step: "1", min: "-1000", max: "1000", value: String(p), class: "op-num",
        onchange: (e) => priorities.set(id, e.target.value) });
      return h("label", { class: "op-field" }, h("span", {}, placeName(id)), input,
        h("button", { type: "button", "aria-label": "×", onclick: () => { priorities.delete(id); drawPriorities(); } }, "×"));
    }));
    drawPriorities();
    const pick = h("select", { name: "add_priority", "aria-label": t("src_add") },
      locations.map((l) => h("option", { value: l.id }, `${l.code} ${l.name}`)));
    const today = new Date();
    const from = h("input", { type: "date", name: "from", value: isoDay(new Date(today.getTime() - 90 * 86_400_000)), "aria-label": t("src_from") });
    const to = h("input", { type: "date", name: "to", value: isoDay(today), "aria-label": t("src_to") });
    const status = h("div", { id: "sourcing-status" });
    const result = h("div", { id: "simulation" });
    let version = etag;

    /** The draft from the form; a field that is not a number is marked and throws. */
    const draft = () => {
      const bad = [];
      const read = (name, scale = 1) => {
        const v = Number(inputs[name].value);
        const ok = inputs[name].value.trim() !== "" && Number.isFinite(v);
        inputs[name].classList.toggle("invalid", !ok);
        if (!ok) bad.push({ field: name, message: t("src_number") });
        return WHOLE.has(name) || scale !== 1 ? Math.round(v * scale) : v;
      };
      const sourcing = { ...s, location_priority: {} };
      for (const n of [...WEIGHTS, ...LIMITS]) sourcing[n] = read(n);
      for (const n of KOPECKS) sourcing[n] = read(n, 100);
      for (const [id, p] of priorities) if (String(p).trim() !== "") sourcing.location_priority[id] = Math.round(Number(p));
      if (bad.length) {
        const err = new Error(bad.map((b) => `${t(`f_${b.field}`)}: ${b.message}`).join("; "));
        err.problem = { errors: [] };
        throw err;
      }
      return { ...rules, sourcing };
    };
    /** The API's field errors (`sourcing.max_parcels`) marked on their inputs. */
    const mark = (err) => {
      for (const f of (err.problem && err.problem.errors) || []) {
        const name = String(f.field).replace(/^sourcing\./, "");
        if (inputs[name]) inputs[name].classList.add("invalid");
      }
    };
    const simulate = async (e) => {
      const button = e.currentTarget;
      let body;
      try { body = { draft: draft(), from: `${from.value}T00:00:00Z`, to: `${isoDay(new Date(Date.parse(`${to.value}T00:00:00Z`) + 86_400_000))}T00:00:00Z` }; }
      catch (err) { result.replaceChildren(problemBox(err)); return; }
      button.disabled = true;
      result.replaceChildren(h("p", { class: "muted", "data-simulating": "" }, t("src_running")));
      const started = performance.now();
      try {
        const report = await api("POST", "/v1/sourcing/simulations", body);
        result.replaceChildren(comparison(report, Math.round(performance.now() - started)));
      } catch (err) { mark(err); result.replaceChildren(problemBox(err)); }
      button.disabled = false;
    };
    const save = async (e) => {
      const button = e.currentTarget;
      let body;
      try { body = draft(); } catch (err) { status.replaceChildren(problemBox(err)); return; }
      button.disabled = true;
      try {
        const r = await call("PUT", "/v1/sourcing/rules", body, session.key, { "If-Match": version });
        version = r.etag;
        rules = r.data;
        status.replaceChildren(h("div", { class: "card ok", role: "status", "data-saved": version.replace(/\W/g, "") }, `${t("src_saved")} ${version.replace(/\W/g, "")}`));
        versionTag.textContent = `${t("src_version")} ${version.replace(/\W/g, "")}`;
      } catch (err) {
        mark(err);
        status.replaceChildren(err.status === 412
          ? h("div", { class: "error", role: "alert", "data-conflict": "412" }, h("p", {}, t("src_conflict")),
            h("button", { type: "button", "data-reload": "", onclick: () => sourcingScreen() }, t("src_reload")))
          : problemBox(err));
      }
      button.disabled = false;
    };
    const versionTag = h("span", { class: "muted", "data-version": version.replace(/\W/g, "") }, `${t("src_version")} ${version.replace(/\W/g, "")}`);
    return h("div", {},
      h("p", {}, versionTag),
      h("section", { class: "card" }, h("h2", {}, t("src_weights")), h("div", { class: "op-grid" }, WEIGHTS.map((n) => field(n, s[n])))),
      h("section", { class: "card" }, h("h2", {}, t("src_limits")), h("div", { class: "op-grid" }, LIMITS.map((n) => field(n, s[n])))),
      h("section", { class: "card" }, h("h2", {}, t("src_costs")), h("div", { class: "op-grid" }, KOPECKS.map((n) => field(n, s[n] / 100)))),
      h("section", { class: "card" }, h("h2", {}, t("src_priority")), prioList,
        h("div", { class: "row" }, pick, h("button", { type: "button", onclick: () => {
          if (!priorities.has(pick.value)) priorities.set(pick.value, 10);
          drawPriorities();
        } }, t("src_add")))),
      h("section", { class: "card" }, h("h2", {}, t("src_period")),
        h("div", { class: "row op-period" }, h("label", { class: "op-field" }, h("span", {}, t("src_from")), from),
          h("label", { class: "op-field" }, h("span", {}, t("src_to")), to)),
        h("div", { class: "row" },
          h("button", { type: "button", class: "primary", "data-simulate": "", onclick: simulate }, t("src_simulate")),
          h("button", { type: "button", "data-save-rules": "", onclick: save }, t("src_save")))),
      status, result);
  }

  /** The simulation's answer: each figure live against draft, as numbers and a pair of bars. */
  function comparison(r, ms) {
    const a = r.current;
    const b = r.draft;
    const hours = (v) => (Math.round(v * 10) / 10).toLocaleString(lang === "ru" ? "ru-RU" : "en-GB");
    const metrics = [
      ["orders", a.orders, b.orders, String, null],
      ["unfulfilled", a.unfulfilled, b.unfulfilled, String, -1],
      ["parcels", a.parcels, b.parcels, String, -1],
      ["splits", a.splits, b.splits, String, -1],
      ["cost", a.cost, b.cost, (v) => money(v, "RUB"), -1],
      ["hours", a.mean_hours_to_customer, b.mean_hours_to_customer, hours, -1],
    ];
    const delta = (x, y, show, sense) => {
      const d = y - x;
      if (!d) return h("span", { class: "muted" }, "0");
      const better = sense !== null && Math.sign(d) === sense;
      return h("span", { class: sense === null ? "" : better ? "op-better" : "op-worse" },
        `${d > 0 ? "+" : "−"}${show(Math.abs(d))}`, sense === null ? "" : ` (${t(better ? "src_better" : "src_worse")})`);
    };
    return h("section", { class: "card op-simulation", "data-simulation": "", "data-changed": r.changed_orders },
      h("h2", {}, t("src_result")),
      h("p", {}, `${t("src_changed")}: `, h("strong", { "data-changed-orders": r.changed_orders }, String(r.changed_orders)),
        h("span", { class: "muted" }, ` · ${t("src_took")} ${ms} ${t("src_ms")}`)),
      h("div", { class: "op-scroll" }, h("table", { class: "op-compare" },
        h("tr", {}, h("th", {}, ""), h("th", { class: "num" }, t("src_live")), h("th", { class: "num" }, t("src_draft")), h("th", { class: "num" }, t("src_delta"))),
        metrics.map(([k, x, y, show, sense]) => h("tr", { "data-metric": k, "data-live": x, "data-draft": y },
          h("td", {}, t(`m_${k}`)), h("td", { class: "num" }, show(x)), h("td", { class: "num" }, show(y)), h("td", { class: "num" }, delta(x, y, show, sense)))))),
      h("p", { class: "op-legend muted" }, h("span", { class: "op-swatch" }), t("src_live"), h("span", { class: "op-swatch op-draft" }), t("src_draft")),
      h("div", { class: "op-charts" }, metrics.slice(1).map(([k, x, y, show]) => h("div", { class: "op-chart" }, h("h3", {}, t(`m_${k}`)),
        pairBars([{ label: t("src_live"), value: x, text: show(x) }, { label: t("src_draft"), value: y, text: show(y) }], k)))),
      h("h3", {}, t("src_load")), loadBars(a.load, b.load));
  }

  /** `bars()` with the draft's rows in the draft colour. */
  function pairBars(rows, testid, draftRow = (i) => i % 2 === 1) {
    const chart = bars(rows, testid);
    [...chart.children].forEach((row, i) => row.classList.toggle("op-draft", draftRow(i)));
    return chart;
  }

  /** The busiest locations under either rule set, live and draft parcels side by side. */
  function loadBars(live, draft) {
    const ids = [...new Set([...live, ...draft].map((l) => l.location_id))];
    const of = (list, id) => (list.find((l) => l.location_id === id) || { orders: 0 }).orders;
    const code = (id) => (places.get(id) || {}).code || id.slice(-6);
    const rows = ids.flatMap((id) => [
      { label: code(id), value: of(live, id), text: String(of(live, id)) },
      { label: "", value: of(draft, id), text: String(of(draft, id)) }]);
    return pairBars(rows, "load");
  }

  Object.assign(SCREENS, { orderdesk: orderDesk, sourcing: () => sourcingScreen() });
})();
