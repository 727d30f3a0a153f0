// omniretail console, inbox: the call-center agent's single window. The queue of threads the
// bot handed to a person, and a thread with its whole history whatever channel each message
// came by (a Telegram chat and a phone call of one customer are one thread), the customer's
// summary beside it, and a reply that goes out in the channel the customer last used.
// Loaded after app.js and orders.js, whose helpers (h, t, api, money, render, ready,
// problemBox, summaryCard, dateTime, TEXT, SCREENS) it uses.
"use strict";

Object.assign(TEXT.ru, {
  inbox: "Входящие", queueWaiting: "Ждут оператора", queueMine: "В работе", emptyQueue: "Очередь пуста.",
  customer: "Клиент", unknownCustomer: "Не опознан", author_customer: "Клиент", author_bot: "Бот", author_staff: "Оператор",
  reply: "Ответ", send: "Отправить", closeThread: "Закрыть обращение", willSendVia: "Ответ уйдёт через",
  cst_bot: "бот", cst_waiting: "ждёт оператора", cst_assigned: "в работе", cst_closed: "закрыто",
  lastMessage: "Последнее сообщение", channels: "Каналы", history: "История переписки", toInbox: "Ко входящим",
  mc_telegram: "Telegram", mc_whatsapp: "WhatsApp", mc_vk: "ВКонтакте", mc_sms: "SMS", mc_email: "Email",
  mc_web_chat: "Чат на сайте", mc_app_chat: "Чат в приложении", mc_call: "Телефон", mc_console: "Консоль",
  kind_telegram: "Telegram", kind_whatsapp: "WhatsApp", kind_vk: "ВКонтакте",
  kind_app_account: "Аккаунт в приложении", kind_device: "Устройство",
});
Object.assign(TEXT.en, {
  inbox: "Inbox", queueWaiting: "Waiting for an agent", queueMine: "In progress", emptyQueue: "The queue is empty.",
  customer: "Customer", unknownCustomer: "Not identified", author_customer: "Customer", author_bot: "Bot", author_staff: "Agent",
  reply: "Reply", send: "Send", closeThread: "Close the thread", willSendVia: "Will be sent via",
  cst_bot: "bot", cst_waiting: "waiting", cst_assigned: "in progress", cst_closed: "closed",
  lastMessage: "Last message", channels: "Channels", history: "Conversation history", toInbox: "To the inbox",
  mc_telegram: "Telegram", mc_whatsapp: "WhatsApp", mc_vk: "VK", mc_sms: "SMS", mc_email: "Email",
  mc_web_chat: "Web chat", mc_app_chat: "App chat", mc_call: "Phone", mc_console: "Console",
  kind_telegram: "Telegram", kind_whatsapp: "WhatsApp", kind_vk: "VK",
  kind_app_account: "App account", kind_device: "Device",
});

/** A short badge per channel (letters, not emoji: every font has them). */
const CHANNEL_BADGE = {
  telegram: "TG", whatsapp: "WA", vk: "VK", sms: "SMS", email: "@", web_chat: "WEB", app_chat: "APP", call: "☎", console: "CON",
};

function channelTag(ch) {
  return h("span", { class: `mchan mchan-${ch}`, "data-channel": ch },
    h("span", { class: "badge", "aria-hidden": "true" }, CHANNEL_BADGE[ch] || "?"), t(`mc_${ch}`));
}

function authorName(a) {
  if (!a) return "";
  if (a.type === "staff") return a.name ? `${t("author_staff")}: ${a.name}` : t("author_staff");
  return t(`author_${a.type}`);
}

/** A thread's messages, oldest first, each with its channel, author and time. */
function messageList(messages) {
  return h("ol", { class: "messages" }, messages.map((m) => h("li", {
    class: `msg from-${m.author.type}`, "data-message": m.id, "data-channel": m.channel, "data-author": m.author.type },
    h("div", { class: "meta" }, channelTag(m.channel), h("span", {}, ` · ${authorName(m.author)} · ${dateTime(m.at)}`)),
    h("div", { class: "text" }, m.text))));
}

/** The queue: threads waiting for a person (oldest first), then the ones in progress. */
async function inbox() {
  const out = h("div", { id: "inbox" });
  render("inbox", h("h1", {}, t("inbox")), out);
  try {
    const [waiting, assigned] = await Promise.all([
      api("GET", "/v1/conversations?status=waiting"), api("GET", "/v1/conversations?status=assigned")]);
    const section = (title, list, status) => h("section", { "data-queue": status },
      h("h2", { class: "queue-title" }, `${title} · ${list.length}`),
      list.length
        ? h("ul", { class: "hits" }, list.map((c) => h("li", { class: "hit thread", "data-conversation": c.id, "data-status": c.status },
          h("div", { class: "info" },
            h("a", { href: `#/inbox/${c.id}`, class: "name", "data-name-of": c.customer_id || "" },
              c.customer_id ? `${t("customer")} ${c.customer_id.slice(-6)}` : (c.handle || t("unknownCustomer"))),
            h("div", { class: "chips" }, (c.channels || []).map(channelTag)),
            h("div", { class: "muted" }, `${t("lastMessage")}: ${dateTime(c.last_message_at)} · ${t(`cst_${c.status}`)}`)),
          h("a", { href: `#/inbox/${c.id}`, class: "button primary", "data-open": c.id }, t("show")))))
        : h("p", { class: "muted" }, t("emptyQueue")));
    out.replaceChildren(section(t("queueWaiting"), waiting, "waiting"), section(t("queueMine"), assigned, "assigned"));
    ready("inbox");
    namesInto(out, [...waiting, ...assigned]);
  } catch (err) { out.replaceChildren(problemBox(err)); ready("inbox"); }
}

