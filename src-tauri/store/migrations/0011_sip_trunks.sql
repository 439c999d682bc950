-- Carriers reached without an API NumberDesk speaks: a SIP trunk. The carrier CHECKs of 0001 and
-- 0003 name only 'twilio' and 'telnyx'; the migration's hook (store::widen_carrier_checks) widens
-- them to 'signalwire' and 'sip' in place, since SQLite cannot change a CHECK without rebuilding
-- the table, and widening one changes nothing stored.

-- Where a SIP trunk connection sends outbound calls, and the carrier's signalling ranges. The
-- digest credentials (username and password) are in the keyring with the connection's entry.
CREATE TABLE sip_trunks (
    connection_id  INTEGER PRIMARY KEY REFERENCES carrier_connections (id) ON DELETE CASCADE,
    workspace_id   INTEGER NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    host           TEXT    NOT NULL CHECK (length(host) BETWEEN 1 AND 253),
    transport      TEXT    NOT NULL CHECK (transport IN ('udp', 'tcp', 'tls')),
    port           INTEGER NOT NULL CHECK (port BETWEEN 1 AND 65535),
    -- 0: no port was given, so SRV records say where the trunk listens and `port` is the default.
    port_given     INTEGER NOT NULL DEFAULT 1 CHECK (port_given IN (0, 1)),
    -- IPs and CIDR ranges, one per line; empty when no allow-list was given.
    allowed_ranges TEXT    NOT NULL DEFAULT '',
    has_digest     INTEGER NOT NULL DEFAULT 0 CHECK (has_digest IN (0, 1)),
    CHECK (NOT (transport = 'tls' AND port = 5060))
);
CREATE INDEX sip_trunks_workspace ON sip_trunks (workspace_id);
