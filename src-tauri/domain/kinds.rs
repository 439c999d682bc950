//! The kinds NumberDesk stores as words (a number's status, its source, a connection's carrier, a
//! journal row's kind…), each one enum with one spelling: the word in the database, in JSON and
//! in the UI's `data-` attributes is the same. Reading a word this build does not know is an
//! error that names the table, the row and the column ([`UnknownStoredValue`]), never a silent
//! default.

use std::fmt;

use rusqlite::types::{FromSql, FromSqlError, FromSqlResult, ToSql, ToSqlOutput, ValueRef};

/// A stored word no kind of this build has; the store turns it into an error naming the row.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("\"{value}\" is not a {kind}")]
pub struct UnknownValue {
    pub kind: &'static str,
    pub value: String,
}

/// Where an unknown stored word was found.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("row {id} of {table} has {column} \"{}\", which this NumberDesk does not know", .value.value)]
pub struct UnknownStoredValue {
    pub table: &'static str,
    pub id: i64,
    pub column: &'static str,
    pub value: UnknownValue,
}

/// A kind stored as one of a fixed set of words.
pub trait StoredKind: Sized + Copy + 'static {
    /// What the kind is called in an error ("number status").
    const NAME: &'static str;
    const ALL: &'static [Self];
    fn as_str(self) -> &'static str;

    fn parse(text: &str) -> Result<Self, UnknownValue> {
        Self::ALL
            .iter()
            .copied()
            .find(|kind| kind.as_str() == text)
            .ok_or_else(|| UnknownValue {
                kind: Self::NAME,
                value: text.to_owned(),
            })
    }
}

/// Defines a [`StoredKind`] enum: its words, serde (the same words), `Display` (the word, unless
/// a label function says otherwise), `FromStr`, and rusqlite's `ToSql`/`FromSql`.
macro_rules! stored_kind {
    (
        $(#[$meta:meta])*
        $name:ident, $what:literal {
            $( $(#[$vmeta:meta])* $variant:ident = $word:literal ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name {
            $( $(#[$vmeta])* $variant ),+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [Self] = &[$($name::$variant),+];

            /// The stored word.
            pub fn as_str(self) -> &'static str {
                match self {
                    $( $name::$variant => $word ),+
                }
            }
        }

        impl StoredKind for $name {
            const NAME: &'static str = $what;
            const ALL: &'static [Self] = $name::ALL;
            fn as_str(self) -> &'static str {
                $name::as_str(self)
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
                <$name as StoredKind>::parse(&text).map_err(serde::de::Error::custom)
            }
        }

        impl std::str::FromStr for $name {
            type Err = UnknownValue;
            fn from_str(text: &str) -> Result<Self, UnknownValue> {
                <$name as StoredKind>::parse(text)
            }
        }

        impl ToSql for $name {
            fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
                Ok(ToSqlOutput::from(self.as_str()))
            }
        }

        impl FromSql for $name {
            fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
                let text = value.as_str()?;
                <$name as StoredKind>::parse(text).map_err(|e| FromSqlError::Other(Box::new(e)))
            }
        }
    };
}

/// `Display` as the stored word, for kinds with no label of their own.
macro_rules! display_as_word {
    ($($name:ident),+) => {
        $(impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        })+
    };
}

stored_kind! {
    /// Which carrier a connection or a number is at.
    CarrierKind, "carrier" {
        Twilio = "twilio",
        Telnyx = "telnyx",
        /// A generic SIP trunk: a carrier reached over SIP only, with no API NumberDesk speaks.
        Sip = "sip",
    }
}

impl CarrierKind {
    /// Whether NumberDesk reaches the carrier through an API (list, configure, buy, release).
    /// A SIP trunk's numbers are known only from what the user gave, and nothing is changed
    /// at its carrier.
    pub fn has_api(self) -> bool {
        match self {
            CarrierKind::Twilio | CarrierKind::Telnyx => true,
            CarrierKind::Sip => false,
        }
    }
}

impl fmt::Display for CarrierKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            CarrierKind::Twilio => "Twilio",
            CarrierKind::Telnyx => "Telnyx",
            CarrierKind::Sip => "SIP trunk",
        })
    }
}

stored_kind! {
    /// A number's state in the numbers table.
    NumberStatus, "number status" {
        /// Ordered; the carrier has not completed it yet.
        Pending = "pending",
        Active = "active",
        /// The order failed; its credits were refunded.
        Failed = "failed",
        Released = "released",
        /// Sync found it no longer in the carrier account.
        Missing = "missing",
    }
}