/** Puts the customers' names on the queue once it is usable (a name is a nicety, not a wait). */
function namesInto(out, threads) {
  const ids = [...new Set(threads.map((c) => c.customer_id).filter(Boolean))].slice(0, 50);
  for (const id of ids) {
    api("GET", `/v1/customers/${id}`).then((p) => {
      const name = [p.given_name, p.family_name].filter(Boolean).join(" ");
      if (name) for (const a of out.querySelectorAll(`[data-name-of="${id}"]`)) a.textContent = name;
    }).catch(() => {});
  }
}

/** The customer's summary from the profile and their orders (the profile id is what a thread
 *  knows; identify needs a full identifier, which staff never see unmasked). */
async function customerSummary(id) {
  const [p, orders] = await Promise.all([
    api("GET", `/v1/customers/${id}`), api("GET", `/v1/orders?customer_id=${id}`).catch(() => [])]);
  const done = ["completed", "picked_up", "delivered"];
  const closed = [...done, "cancelled", "returned"];
  const brief = (o) => ({ number: o.number, status: o.status, total: o.quote && o.quote.total, currency: o.currency || (o.quote && o.quote.currency) });
  return {
    customer_id: p.id, name: [p.given_name, p.family_name].filter(Boolean).join(" "), tier: p.tier,
    points_balance: p.points_balance, identifiers: p.identifiers, preferences: p.preferences, sizes: p.sizes,
    last_purchases: (orders || []).filter((o) => done.includes(o.status)).slice(0, 5)
      .map((o) => ({ reference: o.number, total: brief(o).total, currency: brief(o).currency })),
    open_orders: (orders || []).filter((o) => !closed.includes(o.status)).map(brief),
    personal_offers: [],
  };
}

/** One thread: the history across channels, the customer beside it, the reply box. */
async function thread(id, notice) {
  const out = h("div", { id: "thread" });
  render("thread", h("p", {}, h("a", { href: "#/inbox" }, `← ${t("toInbox")}`)), out);
  try {
    const { conversation: c, messages } = await api("GET", `/v1/conversations/${id}`);
    const summary = c.customer_id ? await customerSummary(c.customer_id).catch(() => null) : null;
    const text = h("textarea", { name: "text", rows: 3, required: true, placeholder: t("reply"), "aria-label": t("reply") });
    const errors = h("div");
    const send = async (e) => {
      e.preventDefault();
      const button = e.currentTarget.querySelector("button[type=submit]");
      if (button) button.disabled = true;
      try {
        await api("POST", `/v1/conversations/${id}/messages`, { text: text.value });
        thread(id);
      } catch (err) { errors.replaceChildren(problemBox(err)); if (button) button.disabled = false; }
    };
    const closeIt = async () => {
      try { await api("POST", `/v1/conversations/${id}/close`); thread(id); } catch (err) { errors.replaceChildren(problemBox(err)); }
    };
    const open = c.status !== "closed";
    out.replaceChildren(h("div", { class: "thread-grid" },
      h("section", { class: "card", "data-thread": c.id, "data-status": c.status },
        h("h1", {}, summary && summary.name ? summary.name : t("customer"), " ", h("span", { class: "tier" }, t(`cst_${c.status}`))),
        h("div", { class: "chips", "aria-label": t("channels") }, c.channels.map(channelTag)),
        notice ? problemBox(notice) : null,
        h("h2", {}, t("history")),
        messageList(messages),
        open ? h("form", { class: "reply", onsubmit: send },
          text,
          h("p", { class: "muted", "data-reply-channel": c.last_channel }, `${t("willSendVia")}: `, channelTag(c.last_channel)),
          h("div", { class: "row" },
            h("button", { class: "primary", type: "submit", "data-send": "" }, t("send")),
            h("button", { type: "button", "data-close": "", onclick: closeIt }, t("closeThread")))) : null,
        errors),
      h("aside", { class: "thread-customer" }, summary ? summaryCard(summary) : h("p", { class: "card muted" }, t("unknownCustomer")))));
  } catch (err) { out.replaceChildren(problemBox(err)); }
  ready("thread");
}

Object.assign(SCREENS, { inbox: (arg) => (arg ? thread(arg) : inbox()) });
