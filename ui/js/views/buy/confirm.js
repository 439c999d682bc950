// @ts-check
/**
 * The purchase confirmation of Buy Numbers, shared by both flows (one marketplace number, many
 * pool numbers): what is bought and what it costs against the balance, confirmed before any
 * carrier is called. Its own module because it is the one place a purchase is committed.
 */
import { h } from "../../dom.js";
import { openDialog, dialogCancelButton } from "../../components/dialog.js";
import { callout } from "../../components/callout.js";
import { icon } from "../../components/icons.js";
import { creditsText } from "../../components/credits.js";
import { field, selectInput } from "../../components/form.js";
import { NO_PRORATION, messageOf } from "./shared.js";

/**
 * @typedef {import("../../api.js").Quote} Quote
 * @typedef {import("../../api.js").Purchase} Purchase
 */

/**
 * A choice among what the carrier keeps on file for a regulated number (Addresses, Bundles),
 * or, with none, a warning that says where to create one (Buy then gets the refusal before
 * anything is charged). The options are carrier text: set as text only.
 * @template T
 * @param {{ items: T[], sid: (item: T) => string, label: (item: T) => string, name: string, testid: string, fieldLabel: string, hint: string, missingTitle: string, missingText: string }} spec
 * @returns {{ el: HTMLElement, value: () => string | null }}
 */
function carrierPicker(spec) {
  if (spec.items.length === 0) {
    return {
      el: callout({
        kind: "warning",
        testid: `${spec.testid}-missing`,
        title: spec.missingTitle,
        children: h("p", { class: "callout__text" }, spec.missingText),
      }),
      value: () => null,
    };
  }
  const { el, select } = selectInput({
    name: spec.name,
    options: spec.items.map((item) => ({ value: spec.sid(item), label: spec.label(item) })),
    value: spec.sid(spec.items[0]),
    attrs: { "data-testid": spec.testid, "aria-label": spec.fieldLabel },
  });
  return {
    el: h("div", { class: "buy-dialog__pick" }, field({ label: spec.fieldLabel, control: el, hint: spec.hint })),
    value: () => select.value || null,
  };
}

/**
 * The Address to buy a number with, for a country that asks for one.
 * @param {import("../../api.js").CarrierAddress[]} addresses
 * @param {string} requirement
 */
export function addressPicker(addresses, requirement) {
  const needs = requirement === "local" ? "an address in the number's country" : requirement === "foreign" ? "an address outside the number's country" : "an address";
  return carrierPicker({
    items: addresses,
    sid: (a) => a.sid,
    label: (a) => [a.friendly_name ?? a.customer_name ?? a.sid, [a.city, a.iso_country].filter(Boolean).join(", ")].filter(Boolean).join(" — "),
    name: "address",
    testid: "buy-address",
    fieldLabel: "Address on file",
    hint: `Its country asks for ${needs}; Twilio keeps this one with the number.`,
    missingTitle: "An address is needed",
    missingText: `This number is sold only with ${needs} on file at Twilio, and the account has none. Add one in the Twilio Console (Phone Numbers, Regulatory Compliance, Addresses), then buy again.`,
  });
}

/**
 * The regulatory paperwork to buy a number with, for a country and type with rules: one of the
 * account's bundles (Twilio) or requirement groups (Telnyx), only those the carrier approved.
 * @param {import("../../api.js").CarrierBundle[]} bundles
 * @param {string | null | undefined} carrier `twilio` or `telnyx`
 */
export function bundlePicker(bundles, carrier) {
  const telnyx = carrier === "telnyx";
  const what = telnyx ? "requirement group" : "regulatory bundle";
  const who = telnyx ? "Telnyx" : "Twilio";
  const where = telnyx ? "on the Requirement Groups page of the Telnyx Portal" : "in the Twilio Console (Phone Numbers, Regulatory Compliance, Bundles)";
  return carrierPicker({
    items: bundles,
    sid: (b) => b.sid,
    label: (b) => (b.friendly_name ? `${b.friendly_name} — ${b.sid}` : b.sid),
    name: "bundle",
    testid: "buy-bundle",
    fieldLabel: telnyx ? "Requirement group" : "Regulatory bundle",
    hint: `The law of its country asks who will use the number; ${who} approved this ${what} for it.`,
    missingTitle: `An approved ${what} is needed`,
    missingText: `This number is sold only with a ${what} that ${who} has approved for its country and type, and the account has none approved. Create one ${where}; once ${who} approves it, buy again.`,
  });
}

