//! What both carrier clients do around the transport, written once: a call is signed the
//! carrier's way, sent with the retries its safety allows, turned into a typed error when the
//! answer is not a 2xx (by the carrier's own code, then by HTTP status) and decoded from JSON.
//! Also the URL helpers and the pieces of paging both carriers walk the same way.

use std::borrow::Cow;
use std::collections::HashSet;
use std::future::Future;

use reqwest::{Method, RequestBuilder, StatusCode, Url};
use serde::de::DeserializeOwned;

use super::{Lane, ListingDeadline, NoReply, Reply, Safety, Transport};
use crate::carriers::{
    CarrierError, CarrierKind, ListProgress, NumberSearch, OwnedNumber, ReleaseOutcome,
};

/// What a call was about, for the error it may produce.
#[derive(Debug, Clone)]
pub(crate) struct Context<'a> {
    pub what: Cow<'static, str>,
    /// The numbers the call buys, so an error can name the one the carrier refused.
    pub numbers: &'a [String],
}

impl Context<'static> {
    pub fn about(what: impl Into<Cow<'static, str>>) -> Self {
        Context {
            what: what.into(),
            numbers: &[],
        }
    }
}

/// A request's body.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Payload<'a> {
    Empty,
    /// Form-encoded pairs (Twilio).
    Form(&'a [(&'static str, String)]),
    /// A JSON document (Telnyx).
    Json(&'a serde_json::Value),
}

/// One carrier's side of a call: the transport of the account, how a request is signed, and
/// what an error reply means.
pub(crate) trait Dialect: Sync {
    fn transport(&self) -> &Transport;
    /// The request with the carrier's credentials and headers.
    fn sign(&self, request: RequestBuilder, method: &Method) -> RequestBuilder;
    /// A non-2xx answer as a typed error.
    fn error(reply: &Reply, context: &Context<'_>) -> CarrierError;
}

/// The calls of one client, in its carrier's dialect.
pub(crate) struct Api<'a, D> {
    dialect: &'a D,
}

