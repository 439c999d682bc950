//! The numbers a Twilio account owns: listing them page by page, finding, fetching, updating
//! and releasing one, and its inbound processing region (Routes v2).

use reqwest::Url;

use super::client::{
    bad_paging_link, is_e164, TwilioClient, TwilioNumberUpdate, CARRIER, MAX_PAGE_SIZE,
};
use super::wire;
use crate::carriers::http::{all_numbers, join, Context, Lane, NumberPages, Safety, Seen};
use crate::carriers::{
    CarrierError, CarrierKind, InboundRegion, ListProgress, OwnedNumber, ReleaseOutcome,
};

impl TwilioClient {
    /// A pager over every owned number, `page_size` at a time (at most 1000).
    pub fn incoming_numbers(&self, page_size: u32) -> TwilioNumberPager {
        let mut url = self.account_url(&["IncomingPhoneNumbers.json"]);
        url.query_pairs_mut()
            .append_pair("PageSize", &page_size.clamp(1, MAX_PAGE_SIZE).to_string());
        TwilioNumberPager {
            client: self.clone(),
            next: Some(url),
            seen: Seen::default(),
            pages: 0,
        }
    }

    /// Every owned number, each once.
    pub async fn list_incoming_numbers(&self) -> Result<Vec<OwnedNumber>, CarrierError> {
        self.list_incoming_numbers_with_progress(|_| {}).await
    }

    /// Every owned number, each once, calling `progress` after each page.
    pub async fn list_incoming_numbers_with_progress(
        &self,
        progress: impl FnMut(ListProgress),
    ) -> Result<Vec<OwnedNumber>, CarrierError> {
        all_numbers(
            self.incoming_numbers(MAX_PAGE_SIZE),
            self.inner.transport.listing_deadline(),
            progress,
        )
        .await
    }

    /// The owned number with exactly this E.164 number, if the account has it (the check after
    /// an ambiguous purchase failure).
    pub async fn find_incoming_number(
        &self,
        e164: &str,
    ) -> Result<Option<OwnedNumber>, CarrierError> {
        let mut url = self.account_url(&["IncomingPhoneNumbers.json"]);
        url.query_pairs_mut()
            .append_pair("PhoneNumber", e164)
            .append_pair("PageSize", "50");
        let page: wire::IncomingPhoneNumberPage = self
            .api()
            .get(&url, &Context::about("phone number list"))
            .await?;
        Ok(page
            .incoming_phone_numbers
            .into_iter()
            .find(|number| number.phone_number == e164)
            .map(wire::IncomingPhoneNumber::into_domain))
    }

    fn number_url(&self, sid: &str) -> Url {
        let item = format!("{sid}.json");
        self.account_url(&["IncomingPhoneNumbers", &item])
    }

    pub async fn fetch_incoming_number(&self, sid: &str) -> Result<OwnedNumber, CarrierError> {
        let context = Context::about(format!("phone number {sid}"));
        let number: wire::IncomingPhoneNumber =
            self.api().get(&self.number_url(sid), &context).await?;
        Ok(number.into_domain())
    }

    /// Changes what `update` sets and nothing else; returns the number as Twilio now has it.
    pub async fn update_incoming_number(
        &self,
        sid: &str,
        update: &TwilioNumberUpdate,
    ) -> Result<OwnedNumber, CarrierError> {
        let context = Context::about(format!("phone number {sid}"));
        let form = update.form();
        // Setting values is repeatable: a retry after a lost answer sets the same values again.
        let number: wire::IncomingPhoneNumber = self
            .post(Safety::Repeatable, &self.number_url(sid), &form, &context)
            .await?;
        Ok(number.into_domain())
    }

    /// Releases the number (it leaves the account). A number already gone is `AlreadyGone`.
    pub async fn release_incoming_number(&self, sid: &str) -> Result<ReleaseOutcome, CarrierError> {
        let context = Context::about(format!("phone number {sid}"));
        self.api().release(&self.number_url(sid), &context).await
    }

    // -----------------------------------------------------------------------------------------
    // Inbound processing region (Routes v2)

    fn route_url(&self, e164: &str) -> Result<Url, CarrierError> {
        if !is_e164(e164) {
            return Err(CarrierError::Rejected {
                carrier: CARRIER,
                status: 400,
                code: None,
                message: format!("{e164} is not a number in E.164 form (+ and digits)"),
            });
        }
        Ok(join(&self.inner.routes, &["v2", "PhoneNumbers", e164]))
    }

    pub async fn inbound_region(&self, e164: &str) -> Result<InboundRegion, CarrierError> {
        let url = self.route_url(e164)?;
        let record: wire::RoutesPhoneNumber = self
            .api()
            .get(&url, &Context::about(format!("routing record for {e164}")))
            .await?;
        Ok(record.into_domain())
    }

    /// Moves the number's inbound voice processing to `voice_region` (e.g. `ie1`). Twilio says
    /// it can take up to five minutes to apply.
    pub async fn set_inbound_region(
        &self,
        e164: &str,
        voice_region: &str,
    ) -> Result<InboundRegion, CarrierError> {
        let url = self.route_url(e164)?;
        let form = [("VoiceRegion", voice_region.trim().to_string())];
        let record: wire::RoutesPhoneNumber = self
            .post(
                Safety::Repeatable,
                &url,
                &form,
                &Context::about(format!("routing record for {e164}")),
            )
            .await?;
        Ok(record.into_domain())
    }
}

/// Pages through owned numbers: `next_page` until `None`. Each number is handed out once even if
/// Twilio repeats one across pages.
#[derive(Debug)]
pub struct TwilioNumberPager {
    client: TwilioClient,
    next: Option<Url>,
    seen: Seen,
    pages: usize,
}

impl NumberPages for TwilioNumberPager {
    async fn next_page(&mut self) -> Result<Option<Vec<OwnedNumber>>, CarrierError> {
        let Some(url) = self.next.take() else {
            return Ok(None);
        };
        let page: wire::IncomingPhoneNumberPage = match self
            .client
            .api()
            .get_in(Lane::Front, &url, &Context::about("phone number list"))
            .await
        {
            Ok(page) => page,
            Err(error) => {
                // Keep the position so the caller may call again to retry this page.
                self.next = Some(url);
                return Err(error);
            }
        };
        let next = page
            .next_page_uri
            .map(|uri| self.client.next_page_url(&uri))
            .transpose()?;
        if next.as_ref() == Some(&url) {
            return Err(paging_loop());
        }
        self.next = next;
        let numbers = self.seen.fresh(
            page.incoming_phone_numbers,
            |number| &number.sid,
            wire::IncomingPhoneNumber::into_domain,
        );
        self.pages += 1;
        Ok(Some(numbers))
    }

    fn progress(&self) -> ListProgress {
        ListProgress {
            fetched: self.seen.count(),
            pages: self.pages,
            total: None,
        }
    }

    fn carrier(&self) -> CarrierKind {
        CarrierKind::Twilio
    }
}

pub(super) fn paging_loop() -> CarrierError {
    bad_paging_link("leads back to a page already read")
}
