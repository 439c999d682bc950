//! The one reconciler of the carrier side effects that are not purchases (those settle with the
//! order sync, `flows::purchase::recovery`): region changes, the unconfirmed changes of managed
//! imports, and disconnects a crash cut short mid-restore. Each kind asks the carrier what is true through its own connection's account; the
//! App runs a pass at start and every sync interval.

use serde::Serialize;

use crate::flows::accounts::Accounts;
use crate::flows::disconnect;
use crate::flows::import::reconcile as import_changes;
use crate::flows::manage::regions;

/// What one pass settled, per kind, and the errors of kinds that could not be looked at.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Pass {
    pub regions: regions::Reconciled,
    pub import_changes: import_changes::Reconciled,
    pub disconnects: disconnect::RolledBack,
    pub errors: Vec<String>,
}

impl Pass {
    pub fn is_empty(&self) -> bool {
        self.regions.settled + self.regions.left == 0
            && self.import_changes.is_empty()
            && self.disconnects.settled + self.disconnects.left == 0
            && self.errors.is_empty()
    }
}

/// Settles what each kind can settle now; a kind that fails does not stop the others.
pub async fn pass(accounts: &Accounts) -> Pass {
    let mut pass = Pass::default();
    match regions::reconcile(accounts).await {
        Ok(done) => pass.regions = done,
        Err(error) => pass.errors.push(format!("Region changes: {error}")),
    }
    match import_changes::reconcile(accounts).await {
        Ok(done) => pass.import_changes = done,
        Err(error) => pass.errors.push(format!("Import changes: {error}")),
    }
    match disconnect::reconcile(accounts).await {
        Ok(done) => pass.disconnects = done,
        Err(error) => pass
            .errors
            .push(format!("Interrupted disconnects: {error}")),
    }
    pass
}
