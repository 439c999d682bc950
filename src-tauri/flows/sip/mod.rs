//! SIP trunks: carriers NumberDesk reaches without an API, only over SIP. A trunk connection
//! holds where outbound calls go, optional digest credentials (in the keyring) and the carrier's
//! signalling ranges; its numbers are added by hand or from a CSV file. Nothing is ever changed
//! at the carrier, so there is nothing to snapshot or restore.

pub mod check;
pub mod csv_in;
pub mod numbers;
pub mod trunk;

use serde::Serialize;

use crate::app::blocking::TaskFailed;
use crate::app::context::Context;
use crate::domain::failure::{Classified, ErrorKind, UserError};
use crate::domain::ids::{ConnectionId, WorkspaceId};
use crate::domain::kinds::CarrierKind;
use crate::flows::audit::{record_in, AuditAction, AuditRecord, AuditTarget};
use crate::flows::connect::connections::{ConnectionDraft, ConnectionError, Connections};
use crate::flows::workspaces::{Workspace, WorkspaceError};
use crate::secrets::credentials::{Credentials, SipCredentials};
use crate::store::connections::ConnectionRow;
use crate::store::sip_trunks::{self as trunk_rows, SipTrunkRow};
use crate::store::StoreError;

use csv_in::{Candidate, CsvError};
use numbers::{NumbersPreview, PreviewRow};
use trunk::{SipTransport, SipTrunk, SipTrunkError, SipTrunkForm};

/// A SIP trunk connection as the Carriers screen and the check show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SipTrunkView {
    pub connection_id: ConnectionId,
    pub name: String,
    pub host: String,
    pub transport: SipTransport,
    pub port: u16,
    /// Where the agent's outbound calls go, as a SIP URI.
    pub termination_uri: String,
    /// What to give the carrier as the origination (inbound) URI: the workspace's SIP address.
    pub origination_uri: String,
    pub allowed_ranges: Vec<String>,
    /// Digest credentials are kept in the keyring (the username is not shown either).
    pub has_credentials: bool,
}

/// Numbers given to a trunk: a CSV file's bytes, or numbers typed by hand.
#[derive(Debug, Clone)]
pub enum NumbersInput {
    Csv(Vec<u8>),
    Typed(Vec<String>),
}

/// What an import of numbers did: the numbers recorded, and every row left out with why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NumbersAdded {
    pub added: Vec<String>,
    pub rejected: Vec<PreviewRow>,
}

