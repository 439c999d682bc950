// @ts-check
/**
 * Carriers: the Twilio and Telnyx accounts connected to this workspace. Connecting is not built
 * yet; the screen says what it will do so the path to numbers is clear.
 */
import { h } from "../dom.js";
import { pageHeader } from "../components/page.js";
import { icon } from "../components/icons.js";

/** @typedef {import("../main.js").ViewContext} ViewContext */

/** @type {{ id: string, name: string, text: string }[]} */
const CARRIERS = [
  { id: "twilio", name: "Twilio", text: "Connect with your Account SID and an API key to import your numbers and buy new ones." },
  { id: "telnyx", name: "Telnyx", text: "Connect with an API key to import your numbers, buy new ones and route them to your agents." },
];

/**
 * @param {HTMLElement} root
 * @param {ViewContext} ctx
 */
export function mount(root, ctx) {
  const keyringNote = ctx.session.keyringAvailable
    ? h("p", { class: "muted-note" }, icon("info", { size: 14 }), "Credentials are stored in your system keychain, never in NumberDesk's database.")
    : h("p", { class: "muted-note muted-note--warning" }, icon("alert", { size: 14 }), "Connecting a carrier needs the system keychain, which is unavailable right now (see the warning above).");

  root.append(
    h(
      "div",
      { class: "view", "data-testid": "view-carriers" },
      pageHeader({ title: "Carriers", description: "Connect the carrier accounts that own your numbers." }),
      h(
        "div",
        { class: "carrier-grid" },
        CARRIERS.map((carrier) =>
          h(
            "article",
            { class: "carrier-card", "data-carrier": carrier.id },
            h(
              "div",
              { class: "carrier-card__top" },
              h("span", { class: ["carrier-card__logo", `carrier-card__logo--${carrier.id}`], "aria-hidden": "true" }, carrier.name[0]),
              h("span", { class: "badge badge--neutral" }, "Coming soon"),
            ),
            h("h2", { class: "carrier-card__name" }, carrier.name),
            h("p", { class: "carrier-card__text" }, carrier.text),
            h("button", { type: "button", class: "btn btn--secondary", disabled: true, "data-testid": `connect-${carrier.id}` }, icon("plug"), `Connect ${carrier.name}`),
          ),
        ),
      ),
      keyringNote,
    ),
  );
}
