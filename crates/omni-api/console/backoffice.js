// omniretail console, back office for marketers and admins: promotions of every kind (create,
// edit with If-Match, activate, archive, coupon batches and a dry-run on a sample cart with every
// discount explained), rule-based segments (create, materialise), trigger chains (list, edit with If-Match, create,
// the firing log) and, for admins, the chain's locations (create, edit with If-Match).
// Loaded after app.js, whose helpers (h, t, api, call, money, render, ready, problemBox,
// session, TEXT, SCREENS, EXPONENT) it uses; everything else stays inside this file's scope.
"use strict";

(() => {
  Object.assign(TEXT.ru, {
    nav_promotions: "Промоакции", nav_segments: "Сегменты", nav_triggers: "Триггеры", nav_locations: "Локации",
    bo_promotions: "Промоакции и купоны", bo_newPromotion: "Новая промоакция", bo_dryRun: "Проверка на корзине",
    bo_all: "все", bo_st_draft: "черновик", bo_st_active: "действует", bo_st_archived: "в архиве",
    bo_name: "Название", bo_reason: "Причина скидки (видна в чеке)", bo_currency: "Валюта", bo_kind: "Тип",
    bo_k_percent_off: "Процент с товара", bo_k_amount_off: "Сумма с каждой единицы", bo_k_cart_percent_off: "Процент с суммы корзины",
    bo_k_cart_amount_off: "Сумма с корзины", bo_k_fixed_price: "Фиксированная цена", bo_k_free_delivery: "Бесплатная доставка",
    bo_k_gift_points: "Подарочные баллы",
    bo_k_buy_x_get_y: "Купи X — получи Y", bo_k_nth_item: "Каждый N-й товар со скидкой", bo_k_bundle_price: "Комплект за цену",
    bo_k_points_multiplier: "Множитель баллов", bo_k_discount_matrix: "Матрица скидок",
    bo_v_buy: "Купить, шт.", bo_v_get: "Получить, шт.", bo_v_getPercent: "Скидка на полученные, % (100 — бесплатно)", bo_v_n: "Каждый N-й",
    bo_v_quantity: "Штук в комплекте", bo_v_bundlePrice: "Цена комплекта", bo_v_factor: "Множитель (2 — вдвое больше баллов)",
    bo_v_cells: "ячейки матрицы сохраняются как есть", bo_group: "группа",
    bo_promoConflict: "Промоакцию уже изменил кто-то другой (или перевёл в архив), пока вы её редактировали: ваши правки не сохранены. Загрузите текущую версию и внесите их заново.",
    bo_archivedReadOnly: "Промоакция в архиве: её нельзя изменить.",
    bo_v_percent: "Скидка, %", bo_v_amount: "Сумма", bo_v_price: "Цена за единицу", bo_v_points: "Баллы", bo_v_none: "Значение не нужно",
    bo_category: "Категория", bo_anyCategory: "все категории", bo_skus: "Артикулы SKU (через запятую)", bo_from: "Действует с", bo_to: "Действует по",
    bo_channels: "Каналы (пусто — все)", bo_priority: "Приоритет", bo_stacking: "Совмещение", bo_stackable: "суммируется с другими",
    bo_exclusive: "только она на товаре", bo_minSubtotal: "Минимальная сумма", bo_couponOnly: "Только по купону",
    bo_firstOrder: "Только на первый заказ", bo_perCustomer: "Раз на покупателя", bo_budget: "Бюджет скидок",
    bo_saveDraft: "Сохранить черновик", bo_created: "Создана", bo_activate: "Запустить", bo_archive: "В архив",
    bo_tryIt: "Проверить на корзине", bo_coupons: "Купоны", bo_prefix: "Префикс", bo_count: "Сколько", bo_usesPerCode: "Использований на код",
    bo_generate: "Создать коды", bo_codesMade: "Создано кодов", bo_notCouponOnly: "Акция действует и без кода: отметьте «только по купону», чтобы коды что-то давали.",
    bo_uses: "применений", bo_spent: "скидок на", bo_target: "На что", bo_everything: "на всё", bo_everywhere: "все каналы",
    bo_always: "без срока", bo_per_unit: "за единицу", bo_off_cart: "с суммы", bo_each: "каждая", bo_points_x: "баллы ×",
    bo_buy_get: "купи {buy}, получи {get} со скидкой {pct}", bo_bundle: "{n} шт. за {price}", bo_nth: "каждый {n}-й со скидкой {pct}",
    bo_matrix: "матрица скидок", bo_more: "Ещё",
    bo_cart: "Корзина: артикул и количество, по строке на товар", bo_cartHint: "Например: SKU-000087 × 2",
    bo_tryDrafts: "Черновики, которые проверяем", bo_noDrafts: "Черновиков нет: создайте промоакцию.", bo_run: "Рассчитать",
    bo_now: "Сейчас", bo_withDrafts: "С черновиками", bo_change: "Изменение", bo_line: "Строка", bo_price: "Цена",
    bo_noDiscount: "без скидки", bo_draftTag: "черновик", bo_inForce: "действует", bo_applied: "Сработавшие акции",
    bo_freeDelivery: "бесплатная доставка", bo_giftPoints: "баллов в подарок", bo_coupon: "купон",
    bo_badLine: "строка {n}: «артикул количество», например SKU-000087 2",
    bo_segments: "Сегменты", bo_newSegment: "Новый сегмент", bo_match: "Условия", bo_matchAll: "все условия", bo_matchAny: "любое условие",
    bo_tier: "Уровень", bo_tierAny: "любой", bo_tierAtLeast: "не ниже", bo_tierIs: "ровно", bo_city: "Город", bo_spent: "Потратил за 90 дней больше",
    bo_pointsAtLeast: "Баллов не меньше", bo_consent: "Согласие", bo_consentNone: "не важно", bo_anyChannel: "любой канал",
    bo_purpose_marketing: "маркетинг", bo_purpose_personalisation: "персонализация", bo_purpose_profiling: "профилирование",
    bo_cc_sms: "SMS", bo_cc_email: "email", bo_cc_push: "push", bo_cc_messenger: "мессенджер", bo_cc_call: "звонок",
    bo_materialize: "Пересчитать участников", bo_members: "участников", bo_notMaterialized: "ещё не пересчитан",
    bo_materialized: "Пересчитано", bo_ofBase: "из базы", bo_evaluate: "расчёт", bo_store: "запись", bo_ms: "мс",
    bo_snapshotLoaded: "база прочитана целиком", bo_refreshed: "обновлено покупателей", bo_everyone: "все покупатели",
    bo_and: " и ", bo_or: " или ", bo_not: "не", bo_consentTo: "согласие на",
    bo_triggers: "Триггерные цепочки", bo_newChain: "Новая цепочка", bo_edit: "Изменить", bo_firings: "Последние срабатывания",
    bo_noFirings: "Срабатываний пока нет.", bo_id: "Ключ (латиница, цифры, _ и -)", bo_on: "Событие-запуск", bo_wait: "Ждать, минут",
    bo_conditions: "Условия (все должны выполняться)", bo_addCondition: "Добавить условие", bo_remove: "Убрать",
    bo_c_data_at_least: "число в событии ≥", bo_c_data_at_most: "число в событии ≤", bo_c_data_equals: "значение в событии =",
    bo_c_data_exists: "в событии есть", bo_c_segment: "в сегменте", bo_c_not_segment: "не в сегменте", bo_c_tier_at_least: "уровень не ниже",
    bo_path: "путь в данных", bo_value: "значение", bo_action: "Действие", bo_a_message: "сообщение", bo_a_push: "push-уведомление",
    bo_a_gift_points: "подарить баллы", bo_template: "Шаблон", bo_unless: "Отменяют ожидание (события через запятую)", bo_purpose: "Цель",
    bo_p_marketing: "маркетинг (нужно согласие)", bo_p_service: "сервисное", bo_cap: "Не чаще, раз в день на покупателя", bo_activeChain: "Включена",
    bo_save: "Сохранить", bo_saved: "Сохранено, версия", bo_version: "версия", bo_conflict: "Цепочку уже изменил кто-то другой, пока вы её редактировали: ваши правки не сохранены. Загрузите текущую версию и внесите их заново.",
    bo_reload: "Загрузить текущую версию", bo_perDay: "в день", bo_chainOn: "по событию", bo_unlessShort: "кроме", bo_off: "выключена",
    bo_g_send: "отправлено", bo_g_apply: "начислено", bo_g_defer: "отложено до", bo_g_drop: "не отправлено",
    bo_r_no_consent: "нет согласия", bo_r_withdrawn: "согласие отозвано", bo_r_unavailable: "профиль недоступен", bo_r_frequency_cap: "лимит в день",
    bo_when: "Когда", bo_chain: "Цепочка", bo_customer: "Покупатель", bo_result: "Результат",
    bo_locations: "Локации", bo_newLocation: "Новая локация", bo_code: "Код", bo_lkind: "Тип", bo_lk_store: "магазин", bo_lk_warehouse: "склад",
    bo_lk_pickup_point: "пункт выдачи", bo_lk_partner_point: "партнёрский пункт", bo_country: "Страна", bo_address: "Адрес",
    bo_lat: "Широта", bo_lon: "Долгота", bo_tz: "Часовой пояс (пусто — по стране)", bo_hours: "Часы работы (ЧЧ:ММ, пусто — выходной)",
    bo_sameAll: "Как в понедельник — на все дни", bo_caps: "Возможности", bo_cap_sell_in_store: "продажи в зале", bo_cap_pickup: "выдача заказов",
    bo_cap_ship_from_store: "отгрузка из магазина", bo_cap_fulfilment: "отгрузка со склада", bo_cap_express_delivery: "экспресс-доставка",
    bo_cap_returns: "приём возвратов", bo_capacity: "Заказов в день (пусто — без лимита)", bo_status: "Статус",
    bo_ls_active: "работает", bo_ls_temporarily_closed: "временно закрыта", bo_ls_closed: "закрыта", bo_closedDay: "выходной",
    bo_d_mon: "Пн", bo_d_tue: "Вт", bo_d_wed: "Ср", bo_d_thu: "Чт", bo_d_fri: "Пт", bo_d_sat: "Сб", bo_d_sun: "Вс",
    bo_needNumber: "нужно число", bo_needTime: "время как ЧЧ:ММ", bo_locationCreated: "Локация создана",
    bo_locConflict: "Локацию уже изменил кто-то другой: ваши правки не сохранены. Загрузите текущую версию.",
  });
  Object.assign(TEXT.en, {
    nav_promotions: "Promotions", nav_segments: "Segments", nav_triggers: "Triggers", nav_locations: "Locations",
    bo_promotions: "Promotions and coupons", bo_newPromotion: "New promotion", bo_dryRun: "Dry-run on a cart",
    bo_all: "all", bo_st_draft: "draft", bo_st_active: "active", bo_st_archived: "archived",
    bo_name: "Name", bo_reason: "Reason (shown on the receipt)", bo_currency: "Currency", bo_kind: "Kind",
    bo_k_percent_off: "Percent off each item", bo_k_amount_off: "Amount off each unit", bo_k_cart_percent_off: "Percent off the subtotal",
    bo_k_cart_amount_off: "Amount off the subtotal", bo_k_fixed_price: "Fixed unit price", bo_k_free_delivery: "Free delivery",
    bo_k_gift_points: "Gift points",
    bo_k_buy_x_get_y: "Buy X, get Y", bo_k_nth_item: "Every Nth item discounted", bo_k_bundle_price: "Bundle price",
    bo_k_points_multiplier: "Points multiplier", bo_k_discount_matrix: "Discount matrix",
    bo_v_buy: "Buy, units", bo_v_get: "Get, units", bo_v_getPercent: "Off the units got, % (100: free)", bo_v_n: "Every Nth",
    bo_v_quantity: "Units in the bundle", bo_v_bundlePrice: "Bundle price", bo_v_factor: "Factor (2: double points)",
    bo_v_cells: "matrix cells kept as they are", bo_group: "group",
    bo_promoConflict: "Someone else changed this promotion (or archived it) while you were editing it: your changes were not saved. Load the current version and make them again.",
    bo_archivedReadOnly: "The promotion is archived: it cannot change.",
    bo_v_percent: "Discount, %", bo_v_amount: "Amount", bo_v_price: "Unit price", bo_v_points: "Points", bo_v_none: "No value needed",
    bo_category: "Category", bo_anyCategory: "all categories", bo_skus: "SKUs (comma-separated)", bo_from: "Valid from", bo_to: "Valid to",
    bo_channels: "Channels (none: all)", bo_priority: "Priority", bo_stacking: "Stacking", bo_stackable: "combines with others",
    bo_exclusive: "keeps the item to itself", bo_minSubtotal: "Minimum subtotal", bo_couponOnly: "Coupon only",
    bo_firstOrder: "First order only", bo_perCustomer: "Uses per customer", bo_budget: "Discount budget",
    bo_saveDraft: "Save as draft", bo_created: "Created", bo_activate: "Activate", bo_archive: "Archive",
    bo_tryIt: "Dry-run on a cart", bo_coupons: "Coupons", bo_prefix: "Prefix", bo_count: "How many", bo_usesPerCode: "Uses per code",
    bo_generate: "Generate codes", bo_codesMade: "Codes generated", bo_notCouponOnly: "The promotion applies without a code: tick “coupon only” for codes to matter.",
    bo_uses: "uses", bo_spent: "discounts worth", bo_target: "On", bo_everything: "everything", bo_everywhere: "all channels",
    bo_always: "no end date", bo_per_unit: "per unit", bo_off_cart: "off the subtotal", bo_each: "each", bo_points_x: "points ×",
    bo_buy_get: "buy {buy}, get {get} at {pct} off", bo_bundle: "{n} for {price}", bo_nth: "every {n}th at {pct} off",
    bo_matrix: "discount matrix", bo_more: "More",
    bo_cart: "Cart: SKU and quantity, one item a line", bo_cartHint: "For example: SKU-000087 × 2",
    bo_tryDrafts: "Drafts to try", bo_noDrafts: "No drafts: create a promotion first.", bo_run: "Price it",
    bo_now: "Now", bo_withDrafts: "With the drafts", bo_change: "Change", bo_line: "Line", bo_price: "Price",
    bo_noDiscount: "no discount", bo_draftTag: "draft", bo_inForce: "in force", bo_applied: "Promotions that applied",
    bo_freeDelivery: "free delivery", bo_giftPoints: "gift points", bo_coupon: "coupon",
    bo_badLine: "line {n}: “SKU quantity”, e.g. SKU-000087 2",
    bo_segments: "Segments", bo_newSegment: "New segment", bo_match: "Match", bo_matchAll: "all conditions", bo_matchAny: "any condition",
    bo_tier: "Tier", bo_tierAny: "any", bo_tierAtLeast: "at least", bo_tierIs: "exactly", bo_city: "City", bo_spent: "Spent in 90 days over",
    bo_pointsAtLeast: "Points at least", bo_consent: "Consent", bo_consentNone: "does not matter", bo_anyChannel: "any channel",
    bo_purpose_marketing: "marketing", bo_purpose_personalisation: "personalisation", bo_purpose_profiling: "profiling",
    bo_cc_sms: "SMS", bo_cc_email: "email", bo_cc_push: "push", bo_cc_messenger: "messenger", bo_cc_call: "call",
    bo_materialize: "Materialise", bo_members: "members", bo_notMaterialized: "not materialised yet",
    bo_materialized: "Materialised", bo_ofBase: "of a base of", bo_evaluate: "evaluate", bo_store: "store", bo_ms: "ms",
    bo_snapshotLoaded: "whole base read", bo_refreshed: "customers refreshed", bo_everyone: "every customer",
    bo_and: " and ", bo_or: " or ", bo_not: "not", bo_consentTo: "consented to",
    bo_triggers: "Trigger chains", bo_newChain: "New chain", bo_edit: "Edit", bo_firings: "Recent firings",
    bo_noFirings: "No firings yet.", bo_id: "Key (a-z, digits, _ and -)", bo_on: "Starting event", bo_wait: "Wait, minutes",
    bo_conditions: "Conditions (all must hold)", bo_addCondition: "Add a condition", bo_remove: "Remove",
    bo_c_data_at_least: "event number ≥", bo_c_data_at_most: "event number ≤", bo_c_data_equals: "event value =",
    bo_c_data_exists: "event has", bo_c_segment: "in segment", bo_c_not_segment: "not in segment", bo_c_tier_at_least: "tier at least",
    bo_path: "data path", bo_value: "value", bo_action: "Action", bo_a_message: "message", bo_a_push: "push notification",
    bo_a_gift_points: "gift points", bo_template: "Template", bo_unless: "Cancelled by (event types, comma-separated)", bo_purpose: "Purpose",
    bo_p_marketing: "marketing (needs consent)", bo_p_service: "service", bo_cap: "At most, per customer per day", bo_activeChain: "Active",
    bo_save: "Save", bo_saved: "Saved, version", bo_version: "version", bo_conflict: "Someone else changed this chain while you were editing it: your changes were not saved. Load the current version and make them again.",
    bo_reload: "Load the current version", bo_perDay: "a day", bo_chainOn: "on", bo_unlessShort: "unless", bo_off: "off",
    bo_g_send: "sent", bo_g_apply: "applied", bo_g_defer: "deferred until", bo_g_drop: "not sent",
    bo_r_no_consent: "no consent", bo_r_withdrawn: "consent withdrawn", bo_r_unavailable: "profile unavailable", bo_r_frequency_cap: "daily cap",
    bo_when: "When", bo_chain: "Chain", bo_customer: "Customer", bo_result: "Result",
    bo_locations: "Locations", bo_newLocation: "New location", bo_code: "Code", bo_lkind: "Kind", bo_lk_store: "store", bo_lk_warehouse: "warehouse",
    bo_lk_pickup_point: "pickup point", bo_lk_partner_point: "partner point", bo_country: "Country", bo_address: "Address",
    bo_lat: "Latitude", bo_lon: "Longitude", bo_tz: "Time zone (empty: the country's)", bo_hours: "Opening hours (HH:MM, empty: closed)",
    bo_sameAll: "Monday's hours for every day", bo_caps: "Capabilities", bo_cap_sell_in_store: "sells in store", bo_cap_pickup: "order pickup",
    bo_cap_ship_from_store: "ships from store", bo_cap_fulfilment: "ships from warehouse", bo_cap_express_delivery: "express delivery",
    bo_cap_returns: "accepts returns", bo_capacity: "Orders per day (empty: no limit)", bo_status: "Status",
    bo_ls_active: "active", bo_ls_temporarily_closed: "temporarily closed", bo_ls_closed: "closed", bo_closedDay: "closed",
    bo_d_mon: "Mon", bo_d_tue: "Tue", bo_d_wed: "Wed", bo_d_thu: "Thu", bo_d_fri: "Fri", bo_d_sat: "Sat", bo_d_sun: "Sun",
    bo_needNumber: "must be a number", bo_needTime: "a time as HH:MM", bo_locationCreated: "Location created",
    bo_locConflict: "Someone else changed this location meanwhile: your changes were not saved. Load the current version.",
  });

  const ALL_CHANNELS = ["web", "mobile_app", "pos", "associate_app", "kiosk", "call_center", "messenger", "chatbot"];
  const TIERS = ["basic", "silver", "gold", "platinum"];
  const DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
  const fill = (text, vars) => text.replace(/\{(\w+)\}/g, (_, k) => String(vars[k]));
  const when = (ts) => (ts ? new Date(ts).toLocaleString(lang === "ru" ? "ru-RU" : "en-GB") : "");
  const pct = (bp) => `${(bp / 100).toLocaleString(lang === "ru" ? "ru-RU" : "en-US")}%`;

  /** Reads that change rarely (the tenant, categories, segments' names) once per key and screen visit. */
  const cache = new Map();
  function cached(path) {
    const k = `${session.key}|${path}`;
    if (!cache.has(k)) cache.set(k, api("GET", path).catch((err) => { cache.delete(k); throw err; }));
    return cache.get(k);
  }

  /** A labelled control; `wide` spans the whole form row. */
  function field(label, control, wide) {
    return h("label", { class: wide ? "bo-field wide" : "bo-field" }, h("span", {}, label), control);
  }
  const input = (name, attrs = {}) => h("input", { type: "text", name, ...attrs });
  const select = (name, options, value) => {
    const s = h("select", { name }, options.map(([v, label]) => h("option", { value: v }, label)));
    if (value !== undefined && value !== null) s.value = String(value);
    return s;
  };
  const checkbox = (name, checked, value) => h("input", { type: "checkbox", name, value, checked: !!checked });

  /** A problem made here, shown like the API's (field: message). */
  function localProblem(fieldName, message) {
    const err = new Error(`${fieldName}: ${message}`);
    err.problem = { errors: [{ field: fieldName, message }] };
    return err;
  }

  /** Marks the inputs a problem names (`field → element`) and clears the others. */
  function markInvalid(controls, err) {
    const bad = new Set(((err && err.problem && err.problem.errors) || []).map((f) => f.field));
    for (const [name, el] of Object.entries(controls)) {
      if (!el) continue;
      const hit = [...bad].some((f) => f === name || f.startsWith(`${name}.`) || f.startsWith(`${name}[`));
      el.classList.toggle("invalid", hit);
      if (hit) el.setAttribute("aria-invalid", "true"); else el.removeAttribute("aria-invalid");
    }
  }

  /** "1 500,50" in `currency` → minor units (integers only); NaN when it is not an amount. */
  function toMinor(text, currency) {
    const exp = EXPONENT[currency] ?? 2;
    const s = String(text).replace(/[\s\u00a0]/g, "").replace(",", ".");
    const m = s.match(/^(\d+)(?:\.(\d*))?$/);
    if (!m || (m[2] || "").length > exp) return NaN;
    return Number(m[1]) * 10 ** exp + Number((m[2] || "").padEnd(exp, "0") || 0);
  }
  /** Minor units back to what `toMinor` reads. */
  function fromMinor(minor, currency) {
    const exp = EXPONENT[currency] ?? 2;
    if (!exp) return String(minor);
    return `${Math.trunc(minor / 10 ** exp)}.${String(minor % 10 ** exp).padStart(exp, "0")}`.replace(/\.0+$/, "");
  }
  const int = (text) => (String(text).trim() === "" ? null : /^-?\d+$/.test(String(text).trim()) ? Number(text) : NaN);

  // ---- promotions ---------------------------------------------------------------------

  const KINDS = ["percent_off", "amount_off", "cart_percent_off", "cart_amount_off", "fixed_price", "free_delivery", "gift_points",
    "buy_x_get_y", "nth_item", "bundle_price", "points_multiplier"];
  /**
   * Each kind's fields: [effect key, label, how it is typed]. `pct` is a percentage in the form
   * and basis points in the API, `factor` a multiplier (2 = double) and ×10 000 in the API,
   * `money` minor units of the promotion's currency. A discount matrix is kept as it is (no fields).
   */
  const EFFECT_FIELDS = {
    percent_off: [["percent_bp", "bo_v_percent", "pct"]], cart_percent_off: [["percent_bp", "bo_v_percent", "pct"]],
    amount_off: [["amount", "bo_v_amount", "money"]], cart_amount_off: [["amount", "bo_v_amount", "money"]],
    fixed_price: [["price", "bo_v_price", "money"]], gift_points: [["points", "bo_v_points", "int"]], free_delivery: [],
    buy_x_get_y: [["buy", "bo_v_buy", "int"], ["get", "bo_v_get", "int"], ["percent_bp", "bo_v_getPercent", "pct"]],
    nth_item: [["n", "bo_v_n", "int"], ["percent_bp", "bo_v_percent", "pct"]],
    bundle_price: [["quantity", "bo_v_quantity", "int"], ["price", "bo_v_bundlePrice", "money"]],
    points_multiplier: [["factor_bp", "bo_v_factor", "factor"]], discount_matrix: [],
  };
  const EFFECT_KEYS = [...new Set(Object.values(EFFECT_FIELDS).flat().map(([k]) => k))];
  /** A decimal typed with a comma or a dot, times `scale`, as an integer; NaN when it is not one. */
  const scaled = (text, scale) => {
    const s = String(text).trim().replace(",", ".");
    return /^\d+(\.\d+)?$/.test(s) ? Math.round(Number(s) * scale) : NaN;
  };
  const EFFECT_TYPES = {
    pct: { read: (text) => scaled(text, 100), show: (v) => String(v / 100) },
    factor: { read: (text) => scaled(text, 10000), show: (v) => String(v / 10000) },
    int: { read: (text) => int(text), show: (v) => String(v) },
    money: { read: (text, currency) => toMinor(text, currency), show: (v, currency) => fromMinor(v, currency) },
  };
  /** A timestamp as a datetime-local value (the browser's time zone, to the minute). */
  const localInput = (ts) => {
    if (!ts) return "";
    const d = new Date(ts);
    return new Date(d.getTime() - d.getTimezoneOffset() * 60000).toISOString().slice(0, 16);
  };
  /** What the dry-run screen tries next (set by "Dry-run on a cart" or a fresh draft). */
  let tryNext = null;
  let promoFilter = "";

  function effectText(e, currency) {
    const m = (x) => money(x, currency);
    switch (e.type) {
      case "percent_off": return `−${pct(e.percent_bp)}`;
      case "amount_off": return `−${m(e.amount)} ${t("bo_per_unit")}`;
      case "cart_percent_off": return `−${pct(e.percent_bp)} ${t("bo_off_cart")}`;
      case "cart_amount_off": return `−${m(e.amount)} ${t("bo_off_cart")}`;
      case "fixed_price": return `${m(e.price)} ${t("bo_per_unit")}`;
      case "buy_x_get_y": return fill(t("bo_buy_get"), { buy: e.buy, get: e.get, pct: pct(e.percent_bp) });
      case "bundle_price": return fill(t("bo_bundle"), { n: e.quantity, price: m(e.price) });
      case "nth_item": return fill(t("bo_nth"), { n: e.n, pct: pct(e.percent_bp) });
      case "free_delivery": return t("bo_freeDelivery");
      case "gift_points": return `+${e.points} ${t("bo_giftPoints")}`;
      case "points_multiplier": return `${t("bo_points_x")}${e.factor_bp / 10000}`;
      case "discount_matrix": return `${t("bo_matrix")} (${e.cells.length})`;
      default: return e.type;
    }
  }

  function targetText(target, categories) {
    const name = (id) => { const c = categories.find((x) => x.id === id); return c ? (c.name[lang] || c.name.ru || c.code) : id; };
    const parts = [...target.categories.map(name), ...target.skus];
    if (target.brands.length) parts.push(`${t("brand")}: ${target.brands.length}`);
    return parts.length ? parts.join(", ") : t("bo_everything");
  }

  function scheduleText(s) {
    const d = (ts) => new Date(ts).toLocaleDateString(lang === "ru" ? "ru-RU" : "en-GB");
    if (!s.valid_from && !s.valid_to) return t("bo_always");
    return `${s.valid_from ? d(s.valid_from) : "…"} – ${s.valid_to ? d(s.valid_to) : "…"}`;
  }

  function promotionCard(p, categories, onChange) {
    const c = p.conditions;
    const status = h("span", { class: `chip bo-st-${p.status}` }, t(`bo_st_${p.status}`));
    const notice = h("div");
    const coupons = h("div", { class: "bo-coupons" });
    const setStatus = async (to) => {
      try {
        const { data } = await call("POST", `/v1/promotions/${p.id}/status`, { status: to }, session.key, { "If-Match": `"${p.version}"` });
        onChange(data);
      } catch (err) { notice.replaceChildren(problemBox(err)); }
    };
    const showCoupons = () => {
      if (coupons.childElementCount) { coupons.replaceChildren(); return; }
      const prefix = input("prefix", { placeholder: "SPRING", maxlength: 12, autocapitalize: "characters" });
      const count = input("count", { type: "number", min: 1, max: 200000, value: "10" });
      const uses = input("uses_per_code", { type: "number", min: 1, value: "1" });
      const out = h("div");
      const form = h("form", { class: "bo-form", onsubmit: async (e) => {
        e.preventDefault();
        try {
          const batch = await api("POST", `/v1/promotions/${p.id}/coupons`,
            { prefix: prefix.value.trim().toUpperCase(), count: Number(count.value), uses_per_code: Number(uses.value) });
          markInvalid({ prefix, count, uses_per_code: uses }, null);
          out.replaceChildren(h("p", { "data-codes": batch.codes.length }, `${t("bo_codesMade")}: ${batch.codes.length}`),
            h("textarea", { class: "bo-codes", readonly: true, rows: Math.min(8, batch.codes.length), "aria-label": t("bo_coupons") }, batch.codes.join("\n")));
        } catch (err) { markInvalid({ prefix, count, uses_per_code: uses }, err); out.replaceChildren(problemBox(err)); }
      } }, field(t("bo_prefix"), prefix), field(t("bo_count"), count), field(t("bo_usesPerCode"), uses),
      h("div", { class: "bo-actions" }, h("button", { type: "submit", class: "primary" }, t("bo_generate"))));
      coupons.replaceChildren(...(c.coupon ? [] : [h("p", { class: "muted" }, t("bo_notCouponOnly"))]), form, out);
      prefix.focus();
    };
    const audience = c.audience.channels.length ? c.audience.channels.map((ch) => t(`ch_${ch}`)).join(", ") : t("bo_everywhere");
    return h("li", { class: "card bo-item", "data-promotion": p.id, "data-status": p.status },
      h("div", { class: "bo-head" }, h("strong", {}, p.name), status),
      h("div", { class: "bo-effect" }, effectText(p.effect, p.currency), " · ", `${t("bo_target")}: ${targetText(c.target, categories)}`),
      h("div", { class: "muted" }, [scheduleText(c.schedule), audience, c.coupon ? t("bo_couponOnly") : null,
        c.min_subtotal ? `≥ ${money(c.min_subtotal, p.currency)}` : null,
        p.uses ? `${p.uses} ${t("bo_uses")}, ${t("bo_spent")} ${money(p.spent, p.currency)}` : null].filter(Boolean).join(" · ")),
      h("div", { class: "muted" }, p.reason),
      h("div", { class: "bo-actions" },
        p.status === "draft" ? h("button", { type: "button", class: "primary", "data-activate": "", onclick: () => setStatus("active") }, t("bo_activate")) : null,
        p.status !== "archived" ? h("button", { type: "button", "data-archive": "", onclick: () => setStatus("archived") }, t("bo_archive")) : null,
        p.status !== "archived" ? h("a", { href: `#/promotions/${encodeURIComponent(p.id)}`, class: "button", "data-edit": p.id }, t("bo_edit")) : null,
        p.status === "draft" ? h("button", { type: "button", "data-try": "", onclick: () => { tryNext = p.id; location.hash = "#/promotions/dry-run"; } }, t("bo_tryIt")) : null,
        p.status !== "archived" ? h("button", { type: "button", "data-coupons": "", onclick: showCoupons }, t("bo_coupons")) : null),
      notice, coupons);
  }

  function categoryOptions(categories) {
    const roots = categories.filter((c) => !c.parent_id);
    const label = (c) => c.name[lang] || c.name.ru || c.code;
    const opts = [["", t("bo_anyCategory")]];
    for (const r of roots) {
      opts.push([r.id, label(r)]);
      for (const ch of categories.filter((c) => c.parent_id === r.id)) opts.push([ch.id, `— ${label(ch)}`]);
    }
    for (const c of categories) if (!opts.some(([id]) => id === c.id)) opts.push([c.id, label(c)]);
    return opts;
  }

  /**
   * The promotion form, for a new draft (`existing` undefined: POST) or to edit one
   * (`existing` = { data, etag } from GET: PUT with If-Match, every field the form does not
   * show kept as it was). `onSaved(promotion, version)` follows a save; on a stale version the
   * form says so, keeps the typed values and offers `onReload`.
   */
  function promotionForm(tenant, categories, { existing, onSaved, onReload }) {
    const currencies = [...new Set(tenant.countries.map((c) => c.currency))];
    const base = existing ? existing.data : { conditions: {}, limits: {}, stacking: { mode: "stackable" } };
    const c0 = { audience: {}, schedule: {}, target: {}, ...base.conditions };
    const [t0, s0, l0] = [{ categories: [], skus: [], ...c0.target }, c0.schedule, base.limits || {}];
    const cur0 = base.currency || currencies[0];
    const kinds = base.effect && !KINDS.includes(base.effect.type) ? [...KINDS, base.effect.type] : KINDS;
    const stackings = [["stackable", t("bo_stackable")], ["exclusive", t("bo_exclusive")]];
    if (base.stacking && base.stacking.mode === "group") stackings.push(["group", `${t("bo_group")}: ${base.stacking.group}`]);
    const amountText = (v) => (v === null || v === undefined ? "" : fromMinor(v, cur0));
    const f = {
      name: input("name", { required: true, maxlength: 200, value: base.name || "" }),
      reason: input("reason", { required: true, maxlength: 500, value: base.reason || "" }),
      currency: select("currency", currencies.map((c) => [c, c]), base.currency),
      kind: select("kind", kinds.map((k) => [k, t(`bo_k_${k}`)]), base.effect && base.effect.type),
      category: select("category", categoryOptions(categories), t0.categories[0] || ""),
      skus: input("skus", { placeholder: "SKU-000001, SKU-000002", autocomplete: "off", value: t0.skus.join(", ") }),
      valid_from: input("valid_from", { type: "datetime-local", value: localInput(s0.valid_from) }),
      valid_to: input("valid_to", { type: "datetime-local", value: localInput(s0.valid_to) }),
      priority: input("priority", { type: "number", value: String(base.priority ?? 100) }),
      stacking: select("stacking", stackings, base.stacking && base.stacking.mode),
      min_subtotal: input("min_subtotal", { inputmode: "decimal", value: amountText(c0.min_subtotal) }),
      per_customer: input("per_customer", { type: "number", min: 1, value: l0.per_customer ?? "" }),
      budget: input("budget", { inputmode: "decimal", value: amountText(l0.budget) }),
      coupon: checkbox("coupon", c0.coupon),
      first_order: checkbox("first_order", c0.first_order),
    };
    // what the marketer did not touch goes back exactly as it came (a category among several, a date to the second)
    const initial = { category: f.category.value, valid_from: f.valid_from.value, valid_to: f.valid_to.value };
    const untouched = (name) => existing && f[name].value === initial[name];
    const chosen = new Set((c0.audience && c0.audience.channels) || []);
    const channels = ALL_CHANNELS.map((ch) => checkbox("channel", chosen.has(ch), ch));
    const effectIn = Object.fromEntries(EFFECT_KEYS.map((k) => [k, input(k, { inputmode: "decimal", autocomplete: "off" })]));
    const effectFields = EFFECT_KEYS.map((k) => h("label", { class: "bo-field", "data-effect-field": k }, h("span", {}), effectIn[k]));
    const noValue = h("p", { class: "bo-field muted", "data-effect-field": "" });
    const kindField = field(t("bo_kind"), f.kind);
    if (base.effect) {
      for (const [k, , type] of EFFECT_FIELDS[base.effect.type] || []) effectIn[k].value = EFFECT_TYPES[type].show(base.effect[k], cur0);
    }
    const syncKind = () => {
      const spec = EFFECT_FIELDS[f.kind.value];
      for (const el of effectFields) {
        const hit = spec.find(([k]) => k === el.dataset.effectField);
        el.hidden = !hit;
        if (hit) el.firstChild.textContent = t(hit[1]);
      }
      kindField.after(...spec.map(([k]) => effectFields[EFFECT_KEYS.indexOf(k)]), noValue); // the kind's fields in its order
      noValue.hidden = spec.length > 0;
      noValue.textContent = f.kind.value === "discount_matrix" ? `${(base.effect.cells || []).length} · ${t("bo_v_cells")}` : t("bo_v_none");
    };
    f.kind.addEventListener("change", syncKind);
    const errors = h("div", { "aria-live": "polite" });
    const controls = {
      name: f.name, reason: f.reason, currency: f.currency, "conditions.target": f.skus,
      "conditions.schedule.valid_from": f.valid_from, "conditions.schedule.valid_to": f.valid_to,
      "conditions.min_subtotal": f.min_subtotal, "limits.per_customer": f.per_customer, "limits.budget": f.budget, priority: f.priority,
      ...Object.fromEntries(EFFECT_KEYS.map((k) => [`effect.${k}`, effectIn[k]])),
    };
    const readEffect = (kind, currency) => {
      if (kind === "discount_matrix") return base.effect;
      const effect = { type: kind };
      for (const [k, , type] of EFFECT_FIELDS[kind]) {
        const v = EFFECT_TYPES[type].read(effectIn[k].value, currency);
        if (v === null || Number.isNaN(v)) throw localProblem(`effect.${k}`, t("bo_needNumber"));
        effect[k] = v;
      }
      return effect;
    };
    const build = () => {
      const currency = f.currency.value;
      const effect = readEffect(f.kind.value, currency);
      const amount = (el, name) => {
        if (!el.value.trim()) return null;
        const v = toMinor(el.value, currency);
        if (Number.isNaN(v)) throw localProblem(name, t("bo_needNumber"));
        return v;
      };
      const iso = (name) => (untouched(name) ? s0[name] ?? null : f[name].value ? new Date(f[name].value).toISOString() : null);
      const perCustomer = int(f.per_customer.value);
      if (Number.isNaN(perCustomer)) throw localProblem("limits.per_customer", t("bo_needNumber"));
      const priority = int(f.priority.value);
      if (Number.isNaN(priority)) throw localProblem("priority", t("bo_needNumber"));
      return {
        name: f.name.value.trim(), reason: f.reason.value.trim(), currency, priority: priority ?? 0,
        stacking: f.stacking.value === "group" ? base.stacking : { mode: f.stacking.value },
        conditions: {
          ...c0,
          audience: { ...c0.audience, channels: channels.filter((c) => c.checked).map((c) => c.value) },
          schedule: { ...s0, valid_from: iso("valid_from"), valid_to: iso("valid_to") },
          target: { ...t0, categories: untouched("category") ? t0.categories : f.category.value ? [f.category.value] : [],
            skus: f.skus.value.split(/[\s,;]+/).filter(Boolean) },
          min_subtotal: amount(f.min_subtotal, "conditions.min_subtotal"),
          coupon: f.coupon.checked, first_order: f.first_order.checked,
        },
        effect,
        limits: { ...l0, per_customer: perCustomer, budget: amount(f.budget, "limits.budget") },
      };
    };
    const archived = existing && existing.data.status === "archived";
    const save = h("button", { type: "submit", class: "primary", "data-save": "", disabled: archived }, existing ? t("bo_save") : t("bo_saveDraft"));
    const form = h("form", { class: "bo-form", "data-form": "promotion", "data-version": existing ? existing.data.version : 0, novalidate: true, onsubmit: async (e) => {
      e.preventDefault();
      save.disabled = true;
      try {
        const body = build();
        const res = existing
          ? await call("PUT", `/v1/promotions/${encodeURIComponent(existing.data.id)}`, body, session.key, { "If-Match": existing.etag })
          : await call("POST", "/v1/promotions", body);
        markInvalid(controls, null);
        errors.replaceChildren();
        onSaved(res.data);
        return;
      } catch (err) {
        markInvalid(controls, err);
        errors.replaceChildren(existing && (err.status === 412 || err.status === 409)
          ? conflictBox(err, t("bo_promoConflict"), onReload) : problemBox(err));
      }
      save.disabled = false;
    } },
    field(t("bo_name"), f.name, true), field(t("bo_reason"), f.reason, true),
    kindField, ...effectFields, noValue, field(t("bo_currency"), f.currency),
    field(t("bo_category"), f.category), field(t("bo_skus"), f.skus),
    field(t("bo_from"), f.valid_from), field(t("bo_to"), f.valid_to),
    h("fieldset", { class: "bo-field wide chips" }, h("legend", {}, t("bo_channels")),
      channels.map((c) => h("label", { class: "check chip" }, c, t(`ch_${c.value}`)))),
    field(t("bo_priority"), f.priority), field(t("bo_stacking"), f.stacking), field(t("bo_minSubtotal"), f.min_subtotal),
    field(t("bo_perCustomer"), f.per_customer), field(t("bo_budget"), f.budget),
    h("div", { class: "bo-field wide bo-checks" }, h("label", { class: "check" }, f.coupon, t("bo_couponOnly")),
      h("label", { class: "check" }, f.first_order, t("bo_firstOrder"))),
    h("div", { class: "bo-actions wide" }, save), errors);
    syncKind();
    return form;
  }

  /** A stale save refused (412, or 409 when the resource moved on): nothing was overwritten; reload offered. */
  function conflictBox(err, text, onReload) {
    return h("div", { class: "error bo-conflict", role: "alert", "data-conflict": err.status },
      h("p", {}, text), h("p", { class: "muted" }, err.message),
      h("button", { type: "button", "data-reload": "", onclick: onReload }, t("bo_reload")));
  }

  function promoTabs(active) {
    return h("div", { class: "chips bo-tabs" },
      h("a", { href: "#/promotions", class: active === "list" ? "chip on" : "chip" }, t("nav_promotions")),
      h("a", { href: "#/promotions/new", class: active === "new" ? "chip on" : "chip" }, t("bo_newPromotion")),
      h("a", { href: "#/promotions/dry-run", class: active === "dry-run" ? "chip on" : "chip" }, t("bo_dryRun")));
  }

  async function promotionsScreen(after, more) {
    const out = more || h("div", { id: "promotions" });
    if (!more) {
      const filters = h("div", { class: "chips", "aria-label": t("bo_status") }, ["", "draft", "active", "archived"].map((s) =>
        h("button", { type: "button", class: promoFilter === s ? "chip on" : "chip", "data-filter": s,
          onclick: () => { promoFilter = s; promotionsScreen(); } }, s ? t(`bo_st_${s}`) : t("bo_all"))));
      render("promotions", h("h1", {}, t("bo_promotions")), promoTabs("list"), filters, out);
    }
    try {
      const params = new URLSearchParams({ limit: "100" });
      if (promoFilter) params.set("status", promoFilter);
      if (after) params.set("starting_after", after);
      const [categories, page] = await Promise.all([cached("/v1/catalog/categories?limit=100"), api("GET", `/v1/promotions?${params}`)]);
      const items = h("ul", { class: "bo-list" });
      const add = (p) => {
        const card = promotionCard(p, categories.data, (next) => card.replaceWith(add(next)));
        return card;
      };
      items.append(...page.data.map(add));
      const last = page.data[page.data.length - 1];
      const tail = h("div");
      if (page.has_more && last) tail.append(h("button", { type: "button", onclick: () => { tail.replaceChildren(); promotionsScreen(last.id, tail); } }, t("bo_more")));
      if (more) out.replaceChildren(items, tail); else out.replaceChildren(page.data.length ? items : h("p", { class: "muted" }, t("none")), tail);
    } catch (err) { out.replaceChildren(problemBox(err)); }
    ready("promotions");
  }

  async function newPromotionScreen() {
    const out = h("div", { id: "promotion-new" });
    render("promotions", h("h1", {}, t("bo_newPromotion")), promoTabs("new"), out);
    try {
      const [tenant, categories] = await Promise.all([cached("/v1/tenant"), cached("/v1/catalog/categories?limit=100")]);
      out.replaceChildren(h("section", { class: "card" }, promotionForm(tenant, categories.data, { onSaved: (created) => {
        tryNext = created.id;
        location.hash = "#/promotions/dry-run";
      } })));
    } catch (err) { out.replaceChildren(problemBox(err)); }
    ready("promotions");
  }

  /** One promotion in the form to edit it (PUT with its ETag); after a save, the new version and a way to try it. */
  async function promotionScreen(id, notice) {
    const out = h("div", { id: "promotion-edit" });
    render("promotion", h("p", {}, h("a", { href: "#/promotions" }, `← ${t("back")}`)), out);
    try {
      const [tenant, categories, read] = await Promise.all([cached("/v1/tenant"), cached("/v1/catalog/categories?limit=100"),
        call("GET", `/v1/promotions/${encodeURIComponent(id)}`)]);
      const p = read.data;
      const tryIt = p.status === "draft"
        ? h("button", { type: "button", "data-try": "", onclick: () => { tryNext = p.id; location.hash = "#/promotions/dry-run"; } }, t("bo_tryIt")) : null;
      const form = promotionForm(tenant, categories.data, {
        existing: read,
        onSaved: (saved) => promotionScreen(id, h("div", { class: "card ok", "data-saved": saved.version }, `${t("bo_saved")} ${saved.version}`)),
        onReload: () => promotionScreen(id),
      });
      out.replaceChildren(...[
        h("h1", {}, p.name, h("span", { class: "muted bo-version" }, ` · ${t(`bo_st_${p.status}`)} · ${t("bo_version")} ${p.version}`)),
        notice, p.status === "archived" ? h("p", { class: "muted" }, t("bo_archivedReadOnly")) : null,
        h("section", { class: "card" }, form), tryIt ? h("p", {}, tryIt) : null].filter(Boolean));
    } catch (err) { out.replaceChildren(problemBox(err)); }
    ready("promotion");
  }

  /** "SKU-1 × 2" / "SKU-1 2" / "SKU-1" per line → cart lines. */
  function parseCart(text) {
    const lines = [];
    text.split("\n").forEach((raw, i) => {
      const s = raw.trim();
      if (!s) return;
      const m = s.match(/^(\S+?)\s*(?:[×xX*]\s*|\s+)(\d+)$/) || s.match(/^(\S+)$/);
      if (!m) throw localProblem("lines", fill(t("bo_badLine"), { n: i + 1 }));
      lines.push({ sku: m[1], quantity: m[2] ? Number(m[2]) : 1 });
    });
    return lines;
  }

  /** The dry-run: the cart priced with what is in force, and again with the chosen drafts. */
  async function dryRunScreen() {
    const out = h("div", { id: "dry-run" });
    render("promotions", h("h1", {}, t("bo_dryRun")), promoTabs("dry-run"), out);
    try {
      const [tenant, drafts] = await Promise.all([cached("/v1/tenant"), api("GET", "/v1/promotions?status=draft&limit=100")]);
      const chosen = tryNext;
      const boxes = drafts.data.map((p) => h("label", { class: "check bo-draft" },
        checkbox("draft", chosen ? p.id === chosen : false, p.id), `${p.name} · ${effectText(p.effect, p.currency)}`));
      const cart = h("textarea", { name: "lines", rows: 4, placeholder: t("bo_cartHint"), "aria-label": t("bo_cart") });
      cart.value = sessionStorage.getItem("omni.bo.cart") || "";
      const channel = select("channel", ALL_CHANNELS.map((c) => [c, t(`ch_${c}`)]), sessionStorage.getItem("omni.bo.channel") || "web");
      const currency = select("currency", [...new Set(tenant.countries.map((c) => c.currency))].map((c) => [c, c]));
      const result = h("div", { id: "dry-run-result" });
      const form = h("form", { class: "bo-form", onsubmit: async (e) => {
        e.preventDefault();
        try {
          sessionStorage.setItem("omni.bo.cart", cart.value);
          sessionStorage.setItem("omni.bo.channel", channel.value);
          const picked = drafts.data.filter((p) => boxes.some((b) => b.firstChild.checked && b.firstChild.value === p.id));
          const body = {
            cart: { channel: channel.value, currency: currency.value, lines: parseCart(cart.value) },
            promotions: picked.map(({ name, reason, currency: cur, priority, stacking, conditions, effect, limits }) =>
              ({ name, reason, currency: cur, priority, stacking, conditions, effect, limits })),
          };
          const started = performance.now();
          const r = await api("POST", "/v1/pricing/dry-runs", body);
          markInvalid({ lines: cart }, null);
          result.replaceChildren(dryRunResult(r, Math.round(performance.now() - started)));
        } catch (err) { markInvalid({ lines: cart }, err); result.replaceChildren(problemBox(err)); }
        ready("dry-run");
      } },
      h("fieldset", { class: "bo-field wide" }, h("legend", {}, t("bo_tryDrafts")),
        boxes.length ? boxes : h("p", { class: "muted" }, t("bo_noDrafts"))),
      field(t("bo_cart"), cart, true), field(t("channel"), channel), field(t("bo_currency"), currency),
      h("div", { class: "bo-actions wide" }, h("button", { type: "submit", class: "primary" }, t("bo_run"))));
      out.replaceChildren(h("section", { class: "card" }, form), result);
      if (cart.value.trim() && chosen) form.requestSubmit();
    } catch (err) { out.replaceChildren(problemBox(err)); }
    ready("promotions");
  }

  function dryRunResult(r, ms) {
    const q = r.with_drafts;
    const m = (x) => money(x, q.currency);
    const inForce = new Set(r.current.promotions.map((p) => p.promotion_id));
    const named = new Map(q.promotions.map((p) => [p.promotion_id, p]));
    const explain = (d) => {
      const p = named.get(d.promotion_id);
      const draft = d.promotion_id && !inForce.has(d.promotion_id);
      return h("li", { class: draft ? "bo-discount draft" : "bo-discount", "data-discount": d.promotion_id || "price-list" },
        h("strong", {}, `− ${m(d.amount)}`), " ", p ? `${p.name}: ` : "", d.reason, " ",
        h("span", { class: draft ? "chip on" : "chip" }, draft ? t("bo_draftTag") : t("bo_inForce")));
    };
    const before = new Map(r.current.lines.map((l, i) => [i, l]));
    return h("section", { class: "card", "data-dry-run": r.total_change },
      h("div", { class: "bo-scroll" }, h("table", { class: "lines bo-dry" },
        h("thead", {}, h("tr", {}, [t("bo_line"), t("bo_price"), t("bo_now"), t("bo_withDrafts")].map((c) => h("th", {}, c)))),
        h("tbody", {}, q.lines.map((l, i) => h("tr", { "data-sku": l.sku },
          h("td", {}, h("div", {}, `${l.sku} × ${l.quantity}`),
            l.discounts.length ? h("ul", { class: "bo-discounts" }, l.discounts.map(explain)) : h("div", { class: "muted" }, t("bo_noDiscount"))),
          h("td", { class: "num" }, m(l.unit_price)),
          h("td", { class: "num" }, m((before.get(i) || l).total)),
          h("td", { class: "num" }, h("strong", {}, m(l.total)))))))),
      h("dl", { class: "kv" },
        h("dt", {}, t("subtotal")), h("dd", {}, m(q.subtotal)),
        h("dt", {}, `${t("total")} · ${t("bo_now")}`), h("dd", {}, m(r.current.total)),
        h("dt", {}, `${t("total")} · ${t("bo_withDrafts")}`), h("dd", { "data-total": q.total }, m(q.total)),
        h("dt", {}, t("bo_change")), h("dd", { "data-change": r.total_change }, `${r.total_change > 0 ? "+" : ""}${m(r.total_change)}`)),
      h("h2", {}, t("bo_applied")),
      q.promotions.length ? h("ul", { class: "bo-applied" }, q.promotions.map((p) => h("li", {},
        h("strong", {}, p.name), ` — ${p.reason}`,
        [p.discount ? ` · − ${m(p.discount)}` : "", p.gift_points ? ` · +${p.gift_points} ${t("bo_giftPoints")}` : "",
          p.free_delivery ? ` · ${t("bo_freeDelivery")}` : "", p.coupon ? ` · ${t("bo_coupon")} ${p.coupon}` : ""].join(""),
        inForce.has(p.promotion_id) ? "" : ` (${t("bo_draftTag")})`))) : h("p", { class: "muted" }, t("bo_noDiscount")),
      h("p", { class: "muted" }, `${ms} ${t("bo_ms")}`));
  }

  // ---- segments -----------------------------------------------------------------------

  function ruleText(rule, currency) {
    const [kind, v] = Object.entries(rule)[0] || [];
    switch (kind) {
      case "all": return v.length ? v.map((r) => ruleText(r, currency)).join(t("bo_and")) : t("bo_everyone");
      case "any": return v.length ? `(${v.map((r) => ruleText(r, currency)).join(t("bo_or"))})` : "∅";
      case "not": return `${t("bo_not")} (${ruleText(v, currency)})`;
      case "tier_is": return `${t("bo_tier")} = ${v}`;
      case "tier_at_least": return `${t("bo_tier")} ≥ ${v}`;
      case "city_is": return `${t("bo_city")} = ${v}`;
      case "spent_90d_over": return `${t("bo_spent")} ${money(v, currency)}`;
      case "points_at_least": return `${t("points")} ≥ ${v}`;
      case "consented": return `${t("bo_consentTo")} ${t(`bo_purpose_${v.purpose}`)}${v.channel ? ` (${t(`bo_cc_${v.channel}`)})` : ""}`;
      default: return JSON.stringify(rule);
    }
  }

  function segmentCard(s, currency) {
    const count = h("span", { "data-members": s.member_count ?? "" },
      s.member_count === null || s.member_count === undefined ? t("bo_notMaterialized") : `${s.member_count} ${t("bo_members")}`);
    const at = h("span", { class: "muted" }, s.materialized_at ? ` · ${when(s.materialized_at)}` : "");
    const outcome = h("div");
    const button = h("button", { type: "button", class: "primary", "data-materialize": s.id, onclick: async () => {
      button.disabled = true;
      try {
        const r = await api("POST", `/v1/segments/${s.id}/materialization`);
        count.dataset.members = r.member_count;
        count.textContent = `${r.member_count} ${t("bo_members")}`;
        at.textContent = ` · ${when(new Date().toISOString())}`;
        outcome.replaceChildren(h("p", { class: "bo-outcome", "data-materialized": r.member_count, "data-base": r.base_size },
          `${t("bo_materialized")}: ${r.member_count} ${t("bo_members")} ${t("bo_ofBase")} ${r.base_size} · ` +
          `${t("bo_evaluate")} ${r.evaluate_ms} ${t("bo_ms")} · ${t("bo_store")} ${r.store_ms} ${t("bo_ms")} · ` +
          (r.snapshot_loaded ? t("bo_snapshotLoaded") : `${t("bo_refreshed")}: ${r.refreshed_customers}`)));
      } catch (err) { outcome.replaceChildren(problemBox(err)); }
      button.disabled = false;
    } }, t("bo_materialize"));
    return h("li", { class: "card bo-item", "data-segment": s.id },
      h("div", { class: "bo-head" }, h("strong", {}, s.name), h("span", {}, count, at)),
      h("div", { class: "muted" }, ruleText(s.rule, currency)),
      h("div", { class: "bo-actions" }, button), outcome);
  }

  function segmentForm(currency, onCreated) {
    const f = {
      name: input("name", { required: true, maxlength: 200 }),
      match: select("match", [["all", t("bo_matchAll")], ["any", t("bo_matchAny")]]),
      tier_mode: select("tier_mode", [["tier_at_least", t("bo_tierAtLeast")], ["tier_is", t("bo_tierIs")]]),
      tier: select("tier", [["", t("bo_tierAny")], ...TIERS.map((x) => [x, x])]),
      city: input("city", { maxlength: 100 }),
      spent: input("spent", { inputmode: "decimal", placeholder: currency }),
      points: input("points", { type: "number", min: 0 }),
      purpose: select("purpose", [["", t("bo_consentNone")], ...["marketing", "personalisation", "profiling"].map((p) => [p, t(`bo_purpose_${p}`)])]),
      consent_channel: select("consent_channel", [["", t("bo_anyChannel")], ...["sms", "email", "push", "messenger", "call"].map((c) => [c, t(`bo_cc_${c}`)])]),
    };
    const errors = h("div");
    const build = () => {
      const parts = [];
      if (f.tier.value) parts.push({ [f.tier_mode.value]: f.tier.value });
      if (f.city.value.trim()) parts.push({ city_is: f.city.value.trim() });
      if (f.spent.value.trim()) {
        const v = toMinor(f.spent.value, currency);
        if (Number.isNaN(v)) throw localProblem("spent", t("bo_needNumber"));
        parts.push({ spent_90d_over: v });
      }
      const pts = int(f.points.value);
      if (Number.isNaN(pts)) throw localProblem("points", t("bo_needNumber"));
      if (pts !== null) parts.push({ points_at_least: pts });
      if (f.purpose.value) parts.push({ consented: { purpose: f.purpose.value, channel: f.consent_channel.value || null } });
      return { name: f.name.value.trim(), rule: { [f.match.value]: parts } };
    };
    return h("form", { class: "bo-form", "data-form": "segment", novalidate: true, onsubmit: async (e) => {
      e.preventDefault();
      try {
        const created = await api("POST", "/v1/segments", build());
        markInvalid({ name: f.name, rule: f.tier, spent: f.spent, points: f.points }, null);
        errors.replaceChildren();
        e.target.reset();
        onCreated(created);
      } catch (err) { markInvalid({ name: f.name, rule: f.tier, spent: f.spent, points: f.points }, err); errors.replaceChildren(problemBox(err)); }
    } },
    field(t("bo_name"), f.name, true), field(t("bo_match"), f.match),
    h("div", { class: "bo-field" }, h("span", {}, t("bo_tier")), h("div", { class: "bo-pair" }, f.tier_mode, f.tier)),
    field(t("bo_city"), f.city), field(`${t("bo_spent")}, ${currency}`, f.spent), field(t("bo_pointsAtLeast"), f.points),
    h("div", { class: "bo-field" }, h("span", {}, t("bo_consent")), h("div", { class: "bo-pair" }, f.purpose, f.consent_channel)),
    h("div", { class: "bo-actions wide" }, h("button", { type: "submit", class: "primary" }, t("create"))), errors);
  }

  async function segmentsScreen() {
    const out = h("div", { id: "segments" });
    render("segments", h("h1", {}, t("bo_segments")), out);
    try {
      const [tenant, segments] = await Promise.all([cached("/v1/tenant"), api("GET", "/v1/segments")]);
      const currency = tenant.countries[0].currency;
      const items = h("ul", { class: "bo-list" }, segments.data.map((s) => segmentCard(s, currency)));
      out.replaceChildren(
        h("section", { class: "card" }, h("h2", {}, t("bo_newSegment")), segmentForm(currency, (s) => {
          cache.delete(`${session.key}|/v1/segments`);
          const card = segmentCard(s, currency);
          card.classList.add("bo-new");
          items.prepend(card);
        })),
        items);
    } catch (err) { out.replaceChildren(problemBox(err)); }
    ready("segments");
  }

  // ---- trigger chains -----------------------------------------------------------------

  const COND_KINDS = ["data_at_least", "data_at_most", "data_equals", "data_exists", "segment", "not_segment", "tier_at_least"];
  const EVENTS = ["cart.updated", "cart.cleared", "order.placed", "order.ready_for_pickup", "order.picked_up", "order.shipped",
    "order.delivered", "customer.created", "customer.birthday", "customer.near_store", "segment.materialized"];

  function conditionText(c) {
    const [kind, v] = Object.entries(c)[0];
    switch (kind) {
      case "data_at_least": return `${v.path} ≥ ${v.value}`;
      case "data_at_most": return `${v.path} ≤ ${v.value}`;
      case "data_equals": return `${v.path} = ${JSON.stringify(v.value)}`;
      case "data_exists": return `${t("bo_c_data_exists")} ${v.path}`;
      case "tier_at_least": return `${t("bo_tier")} ≥ ${v}`;
      default: return `${t(`bo_c_${kind}`)} ${v}`;
    }
  }

  function actionText(a) {
    if (a.kind === "gift_points") return `${t("bo_a_gift_points")} ${a.points}`;
    return `${t(`bo_a_${a.kind}`)} «${a.template}»`;
  }

  function gateText(g) {
    switch (g.decision) {
      case "send": return `${t("bo_g_send")} · ${t(`bo_cc_${g.channel}`)}`;
      case "apply": return t("bo_g_apply");
      case "defer": return `${t("bo_g_defer")} ${when(g.until)}`;
      case "drop": return `${t("bo_g_drop")}: ${t(`bo_r_${g.reason}`)}`;
      default: return g.decision;
    }
  }

  async function triggersScreen() {
    const out = h("div", { id: "triggers" });
    render("triggers", h("h1", {}, t("bo_triggers")),
      h("p", {}, h("a", { href: "#/triggers/new", class: "button primary", "data-new-chain": "" }, `+ ${t("bo_newChain")}`)), out);
    try {
      const [chains, firings] = await Promise.all([api("GET", "/v1/engagement/triggers"),
        api("GET", "/v1/engagement/triggers/firings?limit=20").catch((err) => err)]);
      const names = new Map(chains.map(({ chain }) => [chain.id, chain.name]));
      out.replaceChildren(
        h("ul", { class: "bo-list" }, chains.map(({ chain: c, version }) => h("li", { class: "card bo-item", "data-chain": c.id, "data-version": version },
          h("div", { class: "bo-head" }, h("a", { href: `#/triggers/${encodeURIComponent(c.id)}`, class: "name" }, c.name),
            h("span", { class: c.active ? "chip on" : "chip" }, c.active ? t("bo_inForce") : t("bo_off"))),
          h("div", {}, [`${t("bo_chainOn")} ${c.on}`, c.conditions.length ? c.conditions.map(conditionText).join(t("bo_and")) : null,
            c.wait_minutes ? `${t("bo_wait")}: ${c.wait_minutes}` : null, actionText(c.action)].filter(Boolean).join(" → ")),
          h("div", { class: "muted" }, [c.unless.length ? `${t("bo_unlessShort")} ${c.unless.join(", ")}` : null,
            t(`bo_p_${c.purpose}`), `≤ ${c.max_per_customer_per_day} ${t("bo_perDay")}`, `${t("bo_version")} ${version}`,
            c.id].filter(Boolean).join(" · ")),
          h("div", { class: "bo-actions" }, h("a", { href: `#/triggers/${encodeURIComponent(c.id)}`, class: "button", "data-edit": c.id }, t("bo_edit")))))),
        h("h2", { class: "queue-title" }, t("bo_firings")),
        firings instanceof Error ? problemBox(firings) : firings.data.length ? h("div", { class: "bo-scroll" }, h("table", { "data-firings": firings.data.length },
          h("thead", {}, h("tr", {}, [t("bo_when"), t("bo_chain"), t("bo_result"), t("bo_customer")].map((c) => h("th", {}, c)))),
          h("tbody", {}, firings.data.map((f) => h("tr", { "data-firing": f.id, "data-decision": f.gate.decision },
            h("td", {}, when(f.at)), h("td", {}, names.get(f.chain_id) || f.chain_id),
            h("td", {}, gateText(f.gate), f.points ? ` · +${f.points}` : "", f.text ? h("div", { class: "muted" }, f.text) : null),
            h("td", { class: "bo-id" }, f.customer_id)))))) : h("p", { class: "muted" }, t("bo_noFirings")));
    } catch (err) { out.replaceChildren(problemBox(err)); }
    ready("triggers");
  }

  function conditionRow(c, segmentNames) {
    const [kind, v] = c ? Object.entries(c)[0] : ["data_at_least", { path: "", value: 1 }];
    const kindSel = select("cond_kind", COND_KINDS.map((k) => [k, t(`bo_c_${k}`)]), kind);
    const path = input("cond_path", { placeholder: t("bo_path"), "aria-label": t("bo_path"), value: v && v.path !== undefined ? v.path : "" });
    const value = input("cond_value", { placeholder: t("bo_value"), "aria-label": t("bo_value"),
      value: v && v.value !== undefined ? (typeof v.value === "string" && kind === "data_equals" ? v.value : JSON.stringify(v.value)) : "" });
    const segment = input("cond_segment", { list: "bo-segment-names", placeholder: t("bo_c_segment"), "aria-label": t("bo_c_segment"),
      value: kind === "segment" || kind === "not_segment" ? v : "" });
    const tier = select("cond_tier", TIERS.map((x) => [x, x]), kind === "tier_at_least" ? v : "silver");
    const sync = () => {
      const k = kindSel.value;
      path.hidden = !k.startsWith("data_");
      value.hidden = !k.startsWith("data_") || k === "data_exists";
      segment.hidden = k !== "segment" && k !== "not_segment";
      tier.hidden = k !== "tier_at_least";
    };
    kindSel.addEventListener("change", sync);
    sync();
    const row = h("div", { class: "bo-cond", "data-condition": "" }, kindSel, path, value, segment, tier,
      h("button", { type: "button", class: "bo-remove", "aria-label": t("bo_remove"), onclick: () => row.remove() }, "×"));
    row.read = (i) => {
      const k = kindSel.value;
      if (k === "segment" || k === "not_segment") return { [k]: segment.value.trim() };
      if (k === "tier_at_least") return { tier_at_least: tier.value };
      if (k === "data_exists") return { data_exists: { path: path.value.trim() } };
      if (k === "data_equals") {
        let val = value.value.trim();
        try { val = JSON.parse(val); } catch { /* a bare word is a string */ }
        return { data_equals: { path: path.value.trim(), value: val } };
      }
      const n = int(value.value);
      if (n === null || Number.isNaN(n)) throw localProblem(`conditions[${i}].value`, t("bo_needNumber"));
      return { [k]: { path: path.value.trim(), value: n } };
    };
    return row;
  }

  /** One chain's editor: `id` undefined for a new chain (saved with If-Match "0"). */
  async function chainScreen(id, notice) {
    const out = h("div", { id: "chain" });
    render("trigger", h("p", {}, h("a", { href: "#/triggers" }, `← ${t("back")}`)), out);
    try {
      const [read, segments] = await Promise.all([
        id ? call("GET", `/v1/engagement/triggers/${encodeURIComponent(id)}`) : Promise.resolve({ data: null, etag: '"0"' }),
        api("GET", "/v1/segments").catch(() => ({ data: [] }))]);
      const c = read.data || { id: "", name: "", on: "cart.updated", conditions: [], wait_minutes: 0, action: { kind: "message", template: "" },
        unless: [], purpose: "marketing", max_per_customer_per_day: 1, active: true };
      const etag = read.etag;
      const version = Number(String(etag || "0").replace(/\D/g, "")) || 0;
      const f = {
        id: input("id", { required: true, maxlength: 64, value: c.id, readonly: !!id, autocapitalize: "none" }),
        name: input("name", { required: true, maxlength: 200, value: c.name }),
        on: input("on", { required: true, list: "bo-events", value: c.on, autocapitalize: "none" }),
        wait_minutes: input("wait_minutes", { type: "number", min: 0, value: String(c.wait_minutes) }),
        action_kind: select("action_kind", ["message", "push", "gift_points"].map((k) => [k, t(`bo_a_${k}`)]), c.action.kind),
        template: input("template", { value: c.action.template || "", autocapitalize: "none" }),
        points: input("action_points", { type: "number", min: 1, value: c.action.points ? String(c.action.points) : "" }),
        unless: input("unless", { value: c.unless.join(", "), autocapitalize: "none" }),
        purpose: select("purpose", [["marketing", t("bo_p_marketing")], ["service", t("bo_p_service")]], c.purpose),
        max: input("max_per_customer_per_day", { type: "number", min: 1, max: 50, value: String(c.max_per_customer_per_day) }),
        active: checkbox("active", c.active),
      };
      const segmentNames = segments.data.map((s) => s.name);
      const conds = h("div", { class: "bo-conds" }, c.conditions.map((x) => conditionRow(x, segmentNames)));
      const templateField = field(t("bo_template"), f.template);
      const pointsField = field(t("points"), f.points);
      const syncAction = () => { templateField.hidden = f.action_kind.value === "gift_points"; pointsField.hidden = !templateField.hidden; };
      f.action_kind.addEventListener("change", syncAction);
      syncAction();
      const status = h("div", { "aria-live": "polite" });
      if (notice) status.append(notice);
      const controls = { id: f.id, name: f.name, on: f.on, wait_minutes: f.wait_minutes, "action.template": f.template, "action.points": f.points,
        unless: f.unless, max_per_customer_per_day: f.max, conditions: conds };
      const build = () => {
        const wait = int(f.wait_minutes.value);
        if (wait === null || Number.isNaN(wait) || wait < 0) throw localProblem("wait_minutes", t("bo_needNumber"));
        const max = int(f.max.value);
        if (max === null || Number.isNaN(max)) throw localProblem("max_per_customer_per_day", t("bo_needNumber"));
        let action;
        if (f.action_kind.value === "gift_points") {
          const pts = int(f.points.value);
          if (pts === null || Number.isNaN(pts)) throw localProblem("action.points", t("bo_needNumber"));
          action = { kind: "gift_points", points: pts };
        } else action = { kind: f.action_kind.value, template: f.template.value.trim() };
        return {
          id: f.id.value.trim(), name: f.name.value.trim(), on: f.on.value.trim(),
          conditions: [...conds.children].map((row, i) => row.read(i)),
          wait_minutes: wait, action, unless: f.unless.value.split(/[\s,;]+/).filter(Boolean),
          purpose: f.purpose.value, max_per_customer_per_day: max, active: f.active.checked,
        };
      };
      const save = h("button", { type: "submit", class: "primary", "data-save": "" }, t("bo_save"));
      const form = h("form", { class: "bo-form", "data-chain-form": id || "new", "data-version": version, novalidate: true, onsubmit: async (e) => {
        e.preventDefault();
        save.disabled = true;
        try {
          const body = build();
          const key = encodeURIComponent(body.id);
          const res = await call("PUT", `/v1/engagement/triggers/${key}`, body, session.key, { "If-Match": id ? etag : '"0"' });
          const saved = Number(String(res.etag || "").replace(/\D/g, ""));
          if (!id) history.replaceState(null, "", `#/triggers/${key}`);
          chainScreen(body.id, h("div", { class: "card ok", "data-saved": saved }, `${t("bo_saved")} ${saved}`));
          return;
        } catch (err) {
          markInvalid(controls, err);
          if (id && (err.status === 412 || err.status === 409)) {
            status.replaceChildren(conflictBox(err, t("bo_conflict"), () => chainScreen(id)));
          } else {
            if (err.status === 409) f.id.classList.add("invalid"); // a new chain under a key already taken
            status.replaceChildren(problemBox(err));
          }
        }
        save.disabled = false;
      } },
      field(t("bo_id"), f.id), field(t("bo_name"), f.name),
      field(t("bo_on"), f.on), field(t("bo_wait"), f.wait_minutes),
      h("fieldset", { class: "bo-field wide" }, h("legend", {}, t("bo_conditions")), conds,
        h("button", { type: "button", "data-add-condition": "", onclick: () => conds.append(conditionRow(null, segmentNames)) }, `+ ${t("bo_addCondition")}`)),
      field(t("bo_action"), f.action_kind), templateField, pointsField,
      field(t("bo_unless"), f.unless, true), field(t("bo_purpose"), f.purpose), field(t("bo_cap"), f.max),
      h("div", { class: "bo-field wide bo-checks" }, h("label", { class: "check" }, f.active, t("bo_activeChain"))),
      h("div", { class: "bo-actions wide" }, save),
      h("datalist", { id: "bo-events" }, EVENTS.map((ev) => h("option", { value: ev }))),
      h("datalist", { id: "bo-segment-names" }, segmentNames.map((n) => h("option", { value: n }))));
      out.replaceChildren(h("h1", {}, id ? c.name : t("bo_newChain"),
        id ? h("span", { class: "muted bo-version" }, ` · ${t("bo_version")} ${version}`) : null), status, h("section", { class: "card" }, form));
    } catch (err) { out.replaceChildren(problemBox(err)); }
    ready("trigger");
  }

  // ---- locations (admin) --------------------------------------------------------------

  const LKINDS = ["store", "warehouse", "pickup_point", "partner_point"];
  const CAPS = ["sell_in_store", "pickup", "ship_from_store", "fulfilment", "express_delivery", "returns"];
  let locationKind = "";

  async function locationsScreen(after, more) {
    const out = more || h("div", { id: "locations" });
    if (!more) {
      const filters = h("div", { class: "chips" }, ["", ...LKINDS].map((k) =>
        h("button", { type: "button", class: locationKind === k ? "chip on" : "chip", "data-kind": k,
          onclick: () => { locationKind = k; locationsScreen(); } }, k ? t(`bo_lk_${k}`) : t("bo_all"))));
      render("locations", h("h1", {}, t("bo_locations")),
        h("p", {}, h("a", { href: "#/locations/new", class: "button primary", "data-new-location": "" }, `+ ${t("bo_newLocation")}`)), filters, out);
    }
    try {
      const params = new URLSearchParams({ limit: "100" });
      if (locationKind) params.set("kind", locationKind);
      if (after) params.set("starting_after", after);
      const page = await api("GET", `/v1/locations?${params}`);
      const rows = page.data.map((l) => h("tr", { "data-location": l.id, "data-code": l.code },
        h("td", {}, h("a", { href: `#/locations/${l.id}` }, l.code)), h("td", {}, l.name),
        h("td", {}, t(`bo_lk_${l.kind}`)), h("td", {}, l.city), h("td", {}, t(`bo_ls_${l.status}`))));
      const last = page.data[page.data.length - 1];
      const tail = h("div");
      if (page.has_more && last) tail.append(h("button", { type: "button", onclick: () => { tail.replaceChildren(); locationsScreen(last.id, tail); } }, t("bo_more")));
      out.replaceChildren(h("div", { class: "bo-scroll" }, h("table", { class: "bo-locations" },
        h("thead", {}, h("tr", {}, [t("bo_code"), t("bo_name"), t("bo_lkind"), t("bo_city"), t("bo_status")].map((c) => h("th", {}, c)))),
        h("tbody", {}, rows))), tail);
    } catch (err) { out.replaceChildren(problemBox(err)); }
    ready("locations");
  }

  function hoursEditor(hours) {
    const rows = DAYS.map((d) => {
      const span = (hours && hours[d] && hours[d][0]) || null;
      const open = input(`open_${d}`, { value: span ? span.open : "", placeholder: "10:00", inputmode: "numeric", maxlength: 5, size: 5, "aria-label": `${t(`bo_d_${d}`)} open` });
      const close = input(`close_${d}`, { value: span ? span.close : "", placeholder: "22:00", inputmode: "numeric", maxlength: 5, size: 5, "aria-label": `${t(`bo_d_${d}`)} close` });
      return { d, open, close, el: h("div", { class: "bo-day" }, h("span", {}, t(`bo_d_${d}`)), open, "–", close) };
    });
    const copy = h("button", { type: "button", "data-same-hours": "", onclick: () => {
      for (const r of rows.slice(1)) { r.open.value = rows[0].open.value; r.close.value = rows[0].close.value; }
    } }, t("bo_sameAll"));
    const el = h("fieldset", { class: "bo-field wide" }, h("legend", {}, t("bo_hours")), h("div", { class: "bo-days" }, rows.map((r) => r.el)), copy);
    el.read = () => {
      const week = {};
      for (const r of rows) {
        const [o, c] = [r.open.value.trim(), r.close.value.trim()];
        if (!o && !c) continue;
        for (const [v, w] of [[o, "open"], [c, "close"]]) {
          if (!/^\d{2}:\d{2}$/.test(v)) throw localProblem(`opening_hours.${r.d}[0].${w}`, t("bo_needTime"));
        }
        week[r.d] = [{ open: o, close: c }];
      }
      return week;
    };
    return el;
  }

  /** Create (`id` undefined) or edit one location. */
  async function locationScreen(id, notice) {
    const out = h("div", { id: "location" });
    render("location", h("p", {}, h("a", { href: "#/locations" }, `← ${t("back")}`)), out);
    try {
      const [read, tenant] = await Promise.all([
        id ? call("GET", `/v1/locations/${encodeURIComponent(id)}`) : Promise.resolve({ data: null, etag: null }), cached("/v1/tenant")]);
      const l = read.data || { code: "", name: "", kind: "store", country: tenant.countries[0].code, city: "", address: "",
        geo: { lat: "", lon: "" }, time_zone: "", opening_hours: {}, capabilities: ["sell_in_store", "pickup", "returns"], daily_order_capacity: null, status: "active" };
      const f = {
        code: input("code", { required: true, maxlength: 32, value: l.code, readonly: !!id, autocapitalize: "characters" }),
        name: input("name", { required: true, maxlength: 200, value: l.name }),
        kind: select("kind", LKINDS.map((k) => [k, t(`bo_lk_${k}`)]), l.kind),
        country: select("country", tenant.countries.map((c) => [c.code, c.code]), l.country),
        status: select("status", ["active", "temporarily_closed", "closed"].map((s) => [s, t(`bo_ls_${s}`)]), l.status),
        city: input("city", { required: true, maxlength: 100, value: l.city }),
        address: input("address", { required: true, maxlength: 500, value: l.address }),
        lat: input("lat", { type: "number", step: "any", min: -90, max: 90, value: String(l.geo.lat) }),
        lon: input("lon", { type: "number", step: "any", min: -180, max: 180, value: String(l.geo.lon) }),
        time_zone: input("time_zone", { value: id ? l.time_zone : "", placeholder: "Europe/Moscow", autocapitalize: "none" }),
        capacity: input("daily_order_capacity", { type: "number", min: 0, value: l.daily_order_capacity ?? "" }),
      };
      if (id) { f.kind.disabled = true; f.country.disabled = true; }
      const hours = hoursEditor(l.opening_hours);
      const caps = CAPS.map((cap) => checkbox("capability", l.capabilities.includes(cap), cap));
      const status = h("div", { "aria-live": "polite" });
      if (notice) status.append(notice);
      const controls = { code: f.code, name: f.name, country: f.country, city: f.city, address: f.address, geo: f.lat, "geo.lon": f.lon,
        time_zone: f.time_zone, opening_hours: hours, daily_order_capacity: f.capacity };
      const build = () => {
        const num = (el, name) => {
          const v = Number(el.value);
          if (el.value.trim() === "" || !Number.isFinite(v)) throw localProblem(name, t("bo_needNumber"));
          return v;
        };
        const geo = { lat: num(f.lat, "geo.lat"), lon: num(f.lon, "geo.lon") };
        const capacity = int(f.capacity.value);
        if (Number.isNaN(capacity)) throw localProblem("daily_order_capacity", t("bo_needNumber"));
        const body = {
          name: f.name.value.trim(), city: f.city.value.trim(), address: f.address.value.trim(), geo,
          opening_hours: hours.read(), capabilities: caps.filter((c) => c.checked).map((c) => c.value), daily_order_capacity: capacity,
        };
        if (f.time_zone.value.trim()) body.time_zone = f.time_zone.value.trim();
        if (id) body.status = f.status.value;
        else Object.assign(body, { code: f.code.value.trim(), kind: f.kind.value, country: f.country.value, time_zone: body.time_zone ?? null });
        return body;
      };
      const save = h("button", { type: "submit", class: "primary", "data-save": "" }, id ? t("bo_save") : t("create"));
      const form = h("form", { class: "bo-form", "data-location-form": id || "new", novalidate: true, onsubmit: async (e) => {
        e.preventDefault();
        save.disabled = true;
        try {
          const body = build();
          const res = id
            ? await call("PATCH", `/v1/locations/${encodeURIComponent(id)}`, body, session.key, { "If-Match": read.etag })
            : await call("POST", "/v1/locations", body);
          const msg = h("div", { class: "card ok", "data-saved": res.data.version }, id ? `${t("bo_saved")} ${res.data.version}` : t("bo_locationCreated"));
          if (!id) history.replaceState(null, "", `#/locations/${res.data.id}`);
          locationScreen(res.data.id, msg);
          return;
        } catch (err) {
          markInvalid(controls, err);
          status.replaceChildren(err.status === 412 ? conflictBox(err, t("bo_locConflict"), () => locationScreen(id)) : problemBox(err));
        }
        save.disabled = false;
      } },
      field(t("bo_code"), f.code), field(t("bo_name"), f.name), field(t("bo_lkind"), f.kind), field(t("bo_country"), f.country),
      id ? field(t("bo_status"), f.status) : null,
      field(t("bo_city"), f.city), field(t("bo_address"), f.address, true), field(t("bo_lat"), f.lat), field(t("bo_lon"), f.lon),
      field(t("bo_tz"), f.time_zone), field(t("bo_capacity"), f.capacity), hours,
      h("fieldset", { class: "bo-field wide chips" }, h("legend", {}, t("bo_caps")),
        caps.map((c) => h("label", { class: "check chip" }, c, t(`bo_cap_${c.value}`)))),
      h("div", { class: "bo-actions wide" }, save));
      out.replaceChildren(h("h1", {}, id ? `${l.code} · ${l.name}` : t("bo_newLocation"),
        id ? h("span", { class: "muted bo-version" }, ` · ${t("bo_version")} ${l.version}`) : null), status, h("section", { class: "card" }, form));
    } catch (err) { out.replaceChildren(problemBox(err)); }
    ready("location");
  }

  Object.assign(SCREENS, {
    promotions: (arg) => (arg === "new" ? newPromotionScreen() : arg === "dry-run" ? dryRunScreen() : arg ? promotionScreen(arg) : promotionsScreen()),
    segments: () => segmentsScreen(),
    triggers: (arg) => (arg === "new" ? chainScreen(undefined) : arg ? chainScreen(arg) : triggersScreen()),
    locations: (arg) => (arg === "new" ? locationScreen(undefined) : arg ? locationScreen(arg) : locationsScreen()),
  });
})();
