//! Workspaces: one per business (an agency runs several). Each has a plan, feature flags, a
//! monthly credit allowance and the voice platform's webhook base URL. This module checks input
//! and decides; `store::workspaces` reads and writes rows.

use crate::domain::failure::{Classified, ErrorKind, UserError};
use crate::domain::ids::{ConnectionId, WorkspaceId};
use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::app::blocking::TaskFailed;
use crate::clock::Clock;
use crate::domain::kinds::Flow;
use crate::store::{self, Store, StoreError};

/// Feature flags a workspace may carry.
pub const KNOWN_FLAGS: &[&str] = &[FLAG_FLEX_PHONE_SELF_SERVE];
/// With the `unlimited` plan: buy from the agency's number pool.
pub const FLAG_FLEX_PHONE_SELF_SERVE: &str = "flex_phone_self-serve";

pub const MAX_NAME_CHARS: usize = 60;
/// Ten million credits a month is far beyond any real allowance; more is a typo.
pub const MAX_MONTHLY_ALLOWANCE: i64 = 10_000_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Plan {
    Standard,
    Unlimited,
}

impl Plan {
    pub fn as_str(self) -> &'static str {
        match self {
            Plan::Standard => "standard",
            Plan::Unlimited => "unlimited",
        }
    }
}

impl fmt::Display for Plan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Plan {
    type Err = WorkspaceError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text {
            "standard" => Ok(Plan::Standard),
            "unlimited" => Ok(Plan::Unlimited),
            other => Err(WorkspaceError::UnknownPlan(other.to_owned())),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Workspace {
    pub id: WorkspaceId,
    pub name: String,
    pub plan: Plan,
    pub flags: BTreeSet<String>,
    pub monthly_credit_allowance: i64,
    pub webhook_base_url: String,
    pub is_sandbox: bool,
    pub created_at: DateTime<Utc>,
}

impl Workspace {
    pub fn has_flag(&self, flag: &str) -> bool {
        self.flags.contains(flag)
    }

    /// Buys from the agency's number pool rather than the marketplace.
    /// How the workspace buys numbers.
    pub fn flow(&self) -> Flow {
        if self.uses_number_pool() {
            Flow::Pool
        } else {
            Flow::Marketplace
        }
    }

    pub fn uses_number_pool(&self) -> bool {
        self.plan == Plan::Unlimited && self.has_flag(FLAG_FLEX_PHONE_SELF_SERVE)
    }
}

/// What a user typed to create or change a workspace, before checking.
#[derive(Debug, Clone, Deserialize)]
pub struct WorkspaceInput {
    pub name: String,
    pub plan: String,
    #[serde(default)]
    pub flags: Vec<String>,
    pub monthly_credit_allowance: i64,
    pub webhook_base_url: String,
}

/// Input that passed every check, normalised.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidWorkspace {
    pub name: String,
    pub plan: Plan,
    pub flags: BTreeSet<String>,
    pub monthly_credit_allowance: i64,
    pub webhook_base_url: String,
}

#[derive(Debug, thiserror::Error)]
pub enum WorkspaceError {
    #[error("Give the workspace a name.")]
    EmptyName,
    #[error("A workspace name can be at most {MAX_NAME_CHARS} characters (this one has {0}).")]
    NameTooLong(usize),
    #[error("A workspace name cannot contain control characters.")]
    NameHasControlCharacters,
    #[error("A workspace called \"{0}\" already exists. Pick another name.")]
    NameTaken(String),
    #[error("\"{0}\" is not a plan. Choose standard or unlimited.")]
    UnknownPlan(String),
    #[error("\"{0}\" is not a feature flag NumberDesk knows.")]
    UnknownFlag(String),
    #[error("The monthly credit allowance must be a whole number from 0 to {MAX_MONTHLY_ALLOWANCE} (got {0}).")]
    AllowanceOutOfRange(i64),
    #[error("The webhook base URL {0}")]
    InvalidWebhookUrl(String),
    #[error("This workspace no longer exists.")]
    NotFound(WorkspaceId),
    #[error("{0} in this workspace, and the carrier has not settled them yet. Wait until they are Active or Failed (Process checks now), then delete the workspace.")]
    Unsettled(crate::flows::purchase::Unsettled),
    #[error(transparent)]
    Settle(Box<crate::flows::purchase::PurchaseError>),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Task(#[from] TaskFailed),
}

impl UserError for WorkspaceError {
    fn classify(&self) -> Classified<'_> {
        match self {
            Self::Store(inner) => Classified::Wraps(inner),
            Self::Task(inner) => Classified::Wraps(inner),
            Self::Settle(inner) => Classified::Wraps(inner.as_ref()),
            Self::NotFound(_) => Classified::Kind(ErrorKind::NotFound),
            Self::NameTaken(_) | Self::Unsettled(_) => Classified::Kind(ErrorKind::Conflict),
            Self::EmptyName
            | Self::NameTooLong(_)
            | Self::NameHasControlCharacters
            | Self::UnknownPlan(_)
            | Self::UnknownFlag(_)
            | Self::AllowanceOutOfRange(_)
            | Self::InvalidWebhookUrl(_) => Classified::Kind(ErrorKind::InvalidInput),
        }
    }
}

impl WorkspaceError {
    /// True when the user can fix it by changing what they typed.
    pub fn is_invalid_input(&self) -> bool {
        matches!(
            self,
            Self::EmptyName
                | Self::NameTooLong(_)
                | Self::NameHasControlCharacters
                | Self::UnknownPlan(_)
                | Self::UnknownFlag(_)
                | Self::AllowanceOutOfRange(_)
                | Self::InvalidWebhookUrl(_)
        )
    }
}

pub fn validate_name(name: &str) -> Result<String, WorkspaceError> {
    let name = name.trim();
    if name.is_empty() {
        return Err(WorkspaceError::EmptyName);
    }
    if name.chars().any(char::is_control) {
        return Err(WorkspaceError::NameHasControlCharacters);
    }
    let chars = name.chars().count();
    if chars > MAX_NAME_CHARS {
        return Err(WorkspaceError::NameTooLong(chars));
    }
    Ok(name.to_owned())
}

/// Checks the voice platform's webhook base URL: https, a real host, no credentials, query or
/// fragment. Returns it without a trailing slash, ready for `<base>/webhook/...`.
pub fn validate_webhook_base_url(raw: &str) -> Result<String, WorkspaceError> {
    let bad = |why: &str| WorkspaceError::InvalidWebhookUrl(why.to_owned());
    let raw = raw.trim();
    if raw.is_empty() {
        return Err(bad(
            "is empty. Enter the https:// address of your voice platform.",
        ));
    }
    let url = url::Url::parse(raw)
        .map_err(|_| bad("is not a web address. It should look like https://voice.example.com."))?;
    if url.scheme() != "https" {
        return Err(bad(&format!(
            "must use https:// (it uses {}://), so calls and messages reach your platform encrypted.",
            url.scheme()
        )));
    }
    let host = url.host_str().unwrap_or_default();
    if host.is_empty() {
        return Err(bad("has no host name."));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(bad("must not contain a user name or password."));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(bad(
            "must not contain ? or # parts; give the base address only.",
        ));
    }
    Ok(url.as_str().trim_end_matches('/').to_owned())
}

pub fn validate(input: &WorkspaceInput) -> Result<ValidWorkspace, WorkspaceError> {
    let name = validate_name(&input.name)?;
    let plan = input.plan.trim().parse::<Plan>()?;
    let mut flags = BTreeSet::new();
    for flag in &input.flags {
        let flag = flag.trim();
        if !KNOWN_FLAGS.contains(&flag) {
            return Err(WorkspaceError::UnknownFlag(flag.to_owned()));
        }
        flags.insert(flag.to_owned());
    }
    if !(0..=MAX_MONTHLY_ALLOWANCE).contains(&input.monthly_credit_allowance) {
        return Err(WorkspaceError::AllowanceOutOfRange(
            input.monthly_credit_allowance,
        ));
    }
    let webhook_base_url = validate_webhook_base_url(&input.webhook_base_url)?;
    Ok(ValidWorkspace {
        name,
        plan,
        flags,
        monthly_credit_allowance: input.monthly_credit_allowance,
        webhook_base_url,
    })
}

/// Workspace operations over a store and a clock.
pub struct Workspaces<'a> {
    store: &'a Store,
    clock: &'a dyn Clock,
}

