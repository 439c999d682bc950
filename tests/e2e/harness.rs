//! Launches the built app through tauri-driver and gives tests a WebDriver client plus helpers
//! that read like what a user does. Later flows add their tests beside `workspaces.rs` and reuse
//! this as it is.
//!
//! When a test fails (an error, a panic or the time limit) while its window is open, [`run`] says
//! what the window showed at that moment: the test's step and the harness's last action, the text
//! of the open dialog and of the page, the toasts, what the page logged as errors or warnings,
//! and a screenshot. A WebDriver error's kind is named too (WebKitWebDriver often sends an empty
//! message, so "webdriver returned error: " alone said nothing).

use std::cell::RefCell;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, Once};
use std::time::{Duration, Instant};

use fantoccini::elements::Element;
use fantoccini::error::CmdError;
use fantoccini::{Client, ClientBuilder, Locator};

#[path = "../../src-tauri/bin/tauri_driver.rs"]
mod tauri_driver;
use tauri_driver::{profile_env, Driver};

/// Every e2e test is bounded by this, so a stuck WebDriver session fails instead of hanging CI.
pub const TEST_TIMEOUT: Duration = Duration::from_secs(90);
/// How long to wait for something to appear on screen.
pub const UI_WAIT: Duration = Duration::from_secs(15);
/// How long reading the window after a failure may take (the session may be stuck itself).
const REPORT_WAIT: Duration = Duration::from_secs(20);

pub type Result<T = ()> = std::result::Result<T, Box<dyn std::error::Error + Send + Sync>>;

/// Runs an async e2e test on a fresh runtime, bounded by [`TEST_TIMEOUT`]. A failure is reported
/// with what the window of the last app the test launched showed (see the module comment).
pub fn run<F>(test: impl FnOnce() -> F)
where
    F: std::future::Future<Output = Result>,
{
    static CRYPTO: Once = Once::new();
    CRYPTO.call_once(|| {
        // fantoccini and reqwest both bring rustls; pick the provider once per process.
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    // The app's window outlives the test's future only as `LEFT_OPEN`, so it is read here, on the
    // runtime that drives its WebDriver session, and then closed.
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        runtime.block_on(async { tokio::time::timeout(TEST_TIMEOUT, test()).await })
    }));
    let left_open = LEFT_OPEN.with(|slot| slot.borrow_mut().take());
    let failure = match &outcome {
        Ok(Ok(Ok(()))) => return,
        Ok(Ok(Err(error))) => explain(error.as_ref()),
        Ok(Err(_)) => format!("the test did not finish within {TEST_TIMEOUT:?}"),
        Err(_) => "the test panicked (its message is above)".to_owned(),
    };
    let report = match left_open {
        Some(window) => runtime.block_on(window.report()),
        None => "(no window was open when it failed)".to_owned(),
    };
    match outcome {
        Err(panic) => {
            eprintln!("{report}");
            std::panic::resume_unwind(panic)
        }
        Ok(_) => panic!("{failure}\n{report}"),
    }
}

