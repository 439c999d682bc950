//! Twilio inbound processing region (Routes v2) of one or many numbers. Twilio numbers only,
//! purchased or imported; Telnyx numbers do not offer it. Each number settles on its own: a
//! failure on some is reported with the reason and leaves the others done. Every change at Twilio
//! is journalled before it is sent and recorded in the audit log with before and after.

use crate::domain::failure::{Classified, ErrorKind, UserError};
use crate::domain::ids::{ConnectionId, PhoneNumberId, WorkspaceId};
use std::collections::BTreeMap;
use std::sync::Arc;

use serde::Serialize;

use crate::app::blocking::{blocking, TaskFailed};
use crate::carriers::account::CarrierAccount;
use crate::carriers::CarrierError;
use crate::domain::kinds::{CarrierKind, JournalKind, NumberStatus};
use crate::flows::accounts::{run_bounded, AccountUnavailable, Accounts, ItemFailed};
use crate::flows::audit::{record_in, AuditAction, AuditRecord, AuditTarget};
use crate::store::journal::{self, Claim};
use crate::store::sync_state::{self, ManagedNumber};
use crate::store::StoreError;

/// A region Twilio's Routes v2 accepts as a number's inbound processing region.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct TwilioRegion {
    pub id: &'static str,
    pub name: &'static str,
}

/// Twilio Regions for inbound processing (Routes v2 `VoiceRegion`), closest first by the usual
/// choice: United States, Ireland (Europe), Australia.
pub const TWILIO_REGIONS: [TwilioRegion; 3] = [
    TwilioRegion {
        id: "us1",
        name: "United States (us1)",
    },
    TwilioRegion {
        id: "ie1",
        name: "Ireland, Europe (ie1)",
    },
    TwilioRegion {
        id: "au1",
        name: "Australia (au1)",
    },
];

/// Extra regions accepted when the caller says so (Twilio adds regions over time; the sandbox
/// also accepts `us2`, `br1`, `de1`, `jp1`, `sg1`).
pub fn is_known_region(region: &str) -> bool {
    TWILIO_REGIONS.iter().any(|r| r.id == region)
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RegionFailure {
    pub number_id: PhoneNumberId,
    pub e164: String,
    pub reason: String,
}

/// What a region change did, number by number.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RegionOutcome {
    pub region: String,
    pub changed: Vec<String>,
    /// Already in that region in NumberDesk; nothing was sent.
    pub unchanged: Vec<String>,
    pub failed: Vec<RegionFailure>,
    /// Telnyx numbers (and numbers without a Twilio connection): no inbound region to set.
    pub not_twilio: Vec<String>,
    /// Connections whose numbers were not moved because an API key made in a region they need
    /// (the target, or where a number is now) is missing: add it, then move them again.
    pub keys_needed: Vec<KeyNeeded>,
}