impl<'a> Workspaces<'a> {
    pub fn new(store: &'a Store, clock: &'a dyn Clock) -> Self {
        Self { store, clock }
    }

    pub fn list(&self) -> Result<Vec<Workspace>, WorkspaceError> {
        Ok(self.store.read(store::workspaces::list)?)
    }

    pub fn get(&self, id: WorkspaceId) -> Result<Workspace, WorkspaceError> {
        self.store
            .read(|c| store::workspaces::get(c, id))?
            .ok_or(WorkspaceError::NotFound(id))
    }

    pub fn create(&self, input: &WorkspaceInput) -> Result<Workspace, WorkspaceError> {
        self.create_valid(&validate(input)?, false)
    }

    /// Creates a workspace from checked input; `is_sandbox` marks the Sandbox mode's own.
    pub fn create_valid(
        &self,
        valid: &ValidWorkspace,
        is_sandbox: bool,
    ) -> Result<Workspace, WorkspaceError> {
        let now = self.clock.now();
        let id = self
            .store
            .write(|tx| store::workspaces::insert(tx, valid, is_sandbox, now))
            .map_err(|e| name_taken(e, &valid.name))?;
        tracing::info!(workspace = id.get(), plan = %valid.plan, "workspace created");
        self.get(id)
    }

    pub fn rename(&self, id: WorkspaceId, name: &str) -> Result<Workspace, WorkspaceError> {
        let name = validate_name(name)?;
        self.store
            .write(|tx| store::workspaces::rename(tx, id, &name))
            .map_err(|e| name_taken(e, &name))?
            .then_some(())
            .ok_or(WorkspaceError::NotFound(id))?;
        tracing::info!(workspace = id.get(), "workspace renamed");
        self.get(id)
    }

