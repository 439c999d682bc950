//! SIP trunk connections and their numbers, as the shells use them: every call runs off the
//! async runtime.

use super::App;
use crate::domain::ids::{ConnectionId, WorkspaceId};
use crate::flows::sip::numbers::NumbersPreview;
use crate::flows::sip::trunk::SipTrunkForm;
use crate::flows::sip::{NumbersAdded, NumbersInput, SipError, SipTrunkView, SipTrunks};

pub struct Trunks<'a> {
    app: &'a App,
}

impl<'a> Trunks<'a> {
    pub(super) fn new(app: &'a App) -> Self {
        Self { app }
    }

    /// Checks the form and saves the trunk with its credentials (in the keyring), or nothing.
    pub async fn connect(
        &self,
        workspace_id: WorkspaceId,
        form: SipTrunkForm,
    ) -> Result<SipTrunkView, SipError> {
        self.app
            .blocking(move |ctx| SipTrunks::new(ctx).connect(workspace_id, &form))
            .await
    }

    pub async fn get(
        &self,
        workspace_id: WorkspaceId,
        connection_id: ConnectionId,
    ) -> Result<SipTrunkView, SipError> {
        self.app
            .blocking(move |ctx| Ok(SipTrunks::new(ctx).get(workspace_id, connection_id)?.0))
            .await
    }

    /// Every row of a CSV file or a typed list, judged; nothing is written.
    pub async fn preview_numbers(
        &self,
        workspace_id: WorkspaceId,
        connection_id: ConnectionId,
        input: NumbersInput,
    ) -> Result<NumbersPreview, SipError> {
        self.app
            .blocking(move |ctx| SipTrunks::new(ctx).preview(workspace_id, connection_id, &input))
            .await
    }

    /// Adds the good rows in one transaction and reports the rest.
    pub async fn add_numbers(
        &self,
        workspace_id: WorkspaceId,
        connection_id: ConnectionId,
        input: NumbersInput,
    ) -> Result<NumbersAdded, SipError> {
        self.app
            .blocking(move |ctx| SipTrunks::new(ctx).add(workspace_id, connection_id, &input))
            .await
    }
}