/// An API key a connection needs before its numbers can be moved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KeyNeeded {
    pub connection_id: ConnectionId,
    pub connection_name: String,
    pub region: String,
    /// The numbers left as they are until the key is added.
    pub numbers: Vec<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum RegionError {
    #[error("Pick at least one Twilio number.")]
    NoNumbers,
    #[error("{0} is not an inbound region Twilio offers. Choose one of: us1, ie1, au1.")]
    UnknownRegion(String),
    #[error("None of the chosen numbers is a Twilio number; only Twilio numbers have an inbound region.")]
    NoTwilioNumbers,
    #[error("This number is not in this workspace any more. Reload the table.")]
    NotFound,
    #[error("Only Twilio numbers have an inbound region.")]
    NotTwilio,
    #[error("{0}")]
    BadKey(&'static str),
    #[error("Twilio's {region} host refused this API key. A key works only in the region it was made in: check that the Twilio console was switched to {region} when the key was created, and that its SID and secret are copied exactly.")]
    KeyRefused { region: String },
    #[error(transparent)]
    Carrier(#[from] CarrierError),
    #[error(transparent)]
    Connection(#[from] crate::flows::connect::connections::ConnectionError),
    #[error(transparent)]
    Account(#[from] AccountUnavailable),
    #[error("The region change could not be saved: {0}")]
    Store(#[from] StoreError),
    #[error(transparent)]
    Task(#[from] TaskFailed),
}

impl UserError for RegionError {
    fn classify(&self) -> Classified<'_> {
        match self {
            Self::Carrier(inner) => Classified::Wraps(inner),
            Self::Account(inner) => Classified::Wraps(inner),
            Self::Store(inner) => Classified::Wraps(inner),
            Self::Task(inner) => Classified::Wraps(inner),
            Self::Connection(inner) => Classified::Wraps(inner),
            Self::NotFound => Classified::Kind(ErrorKind::NotFound),
            Self::KeyRefused { .. } => Classified::Kind(ErrorKind::Carrier),
            Self::NoNumbers
            | Self::UnknownRegion(_)
            | Self::NoTwilioNumbers
            | Self::NotTwilio
            | Self::BadKey(_) => Classified::Kind(ErrorKind::InvalidInput),
        }
    }
}

/// Reads a Twilio number's region from Twilio and saves it (the table shows what Twilio has).
pub async fn refresh_region(
    accounts: &Accounts,
    workspace_id: WorkspaceId,
    number_id: PhoneNumberId,
) -> Result<String, RegionError> {
    let ctx = accounts.context();
    let number = blocking(ctx, move |ctx| {
        Ok::<_, RegionError>(
            ctx.store
                .read(|c| sync_state::by_ids(c, workspace_id, &[number_id]))?
                .pop(),
        )
    })
    .await?
    .ok_or(RegionError::NotFound)?;
    let connection_id = match (&number.connection_id, number.carrier) {
        (Some(id), CarrierKind::Twilio) => *id,
        _ => return Err(RegionError::NotTwilio),
    };
    let account = accounts.connection(workspace_id, connection_id).await?;
    let found = account.inbound_region(&number.e164).await?;
    let region = found.voice_region.clone();
    blocking(ctx, move |ctx| {
        let now = ctx.clock.now();
        Ok::<_, RegionError>(ctx.store.write(|tx| {
            sync_state::set_inbound_region(tx, workspace_id, number_id, &region, now)
        })?)
    })
    .await?;
    Ok(found.voice_region)
}

/// Shaped like a Twilio region id (two lowercase letters and a digit, like `ie1`). Read byte by
/// byte, so a user's multibyte text is refused, never sliced mid-character.
fn plausible_region(region: &str) -> bool {
    matches!(region.as_bytes(), [a, b, d] if a.is_ascii_lowercase() && b.is_ascii_lowercase() && d.is_ascii_digit())
}

/// Sets the inbound region of every Twilio number among `number_ids`. Fails as a whole only
/// when nothing can be tried (no number, unknown region, no Twilio number); otherwise each
/// number's outcome is in the result.
pub async fn set_region(
    accounts: &Accounts,
    workspace_id: WorkspaceId,
    number_ids: &[PhoneNumberId],
    region: &str,
    allow_other_regions: bool,
) -> Result<RegionOutcome, RegionError> {
    let region = region.trim().to_ascii_lowercase();
    if number_ids.is_empty() {
        return Err(RegionError::NoNumbers);
    }
    let plausible = plausible_region(&region);
    if !(is_known_region(&region) || allow_other_regions && plausible) {
        return Err(RegionError::UnknownRegion(region));
    }
    let ctx = accounts.context();
    let ids = number_ids.to_vec();
    let numbers = blocking(ctx, move |ctx| {
        Ok::<_, RegionError>(
            ctx.store
                .read(|c| sync_state::by_ids(c, workspace_id, &ids))?,
        )
    })
    .await?;
    let mut outcome = RegionOutcome {
        region: region.clone(),
        changed: Vec::new(),
        unchanged: Vec::new(),
        failed: Vec::new(),
        not_twilio: Vec::new(),
        keys_needed: Vec::new(),
    };
    let mut by_connection: BTreeMap<ConnectionId, Vec<ManagedNumber>> = BTreeMap::new();
    for number in numbers {
        match (number.carrier, number.connection_id) {
            (CarrierKind::Twilio, Some(connection)) if number.status != NumberStatus::Released => {
                if number.inbound_region.as_deref() == Some(region.as_str()) {
                    outcome.unchanged.push(number.e164);
                } else {
                    by_connection.entry(connection).or_default().push(number);
                }
            }
            _ => outcome.not_twilio.push(number.e164),
        }
    }
    if by_connection.is_empty() && outcome.unchanged.is_empty() {
        return Err(RegionError::NoTwilioNumbers);
    }
    for (connection_id, numbers) in by_connection {
        let account = match accounts.connection(workspace_id, connection_id).await {
            Ok(account) => account,
            Err(error) => {
                let reason = error.to_string();
                outcome
                    .failed
                    .extend(numbers.into_iter().map(|n| RegionFailure {
                        number_id: n.id,
                        e164: n.e164,
                        reason: reason.clone(),
                    }));
                continue;
            }
        };
        // Twilio keeps a number's configuration per region: moving it means reading it where
        // the number is and writing it where it goes, each with a key made in that region.
        let needed = std::iter::once(region.as_str())
            .chain(numbers.iter().filter_map(|n| n.inbound_region.as_deref()))
            .find(|r| !account.has_regional_key(r))
            .map(str::to_owned);
        if let Some(missing) = needed {
            let connection_name = connection_name(accounts, workspace_id, connection_id).await?;
            outcome.keys_needed.push(KeyNeeded {
                connection_id,
                connection_name,
                region: missing,
                numbers: numbers.into_iter().map(|n| n.e164).collect(),
            });
            continue;
        }
        change_connection(
            accounts,
            workspace_id,
            connection_id,
            &account,
            numbers,
            &region,
            &mut outcome,
        )
        .await?;
    }
    Ok(outcome)
}

async fn change_connection(
    accounts: &Accounts,
    workspace_id: WorkspaceId,
    connection_id: ConnectionId,
    account: &Arc<CarrierAccount>,
    numbers: Vec<ManagedNumber>,
    region: &str,
    outcome: &mut RegionOutcome,
) -> Result<(), RegionError> {
    let ctx = accounts.context();
    let (journalled, to) = (numbers.clone(), region.to_owned());
    // Each intent is claimed inside the transaction that writes it, so the reconciler leaves it
    // to this change until the change has settled it (or left it for the reconciler).
    let (intents, _claims): (Vec<i64>, Vec<Claim>) = blocking(ctx, move |ctx| {
        let now = ctx.clock.now();
        Ok::<_, RegionError>(ctx.store.write(|tx| {
            journalled
                .iter()
                .map(|n| {
                    let key = journal::fresh_key(tx, JournalKind::Region, &n.e164)?;
                    let claim = ctx.claims.claim_new(&key)?;
                    let payload = serde_json::json!({
                        "phone_number_id": n.id,
                        "e164": n.e164,
                        "connection_id": connection_id,
                        "from": n.inbound_region,
                        "to": to,
                    })
                    .to_string();
                    let id = journal::intend(
                        tx,
                        workspace_id,
                        JournalKind::Region,
                        &key,
                        &payload,
                        now,
                    )?;
                    Ok((id, claim))
                })
                .collect::<Result<Vec<_>, StoreError>>()
                .map(|pairs| pairs.into_iter().unzip())
        })?)
    })
    .await?;
    let wanted = region.to_owned();
    let results = run_bounded(account, numbers.clone(), move |account, number| {
        let wanted = wanted.clone();
        async move {
            move_number(&account, &number, &wanted)
                .await
                .map_err(ItemFailed::from)
        }
    })
    .await;
    // Each number's failure, as the sentence the outcome and the journal keep.
    // An answer lost after the request went out (a timeout, a dropped connection, a 5xx) may
    // hide a change Twilio made: that row stays at intent, and the reconciler asks Twilio.
    let unconfirmed: Vec<bool> = results
        .iter()
        .map(|r| match r {
            Err(ItemFailed::Carrier(error)) => error.is_ambiguous(),
            Err(ItemFailed::Task(_)) => true,
            Ok(()) | Err(ItemFailed::DamagedSnapshot) => false,
        })
        .collect();
    let results: Vec<_> = results
        .into_iter()
        .map(|r| r.map_err(|e| e.to_string()))
        .collect();
    let (settled, outcomes, region) = (numbers.clone(), results.clone(), region.to_owned());
    let left_open = unconfirmed.clone();
    let changed = blocking(ctx, move |ctx| {
        let connection_name = ctx
            .store
            .read(|c| crate::store::connections::get(c, workspace_id, connection_id))?
            .map(|c| c.name);
        let (numbers, results, region) = (settled, outcomes, region.as_str());
        let now = ctx.clock.now();
        let mut changed = Vec::new();
        let mut before = Vec::new();
        ctx.store.write(|tx| {
            for (((number, result), intent), unconfirmed) in
                numbers.iter().zip(&results).zip(&intents).zip(&left_open)
            {
                match result {
                    Ok(()) => {
                        sync_state::set_inbound_region(tx, workspace_id, number.id, region, now)?;
                        journal::settle(tx, *intent, true, "region set", now)?;
                        changed.push(number.e164.clone());
                        before.push(serde_json::json!({
                            "e164": number.e164,
                            "inbound_region": number.inbound_region,
                        }));
                    }
                    Err(_) if *unconfirmed => {}
                    Err(reason) => {
                        journal::settle(tx, *intent, false, reason, now)?;
                    }
                }
            }
            if !changed.is_empty() {
                let mut record = AuditRecord::new(
                    AuditAction::RegionChange,
                    AuditTarget::Twilio,
                    format!(
                        "Set the Twilio inbound region of {} to {region}.",
                        if changed.len() == 1 {
                            "1 number".to_owned()
                        } else {
                            format!("{} numbers", changed.len())
                        }
                    ),
                )
                .numbers(changed.clone())
                .before_after(
                    Some(serde_json::json!(before)),
                    Some(serde_json::json!({"inbound_region": region})),
                );
                if let Some(name) = &connection_name {
                    record = record.connection(name.clone());
                }
                record_in(tx, &ctx.redactor, workspace_id, &record, now)?;
            }
            Ok::<_, StoreError>(())
        })?;
        Ok::<_, RegionError>(changed)
    })
    .await?;
    outcome.changed.extend(changed);
    for ((number, result), unconfirmed) in numbers.into_iter().zip(results).zip(unconfirmed) {
        if let Err(reason) = result {
            let reason = if unconfirmed {
                format!("{reason} NumberDesk will ask Twilio whether the change was made and show what it has.")
            } else {
                reason
            };
            outcome.failed.push(RegionFailure {
                number_id: number.id,
                e164: number.e164,
                reason,
            });
        }
    }
    Ok(())
}

/// Adds to a Twilio connection the API key made in `region` (not us1), after a live check on
/// that region's host, so its numbers can be configured and moved there. The key goes in the
/// connection's keyring entry beside its other credentials, in one write; nothing is saved when
/// the check fails.
pub async fn add_regional_key(
    accounts: &Accounts,
    workspace_id: WorkspaceId,
    connection_id: ConnectionId,
    region: &str,
    key_sid: &str,
    key_secret: crate::secrets::Sensitive<String>,
) -> Result<(), RegionError> {
    let region = region.trim().to_ascii_lowercase();
    if region == "us1" || !is_known_region(&region) {
        return Err(RegionError::BadKey(
            "Regional API keys are for ie1 and au1; us1 uses the connection's own credentials.",
        ));
    }
    let key_sid = key_sid.trim().to_owned();
    if !crate::carriers::twilio::is_sid(&key_sid, "SK") {
        return Err(RegionError::BadKey(
            "An API key SID starts with SK followed by 32 hexadecimal characters.",
        ));
    }
    let secret = key_secret.expose().trim().to_owned();
    if secret.is_empty() {
        return Err(RegionError::BadKey("Enter the API key's secret too."));
    }
    let ctx = accounts.context();
    let (row, credentials) = blocking(ctx, move |ctx| {
        let connections = crate::flows::connect::connections::Connections::new(ctx);
        let row = connections.get(workspace_id, connection_id)?;
        let credentials = connections.credentials(workspace_id, connection_id)?;
        Ok::<_, RegionError>((row, credentials))
    })
    .await?;
    let crate::secrets::credentials::Credentials::Twilio(mut twilio) = credentials else {
        return Err(RegionError::NotTwilio);
    };
    twilio.regional.insert(
        region.clone(),
        crate::secrets::credentials::RegionalKey {
            sid: key_sid,
            secret: crate::secrets::Sensitive::new(secret),
        },
    );
    let credentials = crate::secrets::credentials::Credentials::Twilio(twilio);
    let candidate = accounts.draft(&credentials, row.is_sandbox).await?;
    match candidate.check_regional_key(&region).await {
        Ok(()) => {}
        Err(CarrierError::AuthRejected { .. }) => {
            return Err(RegionError::KeyRefused { region });
        }
        Err(other) => return Err(other.into()),
    }
    let (name, saved_region) = (row.name.clone(), region.clone());
    blocking(ctx, move |ctx| {
        crate::flows::connect::connections::Connections::new(ctx).replace_credentials(
            workspace_id,
            connection_id,
            &credentials,
        )?;
        let now = ctx.clock.now();
        let record = AuditRecord::new(
            AuditAction::CredentialsUpdate,
            AuditTarget::Local,
            format!("Added an API key made in {saved_region} to the connection."),
        )
        .connection(name);
        ctx.store
            .write(|tx| record_in(tx, &ctx.redactor, workspace_id, &record, now))?;
        Ok::<_, RegionError>(())
    })
    .await?;
    accounts.forget(workspace_id, connection_id);
    tracing::info!(
        workspace = workspace_id.get(),
        connection = connection_id.get(),
        %region,
        "regional API key added"
    );
    Ok(())
}

/// Moves one number's inbound processing to `to`, as Twilio needs it done: its configuration is
/// read in the region it is processed in now and written in `to` (through each region's host),
/// read back there, and only then is the route moved and read back. A failure before the route
/// moves leaves calls where they went.
async fn move_number(
    account: &CarrierAccount,
    number: &ManagedNumber,
    to: &str,
) -> Result<(), CarrierError> {
    let sid = number
        .carrier_number_id
        .as_deref()
        .ok_or_else(|| CarrierError::InvalidSettings {
            carrier: CarrierKind::Twilio,
            detail: format!(
                "NumberDesk has no Twilio SID for {}; sync the connection",
                number.e164
            ),
        })?;
    let from = account.inbound_region(&number.e164).await?.voice_region;
    if from != to {
        let config = account.routing_in_region(sid, &from).await?;
        let written = account.write_routing_in_region(sid, to, &config).await?;
        if !crate::carriers::TwilioNumberUpdate::towards(&config, &written).is_empty() {
            return Err(CarrierError::NotUnderstood {
                carrier: CarrierKind::Twilio,
                detail: format!(
                    "{to} did not keep the configuration written for {}",
                    number.e164
                ),
            });
        }
    }
    let moved = account.set_inbound_region(&number.e164, to).await?;
    if moved.voice_region != to {
        return Err(CarrierError::NotUnderstood {
            carrier: CarrierKind::Twilio,
            detail: format!(
                "the route of {} reads {} after the move to {to}",
                number.e164, moved.voice_region
            ),
        });
    }
    Ok(())
}

async fn connection_name(
    accounts: &Accounts,
    workspace_id: WorkspaceId,
    connection_id: ConnectionId,
) -> Result<String, RegionError> {
    blocking(accounts.context(), move |ctx| {
        Ok::<_, RegionError>(
            ctx.store
                .read(|c| crate::store::connections::get(c, workspace_id, connection_id))?
                .map(|c| c.name)
                .unwrap_or_default(),
        )
    })
    .await
}

/// What [`reconcile`] settled.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Reconciled {
    /// Region changes cut short (a crash between the journal and the answer), now settled from
    /// what Twilio has.
    pub settled: usize,
    /// Still unsettled (the carrier could not be asked); tried again next start.
    pub left: usize,
}

/// Settles region changes a crash left at `intent`: reads each number's region from Twilio,
/// saves it, and closes the journal row as done when Twilio has the wanted region, failed
/// otherwise. A number no longer in NumberDesk closes its row as failed.
pub async fn reconcile(accounts: &Accounts) -> Result<Reconciled, RegionError> {
    #[derive(serde::Deserialize)]
    struct Intent {
        phone_number_id: PhoneNumberId,
        to: String,
    }
    let ctx = accounts.context();
    // A change under way holds its rows; the others are claimed for this pass.
    let open = blocking(ctx, |ctx| {
        Ok::<_, RegionError>(
            ctx.store
                .read(|c| journal::claim_unfinished(&ctx.claims, c, &[JournalKind::Region]))?,
        )
    })
    .await?;
    let mut result = Reconciled::default();
    for (_claim, row) in open {
        let Ok(intent) = serde_json::from_str::<Intent>(&row.payload_json) else {
            settle(accounts, row.id, false, "unreadable journal entry").await?;
            result.settled += 1;
            continue;
        };
        let outcome = refresh_region(accounts, row.workspace_id, intent.phone_number_id).await;
        let (done, note) = match &outcome {
            Ok(region) if *region == intent.to => (true, "region set (confirmed after restart)"),
            Ok(_) => (
                false,
                "region not changed at Twilio (checked after restart)",
            ),
            Err(RegionError::NotFound | RegionError::NotTwilio) => {
                (false, "number no longer in NumberDesk")
            }
            Err(error) => {
                tracing::warn!(%error, journal = row.id, "region change left unsettled");
                result.left += 1;
                continue;
            }
        };
        settle(accounts, row.id, done, note).await?;
        result.settled += 1;
    }
    Ok(result)
}

/// Closes one region journal row.
async fn settle(
    accounts: &Accounts,
    id: i64,
    done: bool,
    note: &'static str,
) -> Result<(), RegionError> {
    blocking(accounts.context(), move |ctx| {
        let now = ctx.clock.now();
        ctx.store
            .write(|tx| journal::settle(tx, id, done, note, now))?;
        Ok(())
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::plausible_region;

    #[test]
    fn a_region_id_is_two_lowercase_letters_and_a_digit_and_multibyte_text_is_refused() {
        for good in ["ie1", "us2", "zz9"] {
            assert!(plausible_region(good), "{good}");
        }
        // "aé" and "é1" are three bytes long: slicing them at byte 2 used to panic.
        for bad in ["aé", "é1", "IE1", "ie", "ie10", "i1e", "", "ie١"] {
            assert!(!plausible_region(bad), "{bad:?}");
        }
    }
}
