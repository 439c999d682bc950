//! The numbers a Telnyx account owns: listing them page by page (walking again when numbers
//! shifted between pages), finding, fetching, updating and releasing one, and its messaging
//! profile.

use reqwest::Method;

use super::client::{more_pages, TelnyxClient, TelnyxNumberUpdate, MAX_PAGE_SIZE};
use super::wire;
use crate::carriers::http::{all_numbers, Context, Lane, NumberPages, Safety, Seen};
use crate::carriers::{
    CarrierError, CarrierKind, ListProgress, MessagingAssignment, OwnedNumber, ReleaseOutcome,
};

impl TelnyxClient {
    /// A pager over every owned number, `page_size` at a time (at most 250), oldest purchase
    /// first so numbers bought meanwhile land at the end instead of shifting the pages.
    pub fn phone_numbers(&self, page_size: u32) -> TelnyxNumberPager {
        TelnyxNumberPager {
            client: self.clone(),
            page_size: page_size.clamp(1, MAX_PAGE_SIZE),
            page_number: 1,
            total_pages: None,
            total_results: None,
            seen: Seen::default(),
            pages: 0,
            rewalked: false,
            done: false,
        }
    }

    /// Every owned number, each once.
    pub async fn list_phone_numbers(&self) -> Result<Vec<OwnedNumber>, CarrierError> {
        self.list_phone_numbers_with_progress(|_| {}).await
    }

    /// Every owned number, each once, calling `progress` after each page.
    pub async fn list_phone_numbers_with_progress(
        &self,
        progress: impl FnMut(ListProgress),
    ) -> Result<Vec<OwnedNumber>, CarrierError> {
        all_numbers(
            self.phone_numbers(MAX_PAGE_SIZE),
            self.inner.transport.listing_deadline(),
            progress,
        )
        .await
    }

    /// The owned number with exactly this E.164 number, if the account has it (after an order
    /// succeeds, to learn its id; after an ambiguous failure, to see what happened).
    pub async fn find_phone_number(&self, e164: &str) -> Result<Option<OwnedNumber>, CarrierError> {
        // The filter takes digits only: a `+` makes it match nothing.
        let digits: String = e164.chars().filter(char::is_ascii_digit).collect();
        if digits.len() < 3 {
            return Ok(None);
        }
        let mut url = self.url(&["phone_numbers"]);
        url.query_pairs_mut()
            .append_pair("filter[phone_number]", &digits)
            .append_pair("page[size]", "20");
        let page: wire::Page<wire::PhoneNumber> = self
            .api()
            .get(&url, &Context::about("phone number list"))
            .await?;
        Ok(page
            .data
            .into_iter()
            .find(|number| number.phone_number == e164)
            .map(wire::PhoneNumber::into_domain))
    }

    pub async fn fetch_phone_number(&self, id: &str) -> Result<OwnedNumber, CarrierError> {
        let context = Context::about(format!("phone number {id}"));
        let number: wire::Single<wire::PhoneNumber> = self
            .api()
            .get(&self.url(&["phone_numbers", id]), &context)
            .await?;
        Ok(number.data.into_domain())
    }

    /// `PATCH /phone_numbers/{id}` with what `update` sets; returns the number as Telnyx has it.
    pub async fn update_phone_number(
        &self,
        id: &str,
        update: &TelnyxNumberUpdate,
    ) -> Result<OwnedNumber, CarrierError> {
        let body = wire::UpdatePhoneNumberRequest {
            connection_id: update.connection_id.as_deref(),
            tags: update.tags.as_deref(),
            customer_reference: update.customer_reference.as_deref(),
        };
        let context = Context::about(format!("phone number {id}"));
        let number: wire::Single<wire::PhoneNumber> = self
            .send_json(
                Safety::Repeatable,
                Method::PATCH,
                &self.url(&["phone_numbers", id]),
                &body,
                &context,
            )
            .await?;
        Ok(number.data.into_domain())
    }

    /// `PATCH /phone_numbers/{id}/messaging`: assigns the messaging profile; `""` unassigns.
    pub async fn update_messaging_profile(
        &self,
        id: &str,
        messaging_profile_id: &str,
    ) -> Result<MessagingAssignment, CarrierError> {
        let body = wire::UpdateMessagingRequest {
            messaging_profile_id,
        };
        let context = Context::about(format!("phone number {id}"));
        let settings: wire::Single<wire::MessagingSettings> = self
            .send_json(
                Safety::Repeatable,
                Method::PATCH,
                &self.url(&["phone_numbers", id, "messaging"]),
                &body,
                &context,
            )
            .await?;
        Ok(settings.data.into_domain())
    }

    /// `DELETE /phone_numbers/{id}`. A number already gone is `AlreadyGone`.
    pub async fn release_phone_number(&self, id: &str) -> Result<ReleaseOutcome, CarrierError> {
        let context = Context::about(format!("phone number {id}"));
        self.api()
            .release(&self.url(&["phone_numbers", id]), &context)
            .await
    }
}

/// Pages through owned numbers: `next_page` until `None`. Each number is handed out once. Pages
/// are offsets, so a number released meanwhile can shift another onto a page already read: when
/// the count read falls short of the total Telnyx reports, the pager walks the pages once more
/// and hands out only numbers it had not seen.
#[derive(Debug)]
pub struct TelnyxNumberPager {
    client: TelnyxClient,
    page_size: u32,
    page_number: u64,
    total_pages: Option<u64>,
    total_results: Option<u64>,
    seen: Seen,
    pages: usize,
    rewalked: bool,
    done: bool,
}

impl NumberPages for TelnyxNumberPager {
    async fn next_page(&mut self) -> Result<Option<Vec<OwnedNumber>>, CarrierError> {
        if self.done {
            return Ok(None);
        }
        let mut url = self.client.url(&["phone_numbers"]);
        url.query_pairs_mut()
            .append_pair("page[number]", &self.page_number.to_string())
            .append_pair("page[size]", &self.page_size.to_string())
            .append_pair("sort", "purchased_at");
        let page: wire::Page<wire::PhoneNumber> = self
            .client
            .api()
            .get_in(Lane::Front, &url, &Context::about("phone number list"))
            .await?;
        let count = page.data.len();
        if let Some(meta) = page.meta {
            self.total_pages = meta.total_pages.or(self.total_pages);
            self.total_results = meta.total_results.or(self.total_results);
        }
        let numbers = self.seen.fresh(
            page.data,
            |number| &number.id,
            wire::PhoneNumber::into_domain,
        );
        self.pages += 1;
        if more_pages(self.page_number, self.total_pages, count, self.page_size) && count > 0 {
            self.page_number += 1;
        } else {
            let short = self
                .total_results
                .is_some_and(|total| (self.seen.count() as u64) < total);
            if short && !self.rewalked {
                self.rewalked = true;
                self.page_number = 1;
            } else {
                self.done = true;
            }
        }
        Ok(Some(numbers))
    }

    fn progress(&self) -> ListProgress {
        ListProgress {
            fetched: self.seen.count(),
            pages: self.pages,
            total: self
                .total_results
                .and_then(|total| usize::try_from(total).ok()),
        }
    }

    fn carrier(&self) -> CarrierKind {
        CarrierKind::Telnyx
    }
}
