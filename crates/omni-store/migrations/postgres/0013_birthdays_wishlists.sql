-- Birthdays and wishlists, the producers of `customer.birthday` and `customer.near_store`.
-- `customers.birth_md` is the birth date's month * 100 + day (NULL when unknown; personal
-- data, cleared with the profile on erasure): the birthday producer finds a day's birthdays
-- through the index instead of reading every profile.
ALTER TABLE customers ADD COLUMN birth_md BIGINT;
CREATE INDEX customers_by_birthday ON customers (tenant_id, birth_md, id);

-- One `customer.birthday` event per customer and year: inserted in the event's transaction
-- with ON CONFLICT DO NOTHING, so repeated runs and racing nodes record it once.
CREATE TABLE birthday_events (
    tenant_id    TEXT NOT NULL,
    customer_id  TEXT NOT NULL,
    year         BIGINT NOT NULL,
    event_id     TEXT NOT NULL,
    at           BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, customer_id, year)
);

-- A customer's wishlist: SKU codes in the customer's order (deleted on erasure).
CREATE TABLE customer_wishlist (
    tenant_id    TEXT NOT NULL,
    customer_id  TEXT NOT NULL,
    sku          TEXT NOT NULL,
    position     BIGINT NOT NULL,
    added_at     BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, customer_id, sku)
);

-- The birthday producer's lease: one node at a time produces.
INSERT INTO relay_state (name, position) VALUES ('birthdays', 0);
