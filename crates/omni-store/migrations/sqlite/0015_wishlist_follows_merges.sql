-- A wishlist follows its customer through a merge like identifiers, consents and the
-- timeline do: the items moved to the survivor carry the merge, so a reversal moves exactly
-- those back.
ALTER TABLE customer_wishlist ADD COLUMN merge_id TEXT;
