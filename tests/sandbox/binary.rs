//! The `numberdesk-sandbox` binary: one JSON start-up line, then it serves until killed.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use numberdesk::sandbox::StartupInfo;
use reqwest::StatusCode;

use crate::support;

#[tokio::test]
async fn the_binary_prints_one_json_line_and_serves() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_numberdesk-sandbox"))
        .args(["--owned", "1200", "--seed", "7", "--latency-ms", "0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("the binary starts");
    let stdout = child.stdout.take().expect("stdout");
    let line = tokio::task::spawn_blocking(move || {
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line).expect("a line");
        line
    })
    .await
    .expect("read");
    let info: StartupInfo = serde_json::from_str(line.trim()).expect("one JSON line");
    assert!(info.base_urls.twilio_api.starts_with("http://127.0.0.1:"));
    assert!(info.base_urls.twilio_api.ends_with("/twilio/api"));
    assert!(info.base_urls.twilio_pricing.ends_with("/twilio/pricing"));
    assert!(info.base_urls.twilio_routes.ends_with("/twilio/routes"));
    assert!(info.base_urls.telnyx.ends_with("/telnyx"));
    assert_eq!(info.seed, 7);
    assert!(info.twilio.len() >= 2 && info.telnyx.len() >= 2);
    assert_eq!(info.twilio[0].owned_numbers, 1200);
    assert_eq!(info.telnyx[0].owned_numbers, 1200);

    let account = &info.twilio[0];
    let response = support::client()
        .get(format!(
            "{}/2010-04-01/Accounts/{}/IncomingPhoneNumbers.json?PageSize=1",
            info.base_urls.twilio_api, account.account_sid
        ))
        .basic_auth(&account.account_sid, Some(&account.auth_token))
        .send()
        .await
        .expect("served");
    assert_eq!(response.status(), StatusCode::OK);
    let response = support::client()
        .get(format!("{}/v2/balance", info.base_urls.telnyx))
        .bearer_auth(&info.telnyx[0].api_key)
        .send()
        .await
        .expect("served");
    assert_eq!(response.status(), StatusCode::OK);
    child.kill().expect("killed");
    child.wait().expect("exited");
}

#[test]
fn bad_arguments_are_refused() {
    let status = Command::new(env!("CARGO_BIN_EXE_numberdesk-sandbox"))
        .args(["--owned", "many"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("runs");
    assert_eq!(status.code(), Some(2));
}
