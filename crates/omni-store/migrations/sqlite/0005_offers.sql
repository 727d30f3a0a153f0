-- Offers: price lists, promotions with their usage counters, coupons, committed sales (what
-- each sale redeemed, so a cancellation gives back exactly that), the loyalty programme,
-- members' points wallets and the double-entry points journal. The CHECK constraints are the
-- last line of the exactly-once rules: no race can push a coupon, a limit or a budget past
-- its cap, or a wallet below zero.

CREATE TABLE offer_rules_version (
    tenant_id   TEXT PRIMARY KEY REFERENCES tenants(id),
    version     INTEGER NOT NULL
);

CREATE TABLE offer_price_lists (
    tenant_id   TEXT NOT NULL REFERENCES tenants(id),
    id          TEXT NOT NULL,
    currency    TEXT NOT NULL,
    doc         TEXT NOT NULL,
    updated_at  INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, id)
);

CREATE TABLE offer_promotions (
    tenant_id     TEXT NOT NULL REFERENCES tenants(id),
    id            TEXT NOT NULL,
    status        TEXT NOT NULL,
    doc           TEXT NOT NULL,
    uses          INTEGER NOT NULL DEFAULT 0,
    spent         INTEGER NOT NULL DEFAULT 0,
    total_limit   INTEGER,
    budget        INTEGER,
    per_customer  INTEGER,
    version       INTEGER NOT NULL,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, id),
    CHECK (uses >= 0),
    CHECK (total_limit IS NULL OR uses <= total_limit),
    CHECK (budget IS NULL OR spent <= budget)
);
CREATE INDEX offer_promotions_by_status ON offer_promotions (tenant_id, status);

CREATE TABLE offer_promotion_customer_uses (
    tenant_id     TEXT NOT NULL,
    promotion_id  TEXT NOT NULL,
    customer_id   TEXT NOT NULL,
    uses          INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, promotion_id, customer_id),
    CHECK (uses >= 0)
);
CREATE INDEX offer_customer_uses_by_customer ON offer_promotion_customer_uses (tenant_id, customer_id);

CREATE TABLE offer_coupons (
    tenant_id     TEXT NOT NULL,
    code          TEXT NOT NULL,
    promotion_id  TEXT NOT NULL,
    max_uses      INTEGER NOT NULL,
    uses          INTEGER NOT NULL DEFAULT 0,
    created_at    INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, code),
    CHECK (uses >= 0 AND uses <= max_uses)
);
CREATE INDEX offer_coupons_by_promotion ON offer_coupons (tenant_id, promotion_id);

CREATE TABLE offer_sales (
    tenant_id    TEXT NOT NULL REFERENCES tenants(id),
    reference    TEXT NOT NULL,
    customer_id  TEXT,
    status       TEXT NOT NULL,
    total        INTEGER NOT NULL,
    quote        TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, reference)
);
CREATE INDEX offer_sales_by_customer ON offer_sales (tenant_id, customer_id, created_at);

CREATE TABLE loyalty_programs (
    tenant_id   TEXT NOT NULL REFERENCES tenants(id),
    currency    TEXT NOT NULL,
    doc         TEXT NOT NULL,
    updated_at  INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, currency)
);

CREATE TABLE loyalty_wallets (
    tenant_id    TEXT NOT NULL,
    customer_id  TEXT NOT NULL,
    available    INTEGER NOT NULL,
    pending      INTEGER NOT NULL,
    lots         TEXT NOT NULL,
    updated_at   INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, customer_id),
    CHECK (available >= 0),
    CHECK (pending >= 0)
);

CREATE TABLE loyalty_postings (
    tenant_id    TEXT NOT NULL,
    id           TEXT NOT NULL,
    customer_id  TEXT NOT NULL,
    kind         TEXT NOT NULL,
    debit        TEXT NOT NULL,
    credit       TEXT NOT NULL,
    points       INTEGER NOT NULL,
    reference    TEXT NOT NULL,
    at           INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, id),
    CHECK (points > 0)
);
CREATE INDEX loyalty_postings_by_customer ON loyalty_postings (tenant_id, customer_id, id);

-- Base and sale price history per SKU: one row per change of a SKU's entry in a price list
-- (base NULL: the SKU left the list).
CREATE TABLE offer_price_history (
    tenant_id      TEXT NOT NULL,
    sku            TEXT NOT NULL,
    price_list_id  TEXT NOT NULL,
    base           INTEGER,
    sale           INTEGER,
    changed_at     INTEGER NOT NULL,
    seq            INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, sku, changed_at, seq)
);