impl<'a, D: Dialect> Api<'a, D> {
    pub fn new(dialect: &'a D) -> Api<'a, D> {
        Api { dialect }
    }

    fn carrier(&self) -> CarrierKind {
        self.dialect.transport().carrier
    }

    /// Sends a request until it gets an answer worth handing back (see [`Transport::send`]); a
    /// non-2xx one is the carrier's error.
    async fn call(
        &self,
        safety: Safety,
        lane: Lane,
        method: Method,
        url: &Url,
        payload: Payload<'_>,
        context: &Context<'_>,
    ) -> Result<Reply, CarrierError> {
        let reply = self
            .dialect
            .transport()
            .send(safety, lane, |http| {
                let request = self
                    .dialect
                    .sign(http.request(method.clone(), url.clone()), &method);
                match payload {
                    Payload::Empty => request,
                    Payload::Form(form) => request.form(form),
                    Payload::Json(body) => request.json(body),
                }
            })
            .await
            .map_err(|failure| no_reply(self.carrier(), failure))?;
        if reply.status.is_success() {
            Ok(reply)
        } else {
            Err(D::error(&reply, context))
        }
    }

    /// A request without a body (a read or a delete), which is always safe to repeat.
    async fn bodiless(
        &self,
        lane: Lane,
        method: Method,
        url: &Url,
        context: &Context<'_>,
    ) -> Result<Reply, CarrierError> {
        let empty = Payload::Empty;
        self.call(Safety::Repeatable, lane, method, url, empty, context)
            .await
    }

    pub async fn get<T: DeserializeOwned>(
        &self,
        url: &Url,
        context: &Context<'_>,
    ) -> Result<T, CarrierError> {
        self.get_in(Lane::Normal, url, context).await
    }

    /// A read queued in `lane`.
    pub async fn get_in<T: DeserializeOwned>(
        &self,
        lane: Lane,
        url: &Url,
        context: &Context<'_>,
    ) -> Result<T, CarrierError> {
        let reply = self.bodiless(lane, Method::GET, url, context).await?;
        decode(self.carrier(), &reply, context)
    }

    /// A write (`POST`, `PATCH`) and the resource it answers with.
    pub async fn send<T: DeserializeOwned>(
        &self,
        safety: Safety,
        method: Method,
        url: &Url,
        payload: Payload<'_>,
        context: &Context<'_>,
    ) -> Result<T, CarrierError> {
        let reply = self
            .call(safety, Lane::Normal, method, url, payload, context)
            .await?;
        decode(self.carrier(), &reply, context)
    }

    /// `DELETE`s a number. One already gone is `AlreadyGone`, so a repeated release is fine.
    pub async fn release(
        &self,
        url: &Url,
        context: &Context<'_>,
    ) -> Result<ReleaseOutcome, CarrierError> {
        match self
            .bodiless(Lane::Normal, Method::DELETE, url, context)
            .await
        {
            Ok(_) => Ok(ReleaseOutcome::Released),
            Err(CarrierError::NotFound { .. }) => Ok(ReleaseOutcome::AlreadyGone),
            Err(error) => Err(error),
        }
    }
}

fn no_reply(carrier: CarrierKind, failure: NoReply) -> CarrierError {
    match failure {
        NoReply::Timeout => CarrierError::Timeout { carrier },
        NoReply::Network(detail) => CarrierError::Network { carrier, detail },
        NoReply::TooLarge { limit } => CarrierError::NotUnderstood {
            carrier,
            detail: format!(
                "its answer went on past {} MB and was not read further",
                limit >> 20
            ),
        },
    }
}

fn decode<T: DeserializeOwned>(
    carrier: CarrierKind,
    reply: &Reply,
    context: &Context<'_>,
) -> Result<T, CarrierError> {
    serde_json::from_slice(&reply.body).map_err(|error| CarrierError::NotUnderstood {
        carrier,
        detail: format!("the {} reply: {error}", context.what),
    })
}

/// What a carrier's own error code says, before the HTTP status is looked at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Verdict {
    AuthRejected,
    AccountSuspended,
    /// A trial account has reached what a trial may have (one number at Twilio).
    TrialLimit,
    /// The account's balance cannot pay for what was asked (Telnyx 20100).
    InsufficientFunds,
    NoApiAccess,
    NotFound,
    RateLimited,
    /// This number of the request is not (or no longer) on sale.
    NumberUnavailable(String),
    /// The code says nothing more specific: the HTTP status decides.
    ByStatus,
}

impl Verdict {
    /// An error reply as a typed error: by this verdict, else by the HTTP status. `code` and
    /// `message` are the carrier's, kept for a refusal the user has to read.
    pub fn error(
        self,
        carrier: CarrierKind,
        reply: &Reply,
        context: &Context<'_>,
        code: Option<String>,
        message: Option<String>,
    ) -> CarrierError {
        let verdict = match (self, reply.status) {
            (Verdict::ByStatus, StatusCode::UNAUTHORIZED) => Verdict::AuthRejected,
            (Verdict::ByStatus, StatusCode::FORBIDDEN) => Verdict::NoApiAccess,
            (Verdict::ByStatus, StatusCode::NOT_FOUND) => Verdict::NotFound,
            (Verdict::ByStatus, StatusCode::TOO_MANY_REQUESTS) => Verdict::RateLimited,
            (verdict, _) => verdict,
        };
        match verdict {
            Verdict::AuthRejected => CarrierError::AuthRejected { carrier },
            Verdict::AccountSuspended => CarrierError::AccountSuspended { carrier },
            Verdict::TrialLimit => CarrierError::TrialLimit { carrier },
            Verdict::InsufficientFunds => CarrierError::InsufficientFunds { carrier },
            Verdict::NoApiAccess => CarrierError::NoApiAccess {
                carrier,
                detail: message.unwrap_or_else(|| format!("the {}", context.what)),
            },
            Verdict::NotFound => CarrierError::NotFound {
                carrier,
                what: context.what.to_string(),
            },
            Verdict::RateLimited => CarrierError::RateLimited {
                carrier,
                retry_after: reply.retry_after,
            },
            Verdict::NumberUnavailable(number) => {
                CarrierError::NumberUnavailable { carrier, number }
            }
            Verdict::ByStatus if reply.status.is_server_error() => CarrierError::CarrierDown {
                carrier,
                status: reply.status.as_u16(),
            },
            Verdict::ByStatus => CarrierError::Rejected {
                carrier,
                status: reply.status.as_u16(),
                code,
                message: message.unwrap_or_else(|| format!("HTTP {}", reply.status.as_u16())),
            },
        }
    }
}