impl NumberStatus {
    /// How the table names it.
    pub fn label(self) -> &'static str {
        match self {
            NumberStatus::Pending => "Pending",
            NumberStatus::Active => "Active",
            NumberStatus::Failed => "Failed",
            NumberStatus::Released => "Released",
            NumberStatus::Missing => "Missing at carrier",
        }
    }

    /// Still the workspace's: not released, not a failed order.
    pub fn is_held(self) -> bool {
        !matches!(self, NumberStatus::Released | NumberStatus::Failed)
    }
}

stored_kind! {
    /// How a number came to the workspace.
    Source, "number source" {
        /// Bought from the agency's number pool.
        Pool = "pool",
        /// Bought through the workspace's own carrier account.
        Marketplace = "marketplace",
        /// Already owned, imported.
        Imported = "imported",
    }
}

stored_kind! {
    /// How a workspace buys numbers.
    Flow, "purchase flow" {
        /// The agency's number pool: `unlimited` plan with the `flex_phone_self-serve` flag.
        Pool = "pool",
        /// The workspace's own connected carrier account.
        Marketplace = "marketplace",
    }
}

impl From<Flow> for Source {
    fn from(flow: Flow) -> Source {
        match flow {
            Flow::Pool => Source::Pool,
            Flow::Marketplace => Source::Marketplace,
        }
    }
}

stored_kind! {
    /// Whether NumberDesk changes a number's routing at the carrier.
    WebhookMode, "webhook mode" {
        /// Touch nothing at the carrier: the number is only recorded, for outbound calls.
        OutboundOnly = "outbound_only",
        /// Point the number's calls and messages at the workspace's voice platform.
        Managed = "managed",
    }
}

stored_kind! {
    /// Where a number order stands, at the carrier (a Telnyx order, or one number in it) and in
    /// NumberDesk's orders.
    OrderStatus, "order status" {
        Pending = "pending",
        Success = "success",
        Failure = "failure",
    }
}

stored_kind! {
    /// What a journal row records the intent of.
    JournalKind, "journal kind" {
        Purchase = "purchase",
        Release = "release",
        Region = "region",
        /// A number's previous settings put back at disconnect.
        Restore = "restore",
        /// A disconnect that restores numbers first: open while it restores, settled done with
        /// the removal, failed when it was rolled back.
        Disconnect = "disconnect",
        /// A number pointed at NumberDesk again after a restore that did not go through.
        Reapply = "reapply",
        /// A managed import's change at the carrier that may have gone through although its
        /// call failed: the number is recorded, and the carrier's word settles it.
        ImportChange = "import_change",
    }
}

stored_kind! {
    /// Where a journal row stands.
    JournalState, "journal state" {
        Intent = "intent",
        Done = "done",
        Failed = "failed",
    }
}

display_as_word!(
    NumberStatus,
    Source,
    Flow,
    WebhookMode,
    OrderStatus,
    JournalKind,
    JournalState
);

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip<K: StoredKind + std::fmt::Debug + PartialEq + ToSql + FromSql>() {
        let db = rusqlite::Connection::open_in_memory().unwrap();
        for kind in K::ALL {
            let back: K = db.query_row("SELECT ?1", [kind], |row| row.get(0)).unwrap();
            assert_eq!(back, *kind);
            assert_eq!(K::parse(kind.as_str()).unwrap(), *kind);
        }
        let unknown: rusqlite::Result<K> = db.query_row("SELECT 'archived'", [], |row| row.get(0));
        assert!(unknown.is_err());
    }

    #[test]
    fn every_kind_reads_back_what_it_wrote_and_refuses_other_words() {
        round_trip::<CarrierKind>();
        round_trip::<NumberStatus>();
        round_trip::<Source>();
        round_trip::<Flow>();
        round_trip::<WebhookMode>();
        round_trip::<JournalKind>();
        round_trip::<JournalState>();
        round_trip::<OrderStatus>();
    }

    #[test]
    fn json_uses_the_stored_words() {
        assert_eq!(
            serde_json::to_string(&WebhookMode::OutboundOnly).unwrap(),
            "\"outbound_only\""
        );
        let status: NumberStatus = serde_json::from_str("\"missing\"").unwrap();
        assert_eq!(status, NumberStatus::Missing);
        let error = serde_json::from_str::<NumberStatus>("\"archived\"").unwrap_err();
        assert!(error.to_string().contains("not a number status"), "{error}");
    }
}
