-- An intent whose answer was lost is settled from the carrier's word, asked patiently: each
-- check is counted, negative answers ("the carrier has no such purchase") with the time of the
-- first, and the row is not asked again before next_check_at. "Not bought" needs several
-- negatives spread over minutes, since a carrier may finish the purchase after the client gave up.
ALTER TABLE journal ADD COLUMN checks INTEGER NOT NULL DEFAULT 0;
ALTER TABLE journal ADD COLUMN negatives INTEGER NOT NULL DEFAULT 0;
ALTER TABLE journal ADD COLUMN first_negative_at TEXT;
ALTER TABLE journal ADD COLUMN next_check_at TEXT;
