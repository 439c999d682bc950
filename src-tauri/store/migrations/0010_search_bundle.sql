-- Whether buying a number on sale needs an approved regulatory bundle at the carrier (Twilio:
-- the number's country and type have a Regulation); 0 when it needs none.
ALTER TABLE search_results ADD COLUMN bundle_required INTEGER NOT NULL DEFAULT 0;