/// A base URL from the settings: one that paths can be appended to, `https`, or `http` only to
/// this computer's own loopback address (the carrier sandbox). Credentials go with every request,
/// so plain http to any other host is refused. `name` says which, as in "the API base URL".
pub(crate) fn parse_base(
    carrier: CarrierKind,
    name: &str,
    text: &str,
) -> Result<Url, CarrierError> {
    let invalid = |detail: String| CarrierError::InvalidSettings { carrier, detail };
    let url = Url::parse(text.trim()).map_err(|_| invalid(format!("{name} is not a URL")))?;
    let secure = match url.scheme() {
        "https" => true,
        "http" => is_loopback(&url),
        _ => false,
    };
    if !secure || url.cannot_be_a_base() {
        return Err(invalid(format!(
            "{name} must start with https:// (http:// is only for this computer's own address)"
        )));
    }
    Ok(url)
}

/// Whether `url` names this computer: `localhost`, 127.0.0.0/8 or `[::1]`.
fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
        None => false,
    }
}

/// `base` with `segments` appended as path segments (percent-encoded where needed).
pub(crate) fn join(base: &Url, segments: &[&str]) -> Url {
    let mut url = base.clone();
    if let Ok(mut path) = url.path_segments_mut() {
        path.pop_if_empty();
        path.extend(segments);
    }
    url
}

/// The text filters of a search that are set, trimmed, under the carrier's names for them, in
/// this order: area code, contains, region, locality.
pub(crate) fn text_filters<'a>(
    search: &'a NumberSearch,
    names: [&'static str; 4],
) -> impl Iterator<Item = (&'static str, &'a str)> {
    let values = [
        &search.area_code,
        &search.contains,
        &search.region,
        &search.locality,
    ];
    names.into_iter().zip(values).filter_map(|(name, value)| {
        let value = value.as_deref().map(str::trim).filter(|v| !v.is_empty())?;
        Some((name, value))
    })
}

/// The ids a listing has handed out, so each item comes once even when the carrier repeats one
/// across pages.
#[derive(Debug, Default)]
pub(crate) struct Seen {
    ids: HashSet<String>,
}

impl Seen {
    /// The items not handed out before, converted, in their order.
    pub fn fresh<W, T>(
        &mut self,
        items: Vec<W>,
        id_of: impl Fn(&W) -> &str,
        convert: impl FnMut(W) -> T,
    ) -> Vec<T> {
        items
            .into_iter()
            .filter(|item| self.ids.insert(id_of(item).to_string()))
            .map(convert)
            .collect()
    }

    /// How many have been handed out.
    pub fn count(&self) -> usize {
        self.ids.len()
    }
}

/// A walk through an account's owned numbers, one page at a time, each number handed out once.
pub trait NumberPages: Send {
    /// The next page's numbers; `None` once the walk is done. After an error the same page is
    /// tried again by the next call.
    fn next_page(
        &mut self,
    ) -> impl Future<Output = Result<Option<Vec<OwnedNumber>>, CarrierError>> + Send;

    /// How far the walk has come.
    fn progress(&self) -> ListProgress;

    /// Whose listing it is, for its errors.
    fn carrier(&self) -> CarrierKind;
}

/// More pages than any account has (a thousand numbers a page at Telnyx, fifty at least at
/// Twilio): a listing this long is a carrier handing out pages for ever.
pub(crate) const MAX_PAGES: usize = 20_000;

