-- The part of a product's document that pricing reads (category, brand, each variant's SKU
-- and list prices), written with the document: every quote and checkout reads it, and the
-- whole document was most of what they read and parsed. Rows written before it have NULL
-- here and are read from their document.
ALTER TABLE catalog_products ADD COLUMN pricing TEXT;
