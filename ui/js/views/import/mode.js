// @ts-check
/**
 * Step 5 of the import wizard: what NumberDesk may change at the carrier. Outbound only (the
 * default) touches nothing; managed points the numbers at this workspace, with the preview of
 * every change below the choice.
 */
import { h } from "../../dom.js";
import { radioCards } from "../../components/form.js";
import { carrierName, plural } from "../../format.js";
import { stepHeading } from "./state.js";

/**
 * @typedef {import("./state.js").Wizard} Wizard
 * @typedef {import("../../api.js").Connection} Connection
 */

/**
 * @param {Wizard} w
 * @param {ReturnType<typeof import("./preview.js").createPreview>} preview
 */
export function createModeStep(w, preview) {
  const { state } = w;
  function webhooksStep() {
    const c = /** @type {Connection} */ (state.connection);
    const carrier = carrierName(c.carrier);
    const managedText =
      c.carrier === "telnyx"
        ? "NumberDesk takes the numbers over: each one is assigned to your TeXML application and to this workspace's messaging profile, so calls and texts reach your agents."
        : "NumberDesk takes the numbers over: their voice URL, SMS URL and status callback are pointed at this workspace, so calls and texts reach your agents.";
    const previewHost = h("div", { class: "wizard__preview-host" });
    const choice = radioCards({
      name: "webhookMode",
      label: "Webhook mode",
      value: state.mode,
      options: [
        {
          value: "outbound_only",
          title: "Outbound only",
          badge: h("span", { class: "badge badge--accent" }, "Default"),
          description: `Touch nothing at ${carrier}. Your agents can call out from these numbers; their current webhooks and messaging setup stay exactly as they are, so anything else using them keeps working.`,
          testid: "mode-outbound-only",
        },
        {
          value: "managed",
          title: "Allow webhook & messaging updates",
          description: `${managedText} Whatever the numbers were connected to before stops receiving calls and messages. Their current settings are saved first, so they can be shown and restored.`,
          testid: "mode-managed",
        },
      ],
      onChange: (value) => {
        state.mode = value === "managed" ? "managed" : "outbound_only";
        w.clearStepError();
        preview.render(previewHost);
        w.updateFooter();
      },
    });
    preview.attach(previewHost);
    return {
      node: h(
        "div",
        { class: "wizard__step", "data-testid": "step-webhooks" },
        stepHeading(`What may NumberDesk change at ${carrier}?`, `For the ${plural(state.selected.size, "number")} you picked.`),
        choice,
        w.errorSlot,
        previewHost,
      ),
      focus: /** @type {HTMLElement | null} */ (choice.querySelector("input:checked")),
    };
  }

  return { webhooksStep };
}