/// An error as a sentence; WebDriver errors also name their kind, since their message may be empty.
fn explain(error: &(dyn std::error::Error + 'static)) -> String {
    match error.downcast_ref::<CmdError>() {
        Some(error) => webdriver_error(error),
        None => error.to_string(),
    }
}

/// A WebDriver error with its kind (e.g. "stale element reference") and message.
fn webdriver_error(error: &CmdError) -> String {
    match error {
        CmdError::Standard(e) if e.message.trim().is_empty() => format!("webdriver: {}", e.error),
        CmdError::Standard(e) => format!("webdriver: {}: {}", e.error, e.message),
        other => other.to_string(),
    }
}

thread_local! {
    /// The window of the app a test dropped without quitting it: the test failed while it was
    /// open. Only the most recently launched app is kept, as it is the one the test was driving.
    static LEFT_OPEN: RefCell<Option<OpenWindow>> = const { RefCell::new(None) };
}

/// Numbers each launch, so the last one launched is the one reported.
static LAUNCHES: AtomicU64 = AtomicU64::new(0);

/// A window still open after its test failed, with what the test was doing.
struct OpenWindow {
    client: Client,
    driver: Driver,
    launch: u64,
    doing: Doing,
}

impl OpenWindow {
    /// What the window shows now, as text for a failure message; then the app is stopped.
    async fn report(mut self) -> String {
        let shown = match tokio::time::timeout(REPORT_WAIT, window_state(&self.client)).await {
            Ok(Ok(state)) => state,
            Ok(Err(error)) => format!(
                "(the window could not be read: {})",
                explain(error.as_ref())
            ),
            Err(_) => format!("(the window did not answer within {REPORT_WAIT:?})"),
        };
        let shot = match tokio::time::timeout(REPORT_WAIT, save_screenshot(&self.client)).await {
            Ok(Ok(path)) => path.display().to_string(),
            Ok(Err(error)) => format!("none ({})", explain(error.as_ref())),
            Err(_) => "none (the window did not answer)".to_owned(),
        };
        self.driver.stop();
        format!(
            "--- what the window showed when it failed\nstep: {}\nlast action: {}\n{shown}\nscreenshot: {shot}\n---",
            or_none(&self.doing.step),
            or_none(&self.doing.action),
        )
    }
}

fn or_none(text: &str) -> &str {
    if text.is_empty() {
        "(none recorded)"
    } else {
        text
    }
}

/// The test's current step (named by [`App::step`]) and the harness's last action in it.
#[derive(Default, Clone)]
struct Doing {
    step: String,
    action: String,
}

/// Reads, in one script, the route, the open dialogs, the toasts, the page's text and what the
/// page logged; lists them one per line.
async fn window_state(client: &Client) -> Result<String> {
    const SCRIPT: &str = r#"
        const text = (el) => (el.innerText || "").split("\n").map((l) => l.trim()).filter(Boolean).join(" | ");
        const cut = (s, n) => (s.length > n ? `${s.slice(0, n)}… (${s.length - n} more characters)` : s);
        const dialogs = [...document.querySelectorAll("dialog[open]")].map((d) => `[${d.dataset.testid || "dialog"}] ${cut(text(d), 1500)}`);
        const toasts = [...document.querySelectorAll("[data-testid='toast']")].map((t) => `[${t.dataset.kind || "toast"}] ${text(t)}`);
        const app = document.getElementById("app") || document.body;
        const logged = window.__e2eLogged;
        return [
            `route: ${location.hash || "(none)"}`,
            `dialogs: ${dialogs.length ? dialogs.join(" || ") : "(none open)"}`,
            `toasts: ${toasts.length ? toasts.join(" || ") : "(none)"}`,
            `page: ${cut(text(app), 3000) || "(empty)"}`,
            `console: ${logged ? (logged.length ? logged.join(" || ") : "(no errors or warnings)") : "(not recorded: the hook was not installed)"}`,
        ].join("\n");
    "#;
    let value = client.execute(SCRIPT, vec![]).await?;
    Ok(value.as_str().unwrap_or_default().to_owned())
}

/// Saves the window to a PNG under the target folder, for reading a failure; returns its path.
async fn save_screenshot(client: &Client) -> Result<PathBuf> {
    let path = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!(
        "e2e-failure-{}.png",
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis())
            .unwrap_or_default()
    ));
    std::fs::write(&path, client.screenshot().await?)?;
    Ok(path)
}