    pub fn update(
        &self,
        id: WorkspaceId,
        input: &WorkspaceInput,
    ) -> Result<Workspace, WorkspaceError> {
        let valid = validate(input)?;
        self.store
            .write(|tx| store::workspaces::update(tx, id, &valid))
            .map_err(|e| name_taken(e, &valid.name))?
            .then_some(())
            .ok_or(WorkspaceError::NotFound(id))?;
        tracing::info!(workspace = id.get(), "workspace settings changed");
        self.get(id)
    }

    /// Deletes the workspace and everything under it. Returns the carrier connections it had, so
    /// the caller can delete their keyring entries (the store never touches the keyring).
    pub fn delete(&self, id: WorkspaceId) -> Result<Vec<ConnectionId>, WorkspaceError> {
        let connections = self.store.write(|tx| {
            let connections = store::workspaces::connection_ids(tx, id)?;
            if !store::workspaces::delete(tx, id)? {
                return Err(StoreError::not_found("the workspace"));
            }
            Ok(connections)
        });
        match connections {
            Ok(connections) => {
                tracing::info!(workspace = id.get(), "workspace deleted");
                Ok(connections)
            }
            Err(StoreError::NotFound { .. }) => Err(WorkspaceError::NotFound(id)),
            Err(other) => Err(other.into()),
        }
    }
}

fn name_taken(error: StoreError, name: &str) -> WorkspaceError {
    match error {
        StoreError::Conflict(_) => WorkspaceError::NameTaken(name.to_owned()),
        other => WorkspaceError::Store(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(name: &str, url: &str) -> WorkspaceInput {
        WorkspaceInput {
            name: name.into(),
            plan: "standard".into(),
            flags: vec![],
            monthly_credit_allowance: 500,
            webhook_base_url: url.into(),
        }
    }

    #[test]
    fn webhook_urls_are_checked_and_normalised() {
        let ok = [
            ("https://voice.example.com", "https://voice.example.com"),
            ("https://voice.example.com/", "https://voice.example.com"),
            (
                "  https://voice.example.com/api/ ",
                "https://voice.example.com/api",
            ),
            (
                "https://VOICE.example.com:8443",
                "https://voice.example.com:8443",
            ),
        ];
        for (raw, want) in ok {
            assert_eq!(validate_webhook_base_url(raw).unwrap(), want, "{raw}");
        }
        let bad = [
            ("", "is empty"),
            ("voice.example.com", "not a web address"),
            ("http://voice.example.com", "must use https://"),
            ("ftp://voice.example.com", "must use https://"),
            ("https://user:pw@voice.example.com", "user name or password"),
            ("https://voice.example.com/?a=1", "? or #"),
            ("https://voice.example.com/#x", "? or #"),
        ];
        for (raw, why) in bad {
            let error = validate_webhook_base_url(raw).unwrap_err().to_string();
            assert!(error.contains(why), "{raw:?}: {error}");
        }
    }

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(validate_name("  Acme Dental ").unwrap(), "Acme Dental");
        assert!(matches!(
            validate_name("   "),
            Err(WorkspaceError::EmptyName)
        ));
        assert!(matches!(
            validate_name(&"x".repeat(61)),
            Err(WorkspaceError::NameTooLong(61))
        ));
        assert!(matches!(
            validate_name("a\u{0007}b"),
            Err(WorkspaceError::NameHasControlCharacters)
        ));
    }

    #[test]
    fn plans_flags_and_allowance_are_checked() {
        let mut i = input("A", "https://x.example");
        i.plan = "gold".into();
        assert!(matches!(validate(&i), Err(WorkspaceError::UnknownPlan(p)) if p == "gold"));
        i.plan = "unlimited".into();
        i.flags = vec!["beta_thing".into()];
        assert!(matches!(validate(&i), Err(WorkspaceError::UnknownFlag(_))));
        i.flags = vec![FLAG_FLEX_PHONE_SELF_SERVE.into()];
        i.monthly_credit_allowance = -1;
        assert!(matches!(
            validate(&i),
            Err(WorkspaceError::AllowanceOutOfRange(-1))
        ));
        i.monthly_credit_allowance = 100;
        let valid = validate(&i).unwrap();
        assert_eq!(valid.plan, Plan::Unlimited);
        assert!(valid.flags.contains(FLAG_FLEX_PHONE_SELF_SERVE));
    }
}
