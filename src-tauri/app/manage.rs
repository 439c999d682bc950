//! Managing the numbers a workspace holds, as the shells use it: the numbers table and its CSV,
//! agents, the audit log, and the carrier side (sync, inbound regions, disconnect, checks). Every
//! call runs off the async runtime.

use crate::domain::ids::{ConnectionId, PhoneNumberId, WorkspaceId};
use std::io::Write;
use std::path::Path;

use super::export::{self, ExportError, ExportFile};
use super::App;
use crate::flows::audit::{AuditAction, AuditError, AuditFilter, AuditLog, AuditPage};
use crate::flows::disconnect::{self, DisconnectError, DisconnectPreview, DisconnectReport};
use crate::flows::manage::agents::{self, AgentError, AssignmentOutcome, DeletionImpact};
use crate::flows::manage::diagnostics::{self, Diagnosis, DiagnosticsError};
use crate::flows::manage::regions::{self, RegionError, RegionOutcome};
use crate::flows::manage::sync::{self, SyncError, WorkspaceSync};
use crate::flows::manage::table::{
    ConnectionSyncTime, NumberFilter, NumberQuery, NumbersTable, Sort, TableError, TablePage,
    TableRow,
};
use crate::store::agents::{AgentRow, Holding};
use crate::store::orders::UnsettledScope;

/// The Phone Numbers table.
pub struct Numbers<'a> {
    app: &'a App,
}

impl<'a> Numbers<'a> {
    pub(super) fn new(app: &'a App) -> Self {
        Self { app }
    }

    pub async fn page(
        &self,
        workspace_id: WorkspaceId,
        query: NumberQuery,
    ) -> Result<TablePage, TableError> {
        self.app
            .blocking(move |ctx| NumbersTable::new(ctx).page(workspace_id, &query))
            .await
    }

    pub async fn rows(
        &self,
        workspace_id: WorkspaceId,
        ids: Vec<PhoneNumberId>,
    ) -> Result<Vec<TableRow>, TableError> {
        self.app
            .blocking(move |ctx| NumbersTable::new(ctx).rows(workspace_id, &ids))
            .await
    }

    pub async fn ids(
        &self,
        workspace_id: WorkspaceId,
        filter: NumberFilter,
    ) -> Result<Vec<PhoneNumberId>, TableError> {
        self.app
            .blocking(move |ctx| NumbersTable::new(ctx).ids(workspace_id, &filter))
            .await
    }

    pub async fn sync_times(
        &self,
        workspace_id: WorkspaceId,
    ) -> Result<Vec<ConnectionSyncTime>, TableError> {
        self.app
            .blocking(move |ctx| NumbersTable::new(ctx).sync_times(workspace_id))
            .await
    }

    /// The numbers `filter` selects, as CSV, to `out` (a terminal's standard output, say).
    pub async fn export_csv(
        &self,
        workspace_id: WorkspaceId,
        filter: NumberFilter,
        sort: Sort,
        out: impl Write + Send + 'static,
    ) -> Result<usize, TableError> {
        self.app
            .blocking(move |ctx| {
                NumbersTable::new(ctx).export_csv(workspace_id, &filter, sort, out)
            })
            .await
    }

    /// The same into the file at `path`, all or nothing.
    pub async fn export_to_file(
        &self,
        workspace_id: WorkspaceId,
        filter: NumberFilter,
        sort: Sort,
        path: &Path,
    ) -> Result<ExportFile, ExportError> {
        let path = path.to_path_buf();
        self.app
            .blocking(move |ctx| {
                export::to_file(&path, |out| {
                    NumbersTable::new(ctx).export_csv(workspace_id, &filter, sort, out)
                })
            })
            .await
    }