/// Every number a walk hands out, calling `progress` after each page. A carrier that pages for
/// ever is stopped with a clear error: at a page that brings no number not seen before and is
/// not the last (an empty page that still says "more", or any page repeated, in whatever
/// cycle) or past [`MAX_PAGES`]. An empty last page is an account with no (more) numbers.
pub(crate) async fn all_numbers(
    mut pages: impl NumberPages,
    deadline: ListingDeadline,
    mut progress: impl FnMut(ListProgress),
) -> Result<Vec<OwnedNumber>, CarrierError> {
    let mut all = Vec::new();
    let mut nothing_new_at = None;
    while let Some(page) = pages.next_page().await? {
        let so_far = pages.progress();
        if let Some(page_number) = nothing_new_at {
            return Err(endless(
                pages.carrier(),
                format!(
                    "page {page_number} of the number listing brought no number not seen before"
                ),
            ));
        }
        if deadline.passed() {
            return Err(endless(
                pages.carrier(),
                format!(
                    "the number listing was still going after {} minutes ({} pages)",
                    deadline.limit.as_secs() / 60,
                    so_far.pages
                ),
            ));
        }
        if page.is_empty() {
            // Fine if the walk ends here; a fault if it goes on.
            nothing_new_at = Some(so_far.pages);
        }
        if so_far.pages > MAX_PAGES {
            return Err(endless(
                pages.carrier(),
                format!("the number listing went past {MAX_PAGES} pages"),
            ));
        }
        all.extend(page);
        progress(so_far);
    }
    Ok(all)
}

fn endless(carrier: CarrierKind, detail: String) -> CarrierError {
    CarrierError::NotUnderstood { carrier, detail }
}

/// Helpers for the clients' unit tests of their error mapping.
#[cfg(test)]
pub(crate) mod testing {
    use super::*;

    /// A reply as the carrier would send it.
    pub fn reply(status: u16, body: &str) -> Reply {
        Reply {
            status: StatusCode::from_u16(status).expect("a status code"),
            body: body.as_bytes().to_vec(),
            retry_after: None,
        }
    }

    /// Fails unless each `(status, body)` reads as the error variant named.
    pub fn assert_errors<D: Dialect>(cases: &[(u16, &str, &str)], context: &Context<'_>) {
        for (status, body, expected) in cases {
            let error = D::error(&reply(*status, body), context);
            let name = format!("{error:?}");
            assert!(name.starts_with(expected), "{status} {body}: {name}");
        }
    }
}

#[cfg(test)]
mod base_url_tests {
    use super::*;

    #[test]
    fn plain_http_is_only_for_this_computer() {
        for good in [
            "https://api.twilio.com",
            "https://gateway.example:8443/twilio",
            "http://127.0.0.1:4010",
            "http://127.8.0.1/telnyx",
            "http://localhost:9000",
            "http://[::1]:9000",
        ] {
            assert!(
                parse_base(CarrierKind::Twilio, "the API base URL", good).is_ok(),
                "{good}"
            );
        }
        for bad in [
            "http://api.twilio.com",
            "http://10.0.0.5:4010",
            "http://127.0.0.1.attacker.example",
            "http://localhost.attacker.example",
            "ftp://127.0.0.1",
            "mailto:ops@example.com",
            "not a url",
        ] {
            let error = parse_base(CarrierKind::Telnyx, "the base URL", bad).unwrap_err();
            assert!(
                matches!(error, CarrierError::InvalidSettings { .. }),
                "{bad}: {error:?}"
            );
        }
    }
}

#[cfg(test)]
mod paging_tests {
    use super::*;

    /// A carrier's listing as a script of pages, each a list of numbers (ids are the numbers).
    struct Script {
        pages: Vec<Vec<&'static str>>,
        next: usize,
        seen: Seen,
        /// Goes round the script for ever instead of ending.
        cycle: bool,
    }

    impl NumberPages for Script {
        async fn next_page(&mut self) -> Result<Option<Vec<OwnedNumber>>, CarrierError> {
            let at = if self.cycle {
                self.next % self.pages.len()
            } else if self.next < self.pages.len() {
                self.next
            } else {
                return Ok(None);
            };
            self.next += 1;
            let page = self.pages[at].clone();
            Ok(Some(self.seen.fresh(page, |n| n, owned)))
        }

        fn progress(&self) -> ListProgress {
            ListProgress {
                fetched: self.seen.count(),
                pages: self.next,
                total: None,
            }
        }