/// Keeps what the page logs as errors and warnings (and uncaught errors) in `window.__e2eLogged`,
/// still passing them on to the console. Installed once the window shows, so only a failure to
/// start at all goes unrecorded (and then the page text says so).
const RECORD_CONSOLE: &str = r#"
    if (!window.__e2eLogged) {
        const logged = [];
        Object.defineProperty(window, "__e2eLogged", { value: logged });
        // One line each: a stack's line breaks would scatter the failure message.
        const record = (line) => logged.push(line.replace(/\s*\n\s*/g, " "));
        const describe = (value) => {
            if (value instanceof Error) return value.stack ? `${value.name}: ${value.message} ${value.stack}` : `${value.name}: ${value.message}`;
            if (value && typeof value === "object") {
                try { return JSON.stringify(value); } catch { return String(value); }
            }
            return String(value);
        };
        for (const level of ["error", "warn"]) {
            const original = console[level].bind(console);
            console[level] = (...args) => {
                record(`${level}: ${args.map(describe).join(" ")}`);
                original(...args);
            };
        }
        window.addEventListener("error", (event) => record(`uncaught: ${event.message} (${event.filename}:${event.lineno})`));
        window.addEventListener("unhandledrejection", (event) => record(`unhandled rejection: ${describe(event.reason)}`));
    }
"#;

/// A data folder (database, logs, settings, WebKit caches) that outlives app restarts within a test.
pub struct Profile {
    dir: tempfile::TempDir,
    keyring_service: String,
    env: Vec<(String, String)>,
}

impl Profile {
    pub fn new() -> Self {
        let dir = tempfile::tempdir().expect("a temp folder");
        let keyring_service = format!(
            "app.numberdesk.e2e.{}.{}",
            std::process::id(),
            dir.path().file_name().unwrap().to_string_lossy()
        );
        Self {
            dir,
            keyring_service,
            env: Vec::new(),
        }
    }

    /// Points every real carrier host at the carrier sandbox `urls`, for this profile's app.
    pub fn with_carriers_at(mut self, urls: &numberdesk::sandbox::BaseUrls) -> Self {
        for (variable, value) in [
            ("NUMBERDESK_TWILIO_API_URL", &urls.twilio_api),
            ("NUMBERDESK_TWILIO_PRICING_URL", &urls.twilio_pricing),
            ("NUMBERDESK_TWILIO_ROUTES_URL", &urls.twilio_routes),
            ("NUMBERDESK_TWILIO_NUMBERS_URL", &urls.twilio_numbers),
            ("NUMBERDESK_TWILIO_REGIONAL_URL", &urls.twilio_regional),
            ("NUMBERDESK_TELNYX_URL", &urls.telnyx),
        ] {
            self.env.push((variable.to_owned(), value.clone()));
        }
        self
    }

    /// Sets an environment variable for this profile's app (e.g. a slower background sync).
    pub fn with_env(mut self, name: &str, value: &str) -> Self {
        self.env.push((name.to_owned(), value.to_owned()));
        self
    }

