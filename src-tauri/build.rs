fn main() {
    #[cfg(feature = "desktop")]
    tauri_build::try_build(
        tauri_build::Attributes::new()
            .capabilities_path_pattern("./src-tauri/capabilities/**/*")
            .app_manifest(tauri_build::AppManifest::new().commands(numberdesk_commands())),
    )
    .expect("tauri-build failed: check tauri.conf.json and src-tauri/capabilities");
}

/// Every command the UI may call. tauri-build turns each into an `allow-<name>` permission, so a
/// capability can list exactly these and nothing else.
#[cfg(feature = "desktop")]
fn numberdesk_commands() -> &'static [&'static str] {
    &[
        "get_session",
        "list_workspaces",
        "create_workspace",
        "rename_workspace",
        "update_workspace",
        "delete_workspace",
        "switch_workspace",
        "set_theme",
        "get_app_info",
        "enable_sandbox",
        "disable_sandbox",
        "list_connections",
        "validate_credentials",
        "check_texml_connection",
        "connect_carrier",
        "list_importable_numbers",
        "preview_import",
        "start_import",
        "watch_import",
        "cancel_import",
        "list_imports",
        "list_countries",
        "search_numbers",
        "cached_search",
        "quote_purchase",
        "buy_number",
        "list_addresses",
        "list_bundles",
        "buy_from_pool",
        "process_orders",
        "list_orders",
        "release_number",
        "get_billing",
        "get_pool_settings",
        "save_pool_settings",
        "clear_pool_settings",
        "query_numbers",
        "number_ids",
        "number_rows",
        "number_sync_times",
        "export_numbers",
        "sync_with_carrier",
        "list_twilio_regions",
        "set_inbound_region",
        "add_regional_key",
        "list_agents",
        "create_agent",
        "rename_agent",
        "agent_holdings",
        "agent_deletion_impact",
        "delete_agent",
        "assign_agent",
        "set_allow_outbound",
        "query_audit",
        "export_audit",
        "list_audit_actions",
        "preview_disconnect",
        "disconnect_carrier",
        "check_number",
        "check_connection",
        "forwarding_guide",
        "connect_sip_trunk",
        "get_sip_trunk",
        "preview_trunk_numbers",
        "add_trunk_numbers",
        "sandbox_sip_trunk",
    ]
}
