-- What a number on sale needs in the way of an address on file at the carrier (Twilio's
-- `address_requirements`: any, local or foreign); NULL when it needs none.
ALTER TABLE search_results ADD COLUMN address_requirement TEXT;
