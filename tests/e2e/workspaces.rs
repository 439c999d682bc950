//! Workspaces as a user handles them: first run, create two, switch, rename, restart, still there.

use crate::harness::{run, shown_text, App, Profile, Result};

/// Fills the workspace form found under `scope` and submits it.
async fn submit_workspace_form(app: &App, scope: &str, name: &str, webhook: &str) -> Result {
    app.fill(&format!("{scope} [name='name']"), name).await?;
    app.fill(&format!("{scope} [name='webhookBaseUrl']"), webhook)
        .await?;
    app.click(&format!("{scope} [data-testid='workspace-submit']"))
        .await
}

async fn open_switcher(app: &App) -> Result {
    app.click("[data-testid='workspace-switcher']").await?;
    app.wait_for("[data-testid='workspace-option']").await?;
    Ok(())
}

async fn switch_to(app: &App, name: &str) -> Result {
    open_switcher(app).await?;
    for option in app.find_all("[data-testid='workspace-option']").await? {
        if shown_text(&option).await?.contains(name) {
            option.click().await?;
            return app
                .wait_for_text("[data-testid='current-workspace-name']", name)
                .await;
        }
    }
    Err(format!("no workspace called {name} in the switcher").into())
}

#[test]
fn workspaces_are_created_switched_renamed_and_kept_across_a_restart() {
    run(|| async {
        let profile = Profile::new();
        let app = App::launch(&profile).await?;

        // First run: the welcome screen asks for a first workspace, and refuses http://.
        app.wait_for("[data-testid='view-welcome']").await?;
        submit_workspace_form(
            &app,
            "[data-testid='view-welcome']",
            "Acme Dental",
            "http://voice.acme.example",
        )
        .await?;
        let error = app.wait_for("[data-testid='form-error']").await?;
        let message = shown_text(&error).await?;
        assert!(
            message.contains("must use https://"),
            "error shown: {message:?}"
        );
        app.find("[data-testid='view-welcome']").await?;

        submit_workspace_form(
            &app,
            "[data-testid='view-welcome']",
            "Acme Dental",
            "https://voice.acme.example",
        )
        .await?;
        app.wait_for_text("[data-testid='current-workspace-name']", "Acme Dental")
            .await?;

        // A second workspace from the switcher, on the Unlimited plan; it becomes the current one.
        open_switcher(&app).await?;
        app.click("[data-testid='new-workspace']").await?;
        app.select("dialog[open] [name='plan']", "unlimited")
            .await?;
        submit_workspace_form(
            &app,
            "dialog[open]",
            "Beta Plumbing",
            "https://voice.beta.example",
        )
        .await?;
        app.wait_for_text("[data-testid='current-workspace-name']", "Beta Plumbing")
            .await?;
        app.wait_for_text(
            "[data-testid='workspace-switcher'] .switcher__meta",
            "Unlimited plan",
        )
        .await?;

        // Switch back and rename it in Settings.
        switch_to(&app, "Acme Dental").await?;
        app.click("[data-nav='settings']").await?;
        app.wait_for("[data-testid='view-settings']").await?;
        app.wait_for_text(
            "[data-testid='about-carrier-hosts']",
            "Twilio's and Telnyx's own",
        )
        .await?;
        app.fill(
            "[data-testid='view-settings'] [name='name']",
            "Acme Dental & Co",
        )
        .await?;
        app.click("[data-testid='view-settings'] [data-testid='workspace-submit']")
            .await?;
        app.wait_for_text("[data-testid='current-workspace-name']", "Acme Dental & Co")
            .await?;
        app.quit().await?;

        // Restart: both are there, and the last one used is open.
        let app = App::launch(&profile).await?;
        app.wait_for_text("[data-testid='current-workspace-name']", "Acme Dental & Co")
            .await?;
        open_switcher(&app).await?;
        let names = app.texts("[data-testid='workspace-option']").await?;
        assert_eq!(names.len(), 2, "{names:?}");
        assert!(
            names.iter().any(|n| n.contains("Acme Dental & Co")),
            "{names:?}"
        );
        assert!(
            names.iter().any(|n| n.contains("Beta Plumbing")),
            "{names:?}"
        );
        app.quit().await
    });
}

#[test]
fn deleting_a_workspace_asks_first_and_removes_only_it() {
    run(|| async {
        let profile = Profile::new();
        let app = App::launch(&profile).await?;
        app.wait_for("[data-testid='view-welcome']").await?;
        submit_workspace_form(
            &app,
            "[data-testid='view-welcome']",
            "Keep Me",
            "https://voice.keep.example",
        )
        .await?;
        app.wait_for_text("[data-testid='current-workspace-name']", "Keep Me")
            .await?;
        open_switcher(&app).await?;
        app.click("[data-testid='new-workspace']").await?;
        submit_workspace_form(
            &app,
            "dialog[open]",
            "Delete Me",
            "https://voice.delete.example",
        )
        .await?;
        app.wait_for_text("[data-testid='current-workspace-name']", "Delete Me")
            .await?;

        app.click("[data-nav='settings']").await?;
        // Cancel first: nothing happens.
        app.click("[data-testid='delete-workspace']").await?;
        let dialog = app.wait_for("dialog[open]").await?;
        let question = shown_text(&dialog).await?;
        assert!(
            question.contains("Delete Me"),
            "the dialog names the workspace: {question}"
        );
        app.click("dialog[open] [data-testid='dialog-cancel']")
            .await?;
        app.wait_for_text("[data-testid='current-workspace-name']", "Delete Me")
            .await?;

        app.click("[data-testid='delete-workspace']").await?;
        app.click("dialog[open] [data-testid='dialog-confirm']")
            .await?;
        app.wait_for_text("[data-testid='current-workspace-name']", "Keep Me")
            .await?;
        open_switcher(&app).await?;
        let names = app.texts("[data-testid='workspace-option']").await?;
        assert_eq!(names.len(), 1, "{names:?}");
        assert!(names[0].contains("Keep Me"));
        app.quit().await
    });
}
