-- The CHECK of 0001 reads GLOB '+[1-9][0-9]*', and GLOB's `*` lets anything follow the first
-- digit ('+1555CALLNOW' passed). SQLite cannot change a CHECK without rebuilding the table, so
-- these triggers hold the rest of the rule: after the '+', digits only, on insert and on update.
CREATE TRIGGER phone_numbers_e164_digits_insert BEFORE INSERT ON phone_numbers
WHEN substr(NEW.e164, 2) GLOB '*[^0-9]*'
BEGIN
    SELECT RAISE(ABORT, 'phone_numbers.e164 must be a + followed by digits only');
END;
CREATE TRIGGER phone_numbers_e164_digits_update BEFORE UPDATE OF e164 ON phone_numbers
WHEN substr(NEW.e164, 2) GLOB '*[^0-9]*'
BEGIN
    SELECT RAISE(ABORT, 'phone_numbers.e164 must be a + followed by digits only');
END;
