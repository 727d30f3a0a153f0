-- Catalog: categories, brands, products (a JSON document with its variants) and a row per
-- variant for SKU and barcode look-ups and uniqueness; search synonyms per tenant.

CREATE TABLE catalog_categories (
    tenant_id   TEXT NOT NULL REFERENCES tenants(id),
    id          TEXT NOT NULL,
    code        TEXT NOT NULL,
    parent_id   TEXT,
    doc         TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, code)
);

CREATE TABLE catalog_brands (
    tenant_id   TEXT NOT NULL REFERENCES tenants(id),
    id          TEXT NOT NULL,
    code        TEXT NOT NULL,
    doc         TEXT NOT NULL,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, code)
);

CREATE TABLE catalog_products (
    tenant_id    TEXT NOT NULL REFERENCES tenants(id),
    id           TEXT NOT NULL,
    article      TEXT NOT NULL,
    category_id  TEXT NOT NULL,
    doc          TEXT NOT NULL,
    version      BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, article)
);

CREATE TABLE catalog_variants (
    tenant_id   TEXT NOT NULL,
    sku         TEXT NOT NULL,
    product_id  TEXT NOT NULL,
    barcode     TEXT,
    PRIMARY KEY (tenant_id, sku)
);
CREATE INDEX catalog_variants_by_product ON catalog_variants (tenant_id, product_id);
CREATE INDEX catalog_variants_by_barcode ON catalog_variants (tenant_id, barcode);

CREATE TABLE catalog_synonyms (
    tenant_id   TEXT PRIMARY KEY REFERENCES tenants(id),
    doc         TEXT NOT NULL,
    updated_at  BIGINT NOT NULL
);