        fn carrier(&self) -> CarrierKind {
            CarrierKind::Telnyx
        }
    }

    fn owned(e164: &str) -> OwnedNumber {
        serde_json::from_value(serde_json::json!({
            "carrier_id": e164, "e164": e164, "friendly_name": null, "number_type": null,
            "region": null, "features": null, "state": "active",
            "routing": crate::carriers::Routing::Telnyx(crate::carriers::TelnyxRouting::default()),
        }))
        .expect("an owned number")
    }

    /// A retry clock that moves `step` on each reading: with ten minutes, a listing whose every
    /// page is slow; with none, one that takes no time.
    #[derive(Debug)]
    struct Stepping {
        step: std::time::Duration,
        readings: std::sync::atomic::AtomicU32,
    }

    impl crate::carriers::http::RetryClock for Stepping {
        fn now(&self) -> std::time::Duration {
            let n = self
                .readings
                .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            self.step * n
        }

        fn wait(&self, _: std::time::Duration) -> crate::carriers::http::RetryWait {
            Box::pin(std::future::ready(()))
        }
    }

    fn deadline(step: std::time::Duration, limit: std::time::Duration) -> ListingDeadline {
        let clock = Stepping {
            step,
            readings: Default::default(),
        };
        ListingDeadline::on(std::sync::Arc::new(clock), limit)
    }

    /// A budget no scripted listing reaches (its clock never moves).
    fn no_deadline() -> ListingDeadline {
        deadline(
            std::time::Duration::ZERO,
            std::time::Duration::from_secs(60),
        )
    }

    #[tokio::test]
    async fn a_listing_that_outlasts_its_deadline_stops_with_a_clear_error() {
        let numbers: Vec<&'static str> = (0..10)
            .map(|i| &*Box::leak(format!("+121255501{i:02}").into_boxed_str()))
            .collect();
        let pages = script(numbers.into_iter().map(|n| vec![n]).collect(), false);
        let limit = deadline(
            std::time::Duration::from_secs(600),
            std::time::Duration::from_secs(30 * 60),
        );
        let error = all_numbers(pages, limit, |_| {}).await.unwrap_err();
        assert!(
            error.to_string().contains("still going after 30 minutes"),
            "{error}"
        );
    }

    fn script(pages: Vec<Vec<&'static str>>, cycle: bool) -> Script {
        Script {
            pages,
            next: 0,
            seen: Seen::default(),
            cycle,
        }
    }

    #[tokio::test]
    async fn a_listing_that_ends_is_read_whole_and_repeats_are_dropped() {
        let pages = script(
            vec![
                vec!["+12125550101", "+12125550102"],
                vec!["+12125550102", "+12125550103"],
            ],
            false,
        );
        let all = all_numbers(pages, no_deadline(), |_| {}).await.unwrap();
        let numbers: Vec<String> = all.iter().map(|n| n.e164.to_string()).collect();
        assert_eq!(numbers, ["+12125550101", "+12125550102", "+12125550103"]);
    }

    #[tokio::test]
    async fn a_listing_that_goes_round_in_a_cycle_stops_with_a_clear_error() {
        let pages = script(
            vec![
                vec!["+12125550101"],
                vec!["+12125550102"],
                vec!["+12125550103"],
            ],
            true,
        );
        let error = all_numbers(pages, no_deadline(), |_| {}).await.unwrap_err();
        assert!(error.to_string().contains("page 4"), "{error}");
        assert!(
            error.to_string().contains("no number not seen before"),
            "{error}"
        );
    }

    #[tokio::test]
    async fn an_account_with_no_numbers_lists_as_empty() {
        let pages = script(vec![vec![]], false);
        let all = all_numbers(pages, no_deadline(), |_| {}).await.unwrap();
        assert!(all.is_empty());
    }

    #[tokio::test]
    async fn an_empty_page_that_says_more_stops_the_listing() {
        let pages = script(vec![vec!["+12125550101"], vec![]], true);
        let error = all_numbers(pages, no_deadline(), |_| {}).await.unwrap_err();
        assert!(
            matches!(error, CarrierError::NotUnderstood { .. }),
            "{error:?}"
        );
    }
}