    /// The keyring service this profile's app keeps its credentials under.
    pub fn keyring_service(&self) -> &str {
        &self.keyring_service
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Every file the app wrote for this profile (database, logs, settings, WebKit's caches)
    /// that contains `needle`.
    pub fn files_containing(&self, needle: &str) -> Vec<PathBuf> {
        let mut found = Vec::new();
        let mut folders = vec![self.path().to_path_buf()];
        while let Some(folder) = folders.pop() {
            let Ok(entries) = std::fs::read_dir(&folder) else {
                continue;
            };
            for entry in entries.flatten() {
                let path = entry.path();
                if path.is_dir() {
                    folders.push(path);
                } else if std::fs::read(&path)
                    .is_ok_and(|bytes| bytes.windows(needle.len()).any(|w| w == needle.as_bytes()))
                {
                    found.push(path);
                }
            }
        }
        found
    }

    fn data_dir(&self) -> PathBuf {
        self.path().join("data")
    }

    fn home(&self) -> PathBuf {
        self.path().join("home")
    }
}

/// The app, running, with a WebDriver session on its window.
pub struct App {
    pub client: Client,
    /// `None` once quit; an app dropped with its driver is one whose test failed.
    driver: Option<Driver>,
    launch: u64,
    doing: Mutex<Doing>,
}

impl Drop for App {
    /// Keeps the window open for [`run`]'s report instead of stopping it: an app the test did
    /// not quit() is one whose test failed. It stays open until `run` ends, so a test that closes
    /// an app mid-way (before a restart) does it with quit().
    fn drop(&mut self) {
        let Some(driver) = self.driver.take() else {
            return;
        };
        let window = OpenWindow {
            client: self.client.clone(),
            driver,
            launch: self.launch,
            doing: self.doing.lock().map(|d| d.clone()).unwrap_or_default(),
        };
        LEFT_OPEN.with(|slot| {
            let mut slot = slot.borrow_mut();
            if !matches!(slot.as_ref(), Some(kept) if kept.launch > window.launch) {
                *slot = Some(window);
            }
        });
    }
}

impl App {
    /// Starts NumberDesk on `profile` and waits until its window answers.
    pub async fn launch(profile: &Profile) -> Result<App> {
        let mut env = profile_env(
            &profile.data_dir(),
            &profile.home(),
            &profile.keyring_service,
        );
        env.extend(profile.env.iter().cloned());
        let driver = Driver::start(&env)?;

        let capabilities = serde_json::json!({
            "browserName": "wry",
            "tauri:options": { "application": env!("CARGO_BIN_EXE_numberdesk") },
        });
        let capabilities = match capabilities {
            serde_json::Value::Object(map) => map,
            _ => unreachable!(),
        };
        let started = Instant::now();
        let client = loop {
            let attempt = ClientBuilder::rustls()?
                .capabilities(capabilities.clone())
                .connect(&format!("http://127.0.0.1:{}", driver.port))
                .await;
            match attempt {
                Ok(client) => break client,
                Err(error) if started.elapsed() < Duration::from_secs(20) => {
                    let _ = error;
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
                Err(error) => {
                    return Err(format!("no WebDriver session: {error}").into());
                }
            }
        };
        let app = App {
            client,
            driver: Some(driver),
            launch: LAUNCHES.fetch_add(1, Ordering::Relaxed),
            doing: Mutex::new(Doing::default()),
        };
        app.step("the window starts");
        app.wait_for("#app > *").await?;
        app.client
            .execute(RECORD_CONSOLE, vec![])
            .await
            .map_err(|e| format!("recording the console: {}", webdriver_error(&e)))?;
        Ok(app)
    }

    /// Names what the test does next, as a failure's report names it (and the test's output
    /// lists the steps it went through).
    pub fn step(&self, what: &str) {
        eprintln!("e2e step: {what}");
        if let Ok(mut doing) = self.doing.lock() {
            doing.step = what.to_owned();
            doing.action.clear();
        }
    }

    /// Records the harness's action in the current step, for a failure's report.
    fn act(&self, what: String) {
        if let Ok(mut doing) = self.doing.lock() {
            doing.action = what;
        }
    }

    /// Closes the window and stops the driver (SIGTERM, so WebKitWebDriver goes with it).
    pub async fn quit(mut self) -> Result {
        let closed = self.client.clone().close().await;
        if let Some(mut driver) = self.driver.take() {
            driver.stop();
        }
        closed.map_err(|e| format!("closing the window: {}", webdriver_error(&e)))?;
        Ok(())
    }

    /// Waits until an element matching `css` exists and returns it.
    pub async fn wait_for(&self, css: &str) -> Result<Element> {
        self.act(format!("waiting for {css}"));
        match self
            .client
            .wait()
            .at_most(UI_WAIT)
            .for_element(Locator::Css(css))
            .await
        {
            Ok(element) => Ok(element),
            Err(CmdError::WaitTimeout) => {
                Err(format!("{css} did not appear within {UI_WAIT:?}").into())
            }
            Err(error) => Err(format!("{css} did not appear: {}", webdriver_error(&error)).into()),
        }
    }

    pub async fn find(&self, css: &str) -> Result<Element> {
        Ok(self
            .client
            .find(Locator::Css(css))
            .await
            .map_err(|e| format!("finding {css}: {}", webdriver_error(&e)))?)
    }

    pub async fn find_all(&self, css: &str) -> Result<Vec<Element>> {
        Ok(self
            .client
            .find_all(Locator::Css(css))
            .await
            .map_err(|e| format!("finding every {css}: {}", webdriver_error(&e)))?)
    }

    /// Clicks `css` once it exists, is in view and nothing covers it. WebKitWebDriver refuses a
    /// click while something animates over the element (a closing dialog's backdrop), but it
    /// clicks whatever floats over the element's centre (a toast in the corner) without a word, so
    /// the element is first scrolled to the middle of its scroller and the click waits until the
    /// element itself is under the pointer, as a user would wait for the toast to go.
    pub async fn click(&self, css: &str) -> Result {
        let started = Instant::now();
        let mut told = false;
        loop {
            let element = self.wait_for(css).await?;
            self.act(format!("clicking {css}"));
            let covered = match covering(&element).await {
                Ok(None) => None,
                Ok(Some(over)) => Some(format!("{over} covers it")),
                Err(error) => Some(explain(error.as_ref())),
            };
            if let Some(reason) = covered {
                if started.elapsed() > UI_WAIT {
                    return Err(format!("clicking {css}: {reason}").into());
                }
                if !told {
                    eprintln!("e2e: waiting to click {css}: {reason}");
                    told = true;
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
            match element.click().await {
                Ok(()) => return Ok(()),
                Err(error) if started.elapsed() > UI_WAIT => {
                    return Err(format!("clicking {css}: {}", webdriver_error(&error)).into());
                }
                Err(error) => {
                    eprintln!("e2e: clicking {css} again: {}", webdriver_error(&error));
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            }
        }
    }

    /// Ticks the checkbox `css`, and waits until the page has it ticked. A click WebKitWebDriver
    /// reports as failed may still have reached the page (and [`App::click`] then clicks again,
    /// which unticks it), and a click may miss: the box's own state decides whether to click,
    /// never the count of clicks.
    pub async fn tick(&self, css: &str) -> Result {
        const CHECKED: &str = "return arguments[0].checked === true;";
        let started = Instant::now();
        loop {
            let element = self.wait_for(css).await?;
            // The (virtualised) row may be drawn again between finding and reading it.
            let checked = match element
                .clone()
                .client()
                .execute(CHECKED, vec![serde_json::to_value(&element)?])
                .await
            {
                Ok(value) => value.as_bool() == Some(true),
                Err(error) if started.elapsed() > UI_WAIT => {
                    return Err(format!("reading {css}: {}", webdriver_error(&error)).into());
                }
                Err(_) => continue,
            };
            if checked {
                return Ok(());
            }
            if started.elapsed() > UI_WAIT {
                return Err(format!("{css} stayed unticked for {UI_WAIT:?}").into());
            }
            self.click(css).await?;
        }
    }

    /// Replaces the value of the field `css` with `text`.
    pub async fn fill(&self, css: &str, text: &str) -> Result {
        let field = self.wait_for(css).await?;
        self.act(format!("typing into {css}"));
        field
            .clear()
            .await
            .map_err(|e| format!("clearing {css}: {}", webdriver_error(&e)))?;
        field
            .send_keys(text)
            .await
            .map_err(|e| format!("typing into {css}: {}", webdriver_error(&e)))?;
        Ok(())
    }

    /// Puts `text` in the field `css` at once, as a paste does (a long text typed key by key
    /// through WebDriver would take minutes), and tells the page with an `input` event.
    pub async fn paste(&self, css: &str, text: &str) -> Result {
        const SCRIPT: &str = r#"
            const field = document.querySelector(arguments[0]);
            if (!field) return false;
            field.focus();
            field.value = arguments[1];
            field.dispatchEvent(new Event("input", { bubbles: true }));
            return true;
        "#;
        self.wait_for(css).await?;
        self.act(format!("pasting {} characters into {css}", text.len()));
        let pasted = self
            .client
            .execute(SCRIPT, vec![css.into(), text.into()])
            .await?;
        if pasted != serde_json::Value::Bool(true) {
            return Err(format!("{css} was gone before the paste").into());
        }
        Ok(())
    }

    /// Chooses the option with value `value` of the select `css`.
    pub async fn select(&self, css: &str, value: &str) -> Result {
        let select = self.wait_for(css).await?;
        self.act(format!("choosing {value:?} in {css}"));
        select
            .select_by_value(value)
            .await
            .map_err(|e| format!("choosing {value:?} in {css}: {}", webdriver_error(&e)))?;
        Ok(())
    }

    /// Waits until the text of `css` equals `expected` (after trimming); returns what it was last.
    pub async fn wait_for_text(&self, css: &str, expected: &str) -> Result {
        self.act(format!("waiting for {css} to show {expected:?}"));
        let started = Instant::now();
        let mut last = String::new();
        while started.elapsed() < UI_WAIT {
            let shown = match self.find(css).await {
                Ok(element) => shown_text(&element).await,
                Err(error) => Err(error),
            };
            match shown {
                Ok(text) if text == expected => return Ok(()),
                Ok(text) => last = text,
                Err(error) => last = format!("(unreadable: {})", explain(error.as_ref())),
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        Err(format!("{css} showed {last:?}, expected {expected:?}").into())
    }

    /// The shown text of every element matching `css`, read in one go in the page: the UI may
    /// redraw between two WebDriver calls, and an element found by one is then gone for the next.
    pub async fn texts(&self, css: &str) -> Result<Vec<String>> {
        const SCRIPT: &str = r#"
            return [...document.querySelectorAll(arguments[0])].map((el) => {
                const box = el.getBoundingClientRect();
                if (box.width === 0 || box.height === 0 || getComputedStyle(el).visibility === "hidden") return "";
                return el.textContent;
            });
        "#;
        let value = self
            .client
            .execute(SCRIPT, vec![css.into()])
            .await
            .map_err(|e| format!("reading the texts of {css}: {}", webdriver_error(&e)))?;
        Ok(strings(value)
            .into_iter()
            .map(|t| t.split_whitespace().collect::<Vec<_>>().join(" "))
            .collect())
    }

    /// The attribute `name` of every element matching `css` ("" where it is missing), read in one
    /// go in the page like [`App::texts`].
    pub async fn attrs(&self, css: &str, name: &str) -> Result<Vec<String>> {
        const SCRIPT: &str =
            "return [...document.querySelectorAll(arguments[0])].map((el) => el.getAttribute(arguments[1]) ?? '');";
        let value = self
            .client
            .execute(SCRIPT, vec![css.into(), name.into()])
            .await
            .map_err(|e| format!("reading [{name}] of {css}: {}", webdriver_error(&e)))?;
        Ok(strings(value))
    }

    /// Waits until the attribute `name` of `css` equals `expected`.
    pub async fn wait_for_attr(&self, css: &str, name: &str, expected: &str) -> Result {
        self.act(format!("waiting for {css} [{name}] to be {expected:?}"));
        let started = Instant::now();
        let mut last = None;
        while started.elapsed() < UI_WAIT {
            if let Ok(element) = self.find(css).await {
                last = element.attr(name).await.ok().flatten();
                if last.as_deref() == Some(expected) {
                    return Ok(());
                }
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        Err(format!("{css} [{name}] was {last:?}, expected {expected:?}").into())
    }

    /// Chooses "Try it with sandbox data" on the welcome screen and waits for the Sandbox
    /// workspace.
    pub async fn enter_sandbox_mode(&self) -> Result {
        self.wait_for("[data-testid='view-welcome']").await?;
        self.click("[data-testid='try-sandbox']").await?;
        self.wait_for_text("[data-testid='current-workspace-name']", "Sandbox")
            .await
    }

    /// Creates the first workspace from the welcome screen.
    pub async fn create_first_workspace(&self, name: &str, webhook: &str) -> Result {
        self.wait_for("[data-testid='view-welcome']").await?;
        self.fill("[data-testid='view-welcome'] [name='name']", name)
            .await?;
        self.fill(
            "[data-testid='view-welcome'] [name='webhookBaseUrl']",
            webhook,
        )
        .await?;
        self.click("[data-testid='view-welcome'] [data-testid='workspace-submit']")
            .await?;
        self.wait_for_text("[data-testid='current-workspace-name']", name)
            .await
    }

    /// On Carriers: connects a Twilio account named `name` through the wizard's credential step
    /// and waits for its number picker.
    pub async fn connect_twilio_in_wizard(&self, name: &str, sid: &str, token: &str) -> Result {
        self.click("[data-testid='connect-twilio']").await?;
        self.fill("[name='connectionName']", name).await?;
        self.click("[data-testid='wizard-next']").await?;
        self.fill("[name='twilioAccountSid']", sid).await?;
        self.fill("[name='twilioAuthToken']", token).await?;
        self.click("[data-testid='wizard-next']").await?;
        self.wait_for("[data-testid='number-picker'] [data-testid='number-row']")
            .await?;
        Ok(())
    }
}

fn strings(value: serde_json::Value) -> Vec<String> {
    value
        .as_array()
        .map(|items| {
            items
                .iter()
                .map(|v| v.as_str().unwrap_or_default().to_string())
                .collect()
        })
        .unwrap_or_default()
}

/// Scrolls `element` to the middle of its scroller and names what a click at its centre would hit
/// instead of it: `None` when the click reaches it (or an element inside it, or a label wrapping it).
async fn covering(element: &Element) -> Result<Option<String>> {
    const SCRIPT: &str = r#"
        const el = arguments[0];
        el.scrollIntoView({ block: "center", inline: "nearest" });
        const box = el.getBoundingClientRect();
        if (box.width === 0 || box.height === 0) return null;
        const hit = document.elementFromPoint(box.left + box.width / 2, box.top + box.height / 2);
        if (!hit || hit === el || el.contains(hit) || hit.contains(el)) return null;
        return `<${hit.localName} class="${hit.className}">`;
    "#;
    let client = element.clone().client();
    let value = client
        .execute(SCRIPT, vec![serde_json::to_value(element)?])
        .await?;
    Ok(value.as_str().map(str::to_string))
}

/// The text of an element as the user sees it (whitespace collapsed); "" when it is not shown.
/// WebKitWebDriver's own text and visibility atoms misjudge some elements (a name span inside a
/// button reads as hidden), so this asks the page: a laid-out box, not hidden, and its text.
pub async fn shown_text(element: &Element) -> Result<String> {
    const SCRIPT: &str = r#"
        const el = arguments[0];
        const box = el.getBoundingClientRect();
        const style = getComputedStyle(el);
        if (box.width === 0 || box.height === 0 || style.visibility === "hidden") return "";
        return el.textContent;
    "#;
    let client = element.clone().client();
    let value = client
        .execute(SCRIPT, vec![serde_json::to_value(element)?])
        .await?;
    let text = value.as_str().unwrap_or_default();
    Ok(text.split_whitespace().collect::<Vec<_>>().join(" "))
}

/// Stops a test's carrier sandbox after checking that every request the app sent it matched the
/// carrier's published API (the sandbox records those that did not).
pub async fn shut_down_checked(sandbox: numberdesk::sandbox::SandboxHandle) -> Result {
    let violations = sandbox.violations();
    sandbox.shutdown().await;
    if violations.is_empty() {
        Ok(())
    } else {
        Err(format!("requests off the carriers' specs: {violations:#?}").into())
    }
}