/**
 * The confirmation dialog: the numbers and their monthly cost, the balance before and after,
 * the no-proration rule. Buy is disabled (with the reason) when the credits do not cover it.
 * A refusal (too few credits, a number gone, a carrier error) is shown inside the dialog and
 * nothing else changes; a number gone is dropped from the results (by `afterRefusal`).
 * @param {Quote} quote
 * @param {{ title: string, confirmLabel: string, extra?: Node, buy: () => Promise<Purchase>, afterRefusal: () => Promise<void> }} options
 * @returns {Promise<Purchase | null>}
 */
export function confirmDialog(quote, options) {
  const single = quote.numbers.length === 1;
  const dialogError = h("div", { class: "buy-dialog__error" });
  const numbersList = single
    ? [
        h("dt", null, "Number"),
        h("dd", { class: "is-mono", "data-testid": "quote-number" }, quote.numbers[0].e164),
        h("dt", null, "Monthly cost"),
        h("dd", { "data-testid": "quote-cost" }, creditsText(quote.numbers[0].monthly_cost_credits)),
      ]
    : [
        h("dt", null, "Numbers"),
        h(
          "dd",
          null,
          h(
            "ul",
            { class: "quote-lines", "data-testid": "quote-lines" },
            quote.numbers.map((n) =>
              h("li", { class: "quote-line", "data-testid": "quote-line", "data-e164": n.e164 }, h("span", { class: "is-mono" }, n.e164), h("span", { "data-testid": "quote-line-cost" }, creditsText(n.monthly_cost_credits))),
            ),
          ),
        ),
        h("dt", null, "Total per month"),
        h("dd", { "data-testid": "quote-total" }, creditsText(quote.total_credits)),
      ];
  return openDialog({
    title: options.title,
    size: "md",
    bare: true,
    footer: false,
    testid: "buy-confirm",
    body: (control) => {
      const buyButton = h(
        "button",
        {
          type: "button",
          class: "btn btn--primary",
          "data-testid": "dialog-confirm",
          disabled: !quote.affordable,
          onclick: async () => {
            dialogError.replaceChildren();
            control.setBusy(true);
            buyButton.setAttribute("aria-busy", "true");
            try {
              const purchase = await options.buy();
              control.close(purchase);
            } catch (error) {
              control.setBusy(false);
              buyButton.removeAttribute("aria-busy");
              dialogError.replaceChildren(
                h("div", { class: "form-error", role: "alert", "data-testid": "buy-error" }, icon("alertCircle", { size: 16 }), h("span", { class: "form-error__text" }, messageOf(error))),
              );
              await options.afterRefusal();
            }
          },
        },
        options.confirmLabel,
      );
      return h(
        "div",
        { class: "buy-dialog" },
        h(
          "div",
          { class: "dialog__body" },
          h(
            "dl",
            { class: "definition-list buy-dialog__facts", "data-testid": "quote" },
            numbersList,
            h("dt", null, "Balance"),
            h(
              "dd",
              { class: "buy-dialog__balance" },
              h("span", { "data-testid": "quote-balance-before" }, creditsText(quote.balance_before)),
              h("span", { class: "buy-dialog__arrow", "aria-label": "after the purchase" }, icon("arrowRight", { size: 14 })),
              h("span", { "data-testid": "quote-balance-after", class: quote.balance_after < 0 ? "amount--negative" : undefined }, creditsText(quote.balance_after)),
            ),
          ),
          h("p", { class: "dialog__text buy-dialog__rule", "data-testid": "quote-no-proration" }, NO_PRORATION),
          options.extra ?? null,
          quote.affordable
            ? null
            : callout({
                kind: "error",
                testid: "quote-unaffordable",
                title: "Not enough credits",
                children: h(
                  "p",
                  { class: "callout__text" },
                  `This costs ${creditsText(quote.total_credits)} but only ${creditsText(Math.max(quote.balance_before, 0))} are available. Release numbers, wait for next month's allowance, or raise the allowance in Settings.`,
                ),
              }),
          dialogError,
        ),
        h("footer", { class: "dialog__footer" }, dialogCancelButton(control), buyButton),
      );
    },
  });
}