#[derive(Debug, thiserror::Error)]
pub enum SipError {
    #[error(transparent)]
    Trunk(#[from] SipTrunkError),
    #[error(transparent)]
    Csv(#[from] CsvError),
    #[error("\"{0}\" is not a SIP trunk connection: its numbers come from its carrier's API. Use Import numbers instead.")]
    NotATrunk(String),
    #[error("Enter at least one phone number.")]
    NoNumbers,
    #[error("None of the {0} rows can be added; each one's reason is in the list.")]
    NothingGood(usize),
    #[error(transparent)]
    Connection(#[from] ConnectionError),
    #[error(transparent)]
    Workspace(#[from] WorkspaceError),
    #[error(transparent)]
    Store(StoreError),
    #[error(transparent)]
    Task(#[from] TaskFailed),
}

impl From<StoreError> for SipError {
    fn from(error: StoreError) -> Self {
        SipError::Store(error)
    }
}

impl UserError for SipError {
    fn classify(&self) -> Classified<'_> {
        match self {
            Self::Trunk(inner) => Classified::Wraps(inner),
            Self::Csv(inner) => Classified::Wraps(inner),
            Self::Connection(inner) => Classified::Wraps(inner),
            Self::Workspace(inner) => Classified::Wraps(inner),
            Self::Store(inner) => Classified::Wraps(inner),
            Self::Task(inner) => Classified::Wraps(inner),
            Self::NotATrunk(_) | Self::NoNumbers | Self::NothingGood(_) => {
                Classified::Kind(ErrorKind::InvalidInput)
            }
        }
    }
}

/// The workspace's SIP address that the carrier sends inbound calls to: on the host of its
/// webhook base URL, with the workspace in the user part.
pub fn origination_uri(workspace: &Workspace) -> String {
    let host = url::Url::parse(&workspace.webhook_base_url)
        .ok()
        .and_then(|url| url.host_str().map(str::to_owned))
        .unwrap_or_else(|| "localhost".to_owned());
    format!("sip:workspace-{}@{host};transport=tls", workspace.id.get())
}

pub struct SipTrunks<'a> {
    ctx: &'a Context,
}

impl<'a> SipTrunks<'a> {
    pub fn new(ctx: &'a Context) -> Self {
        Self { ctx }
    }

    /// Checks every field, then saves the connection, its trunk and its credentials as one unit.
    pub fn connect(
        &self,
        workspace_id: WorkspaceId,
        form: &SipTrunkForm,
    ) -> Result<SipTrunkView, SipError> {
        let (trunk, digest) = trunk::validate(form)?;
        let workspace = self.ctx.workspaces().get(workspace_id)?;
        let row = SipTrunkRow {
            host: trunk.host.clone(),
            transport: trunk.transport.as_str().to_owned(),
            port: trunk.port,
            port_given: trunk.port_given,
            allowed_ranges: trunk.allowed_ranges.iter().map(|r| r.to_string()).collect(),
            has_digest: digest.is_some(),
        };
        let credentials = Credentials::Sip(SipCredentials {
            username: digest.as_ref().map(|d| d.username.clone()),
            password: digest.map(|d| d.password),
        });
        let connection = Connections::new(self.ctx).save_with(
            workspace_id,
            &ConnectionDraft {
                name: form.name.clone(),
                credentials,
                account_ref: None,
                account_name: Some(trunk.host.clone()),
                texml_connection_id: None,
                messaging_profile_id: None,
                is_sandbox: workspace.is_sandbox,
            },
            |tx, id| trunk_rows::insert(tx, workspace_id, id, &row).map_err(SipError::from),
        )?;
        Ok(view(&workspace, &connection, &trunk, row.has_digest))
    }

    /// The trunk of a SIP connection.
    pub fn get(
        &self,
        workspace_id: WorkspaceId,
        connection_id: ConnectionId,
    ) -> Result<(SipTrunkView, SipTrunk), SipError> {
        let connection = Connections::new(self.ctx).get(workspace_id, connection_id)?;
        if connection.carrier != CarrierKind::Sip {
            return Err(SipError::NotATrunk(connection.name));
        }
        let row = self
            .ctx
            .store
            .read(|c| trunk_rows::get(c, workspace_id, connection_id))?
            .ok_or(ConnectionError::NotFound)?;
        let workspace = self.ctx.workspaces().get(workspace_id)?;
        let trunk = SipTrunk::from_row(&row)?;
        Ok((view(&workspace, &connection, &trunk, row.has_digest), trunk))
    }

    /// Every row judged, nothing written.
    pub fn preview(
        &self,
        workspace_id: WorkspaceId,
        connection_id: ConnectionId,
        input: &NumbersInput,
    ) -> Result<NumbersPreview, SipError> {
        self.get(workspace_id, connection_id)?;
        let candidates = candidates(input)?;
        Ok(self
            .ctx
            .store
            .read(|c| numbers::judge(c, workspace_id, connection_id, &candidates))?)
    }

    /// Records every good row in one transaction, with one audit entry, and reports the rest.
    /// When no row is good nothing is written and the error says so.
    pub fn add(
        &self,
        workspace_id: WorkspaceId,
        connection_id: ConnectionId,
        input: &NumbersInput,
    ) -> Result<NumbersAdded, SipError> {
        let (view, _) = self.get(workspace_id, connection_id)?;
        let candidates = candidates(input)?;
        let now = self.ctx.clock.now();
        let redactor = self.ctx.redactor.clone();
        let (added, preview) = self.ctx.store.write(|tx| {
            let preview = numbers::judge(tx, workspace_id, connection_id, &candidates)?;
            if preview.good == 0 {
                return Err(SipError::NothingGood(preview.rows.len()));
            }
            let added = numbers::record_good(tx, workspace_id, connection_id, &preview, now)?;
            let source = match input {
                NumbersInput::Csv(_) => "from a CSV file",
                NumbersInput::Typed(_) => "by hand",
            };
            let record = AuditRecord::new(
                AuditAction::Import,
                AuditTarget::Local,
                format!(
                    "{} added to the SIP trunk {source}{}",
                    count(added.len()),
                    match preview.bad {
                        0 => String::new(),
                        bad => format!("; {} left out", count_rows(bad)),
                    }
                ),
            )
            .connection(view.name.clone())
            .numbers(added.clone());
            record_in(tx, &redactor, workspace_id, &record, now)?;
            Ok((added, preview))
        })?;
        tracing::info!(
            workspace = workspace_id.get(),
            connection = connection_id.get(),
            added = added.len(),
            left_out = preview.bad,
            "numbers added to a SIP trunk"
        );
        Ok(NumbersAdded {
            added,
            rejected: preview.bad_rows().cloned().collect(),
        })
    }
}

fn candidates(input: &NumbersInput) -> Result<Vec<Candidate>, SipError> {
    let candidates = match input {
        NumbersInput::Csv(bytes) => csv_in::read(bytes)?,
        NumbersInput::Typed(entries) => csv_in::typed(entries),
    };
    if candidates.is_empty() {
        return Err(SipError::NoNumbers);
    }
    if candidates.len() > csv_in::MAX_ROWS {
        return Err(CsvError::TooManyRows.into());
    }
    Ok(candidates)
}

fn count(n: usize) -> String {
    match n {
        1 => "1 number".to_owned(),
        n => format!("{n} numbers"),
    }
}

fn count_rows(n: usize) -> String {
    match n {
        1 => "1 row".to_owned(),
        n => format!("{n} rows"),
    }
}

fn view(
    workspace: &Workspace,
    connection: &ConnectionRow,
    trunk: &SipTrunk,
    has_credentials: bool,
) -> SipTrunkView {
    SipTrunkView {
        connection_id: connection.id,
        name: connection.name.clone(),
        host: trunk.host.clone(),
        transport: trunk.transport,
        port: trunk.port,
        termination_uri: trunk.termination_uri(),
        origination_uri: origination_uri(workspace),
        allowed_ranges: trunk.allowed_ranges.iter().map(|r| r.to_string()).collect(),
        has_credentials,
    }
}