    /// The same into a new file of `dir`, named after the export and the time.
    pub async fn export_to_dir(
        &self,
        workspace_id: WorkspaceId,
        filter: NumberFilter,
        sort: Sort,
        dir: &Path,
    ) -> Result<ExportFile, ExportError> {
        let path = export::free_name(dir, "numbers", self.app.context().clock.now())?;
        self.export_to_file(workspace_id, filter, sort, &path).await
    }
}

/// The workspace's agents and which numbers they hold.
pub struct Agents<'a> {
    app: &'a App,
}

impl<'a> Agents<'a> {
    pub(super) fn new(app: &'a App) -> Self {
        Self { app }
    }

    pub async fn list(&self, workspace_id: WorkspaceId) -> Result<Vec<AgentRow>, AgentError> {
        self.app
            .blocking(move |ctx| agents::Agents::new(ctx).list(workspace_id))
            .await
    }

    pub async fn create(
        &self,
        workspace_id: WorkspaceId,
        name: String,
    ) -> Result<AgentRow, AgentError> {
        self.app
            .blocking(move |ctx| agents::Agents::new(ctx).create(workspace_id, &name))
            .await
    }

    pub async fn rename(
        &self,
        workspace_id: WorkspaceId,
        id: i64,
        name: String,
    ) -> Result<AgentRow, AgentError> {
        self.app
            .blocking(move |ctx| agents::Agents::new(ctx).rename(workspace_id, id, &name))
            .await
    }

    pub async fn holdings(
        &self,
        workspace_id: WorkspaceId,
        id: i64,
    ) -> Result<Vec<Holding>, AgentError> {
        self.app
            .blocking(move |ctx| agents::Agents::new(ctx).holdings(workspace_id, id))
            .await
    }

    pub async fn deletion_impact(
        &self,
        workspace_id: WorkspaceId,
        id: i64,
    ) -> Result<DeletionImpact, AgentError> {
        self.app
            .blocking(move |ctx| agents::Agents::new(ctx).deletion_impact(workspace_id, id))
            .await
    }

    /// Deletes an agent; one that holds numbers needs `confirmed`. Returns what it held.
    pub async fn delete(
        &self,
        workspace_id: WorkspaceId,
        id: i64,
        confirmed: bool,
    ) -> Result<Vec<Holding>, AgentError> {
        self.app
            .blocking(move |ctx| agents::Agents::new(ctx).delete(workspace_id, id, confirmed))
            .await
    }

    /// Puts `agent_id` (or nobody) in `slot` (`inbound`, `outbound` or `sms`) of every number.
    pub async fn assign(
        &self,
        workspace_id: WorkspaceId,
        number_ids: Vec<PhoneNumberId>,
        slot: &str,
        agent_id: Option<i64>,
    ) -> Result<AssignmentOutcome, AgentError> {
        let slot = agents::slot(slot)?;
        self.app
            .blocking(move |ctx| {
                agents::Agents::new(ctx).assign(workspace_id, &number_ids, slot, agent_id)
            })
            .await
    }

    pub async fn set_allow_outbound(
        &self,
        workspace_id: WorkspaceId,
        number_ids: Vec<PhoneNumberId>,
        allow: bool,
    ) -> Result<AssignmentOutcome, AgentError> {
        self.app
            .blocking(move |ctx| {
                agents::Agents::new(ctx).set_allow_outbound(workspace_id, &number_ids, allow)
            })
            .await
    }
}

/// The audit log.
pub struct Audit<'a> {
    app: &'a App,
}

impl<'a> Audit<'a> {
    pub(super) fn new(app: &'a App) -> Self {
        Self { app }
    }

    pub async fn query(
        &self,
        workspace_id: WorkspaceId,
        filter: AuditFilter,
    ) -> Result<AuditPage, AuditError> {
        self.app
            .blocking(move |ctx| AuditLog::new(ctx).query(workspace_id, &filter))
            .await
    }

    /// The actions the log can hold, for its filter.
    pub fn actions(&self) -> &'static [AuditAction] {
        &AuditAction::ALL
    }

    /// The entries `filter` selects, as CSV, into a new file of `dir`.
    pub async fn export_to_dir(
        &self,
        workspace_id: WorkspaceId,
        filter: AuditFilter,
        dir: &Path,
    ) -> Result<ExportFile, ExportError> {
        let path = export::free_name(dir, "audit", self.app.context().clock.now())?;
        self.app
            .blocking(move |ctx| {
                export::to_file(&path, |out| {
                    AuditLog::new(ctx).export_csv(workspace_id, &filter, out)
                })
            })
            .await
    }
}

/// The carrier side of a workspace's numbers.
pub struct Carriers<'a> {
    app: &'a App,
}

impl<'a> Carriers<'a> {
    pub(super) fn new(app: &'a App) -> Self {
        Self { app }
    }

    /// "Sync with carrier": one connection, or every connection of the workspace.
    pub async fn sync(
        &self,
        workspace_id: WorkspaceId,
        connection_id: Option<ConnectionId>,
    ) -> Result<WorkspaceSync, SyncError> {
        sync::sync_workspace(self.app.accounts(), workspace_id, connection_id).await
    }

    /// Moves Twilio numbers to another inbound processing region.
    pub async fn set_inbound_region(
        &self,
        workspace_id: WorkspaceId,
        number_ids: &[PhoneNumberId],
        region: &str,
    ) -> Result<RegionOutcome, RegionError> {
        regions::set_region(self.app.accounts(), workspace_id, number_ids, region, false).await
    }

    /// Adds to a Twilio connection the API key made in `region` (see
    /// [`regions::add_regional_key`]).
    pub async fn add_regional_key(
        &self,
        workspace_id: WorkspaceId,
        connection_id: ConnectionId,
        region: &str,
        key_sid: &str,
        key_secret: crate::secrets::Sensitive<String>,
    ) -> Result<(), RegionError> {
        regions::add_regional_key(
            self.app.accounts(),
            workspace_id,
            connection_id,
            region,
            key_sid,
            key_secret,
        )
        .await
    }

    /// What disconnecting a connection would do.
    pub async fn preview_disconnect(
        &self,
        workspace_id: WorkspaceId,
        connection_id: ConnectionId,
    ) -> Result<DisconnectPreview, DisconnectError> {
        self.app
            .blocking(move |ctx| disconnect::preview(ctx, workspace_id, connection_id))
            .await
    }

    /// Disconnects a carrier: optionally its numbers' previous settings restored at the carrier,
    /// then its numbers, the connection and its keyring entry go together, or nothing goes.
    /// Purchases through it are settled first; while any stay open it refuses, unless `force`.
    pub async fn disconnect(
        &self,
        workspace_id: WorkspaceId,
        connection_id: ConnectionId,
        restore: bool,
        force: bool,
    ) -> Result<DisconnectReport, DisconnectError> {
        let open = self
            .app
            .purchases()
            .settle_before(UnsettledScope::Connection(workspace_id, connection_id))
            .await
            .map_err(|error| DisconnectError::Settle(Box::new(error)))?;
        let report = disconnect::disconnect(
            self.app.accounts(),
            workspace_id,
            connection_id,
            restore,
            open,
            force,
        )
        .await?;
        self.app
            .inner
            .listings
            .forget((workspace_id, connection_id));
        Ok(report)
    }

    pub async fn check_number(
        &self,
        workspace_id: WorkspaceId,
        number_id: PhoneNumberId,
    ) -> Result<Diagnosis, DiagnosticsError> {
        diagnostics::check_number(self.app.accounts(), workspace_id, number_id).await
    }

    pub async fn check_connection(
        &self,
        workspace_id: WorkspaceId,
        connection_id: ConnectionId,
    ) -> Result<Diagnosis, DiagnosticsError> {
        diagnostics::check_connection(self.app.accounts(), workspace_id, connection_id).await
    }
}
