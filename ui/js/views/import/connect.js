// @ts-check
/**
 * Steps 1 to 3 of the import wizard, up to a saved connection: the carrier and the connection's
 * name, the credentials (validated live, nothing saved), and for Telnyx the TeXML application's
 * Connection ID (checked live); then Connect saves the connection. The inputs live for the whole
 * wizard, so going back, or a failed call, never loses what was typed; secrets leave the page
 * once the connection is saved. Carrier text (account and application names) is set as text.
 */
import { h, uniqueId } from "../../dom.js";
import { field, textInput, secretInput, segmented, radioCards } from "../../components/form.js";
import { callout, copyableValue } from "../../components/callout.js";
import { icon } from "../../components/icons.js";
import { carrierName } from "../../format.js";
import { stepHeading } from "./state.js";

/**
 * @typedef {import("./state.js").Wizard} Wizard
 * @typedef {import("../../api.js").Carrier} Carrier
 * @typedef {import("../../api.js").CredentialDraft} CredentialDraft
 * @typedef {import("../../api.js").CredentialCheck} CredentialCheck
 * @typedef {import("../../api.js").TexmlCheck} TexmlCheck
 */

/** @param {Wizard} w */
export function createConnectSteps(w) {
  const { api, workspaceId, state } = w;
  const nameInput = textInput({ name: "connectionName", placeholder: "e.g. Main Twilio account", maxlength: "100" });
  const twilioSid = textInput({ name: "twilioAccountSid", placeholder: "AC…", class: "input is-mono" });
  const twilioToken = secretInput({ name: "twilioAuthToken", placeholder: "Auth Token" });
  const twilioKeySid = textInput({ name: "twilioApiKeySid", placeholder: "SK…", class: "input is-mono" });
  const twilioKeySecret = secretInput({ name: "twilioApiKeySecret", placeholder: "API key secret" });
  const telnyxKey = secretInput({ name: "telnyxApiKey", placeholder: "KEY…" });
  const texmlInput = textInput({ name: "texmlConnectionId", placeholder: "e.g. 1684641123236054244", class: "input is-mono", inputmode: "numeric" });

  // Call results that must survive re-renders of their step.
  const validationSlot = h("div", { class: "wizard__result-slot" });
  const texmlSlot = h("div", { class: "wizard__result-slot" });

  const credentialInputs = [twilioSid, twilioToken.input, twilioKeySid, twilioKeySecret.input, telnyxKey.input];
  for (const input of credentialInputs) {
    input.addEventListener("input", () => {
      w.clearStepError();
      if (state.validation && credentialKey() !== state.validatedKey) {
        state.validation = null;
        validationSlot.replaceChildren();
      }
    });
  }
  nameInput.addEventListener("input", () => w.clearStepError());
  texmlInput.addEventListener("input", () => {
    w.clearStepError();
    if (state.texml && texmlInput.value.trim() !== state.texmlKey) {
      state.texml = null;
      texmlSlot.replaceChildren();
      w.updateFooter();
    }
  });

  /** @returns {CredentialDraft} */
  function draft() {
    /** @type {CredentialDraft} */
    const d = { carrier: state.carrier, name: nameInput.value.trim() };
    if (state.carrier === "twilio") {
      d.twilioAccountSid = twilioSid.value.trim();
      if (state.authMode === "token") d.twilioAuthToken = twilioToken.input.value.trim();
      else {
        d.twilioApiKeySid = twilioKeySid.value.trim();
        d.twilioApiKeySecret = twilioKeySecret.input.value.trim();
      }
    } else {
      d.telnyxApiKey = telnyxKey.input.value.trim();
      const texml = texmlInput.value.trim();
      if (texml) d.texmlConnectionId = texml;
    }
    return d;
  }

  /** Identifies the credentials typed, to know whether a validation still applies. */
  function credentialKey() {
    const d = draft();
    return JSON.stringify([d.carrier, d.twilioAccountSid, d.twilioAuthToken, d.twilioApiKeySid, d.twilioApiKeySecret, d.telnyxApiKey]);
  }

  /** @returns {string | null} what is missing, as a sentence */
  function missingCredentials() {
    if (state.carrier === "twilio") {
      if (!twilioSid.value.trim()) return "Enter the Account SID of your Twilio account.";
      if (state.authMode === "token" && !twilioToken.input.value.trim()) return "Enter the Auth Token, or switch to an API key.";
      if (state.authMode === "apikey" && !twilioKeySid.value.trim()) return "Enter the API key SID.";
      if (state.authMode === "apikey" && !twilioKeySecret.input.value.trim()) return "Enter the API key secret.";
    } else if (!telnyxKey.input.value.trim()) {
      return "Enter your Telnyx API key.";
    }
    return null;
  }

  // ------------------------------------------------------------ step 1: carrier

  function carrierStep() {
    const choice = radioCards({
      name: "carrier",
      label: "Carrier",
      value: state.carrier,
      options: [
        { value: "twilio", title: "Twilio", description: "Account SID with an Auth Token or an API key.", testid: "carrier-twilio" },
        { value: "telnyx", title: "Telnyx", description: "An API key, plus the Connection ID of a TeXML application.", testid: "carrier-telnyx" },
        { value: "sip", title: "Other SIP carrier", description: "A SIP trunk: where outbound calls go and optional digest credentials; its numbers typed or from a CSV file.", testid: "carrier-sip" },
      ],
      onChange: (value) => {
        state.carrier = /** @type {Carrier} */ (value);
        state.validation = null;
        state.validatedKey = "";
        validationSlot.replaceChildren();
        nameInput.placeholder = `e.g. Main ${carrierName(state.carrier)} account`;
        w.render();
      },
    });
    nameInput.placeholder = `e.g. Main ${carrierName(state.carrier)} account`;
    return {
      node: h(
        "div",
        { class: "wizard__step", "data-testid": "step-carrier" },
        stepHeading("Which carrier holds the numbers?", "NumberDesk imports the numbers you already own. You can connect several accounts of each carrier."),
        h("div", { class: "field" }, h("span", { class: "field__label" }, "Carrier"), choice),
        h(
          "form",
          { class: "form", novalidate: true, onsubmit: (/** @type {Event} */ e) => { e.preventDefault(); w.next(); } },
          field({ label: "Connection name", control: nameInput, hint: "How this account is called in NumberDesk, e.g. the client or the purpose." }),
        ),
        w.errorSlot,
      ),
      focus: nameInput,
    };
  }

  // ------------------------------------------------------------ step 2: credentials

  function credentialsStep() {
    const validate = h(
      "button",
      { type: "button", class: "btn btn--secondary", "data-testid": "validate-credentials", onclick: () => runValidation(validate) },
      icon("checkCircle", { size: 14 }),
      h("span", null, "Validate"),
    );
    /** @type {Node[]} */
    let fields;
    if (state.carrier === "twilio") {
      const tokenFields = h(
        "div",
        { class: "wizard__auth-fields" },
        state.authMode === "token"
          ? field({ label: "Auth Token", control: twilioToken.el, hint: "Shown next to the Account SID on the Twilio Console home page." })
          : h(
              "div",
              { class: "form__row" },
              field({ label: "API key SID", control: twilioKeySid }),
              field({ label: "API key secret", control: twilioKeySecret.el }),
            ),
      );
      fields = [
        field({ label: "Account SID", control: twilioSid, hint: "Starts with AC. Twilio Console → Account Info." }),
        h(
          "div",
          { class: "field" },
          h("span", { class: "field__label" }, "Sign in with"),
          segmented({
            name: "twilioAuthMode",
            label: "Sign in with",
            value: state.authMode,
            options: [
              { value: "token", label: "Auth Token" },
              { value: "apikey", label: "API key" },
            ],
            onChange: (value) => {
              state.authMode = value === "apikey" ? "apikey" : "token";
              state.validation = null;
              validationSlot.replaceChildren();
              w.clearStepError();
              w.render();
            },
          }),
          h("p", { class: "field__hint" }, state.authMode === "token" ? "The account's main secret." : "A key you can revoke on its own (Twilio Console → API keys & tokens)."),
        ),
        tokenFields,
      ];
    } else {
      fields = [field({ label: "API key", control: telnyxKey.el, hint: "Mission Control → Account settings → API Keys. It starts with KEY." })];
    }
    const keyring = w.ctx.session.keyringAvailable
      ? h("p", { class: "muted-note" }, icon("info", { size: 14 }), "Credentials go to your system keychain when you connect, never to NumberDesk's database.")
      : callout({ kind: "warning", title: "The system keychain is unavailable", children: h("p", { class: "callout__text" }, "You can validate, but connecting will fail until the keychain works again (see the warning at the top of the window).") });
    return {
      node: h(
        "div",
        { class: "wizard__step", "data-testid": "step-credentials" },
        stepHeading(`Your ${carrierName(state.carrier)} credentials`, "Validate makes a live call to check them; nothing is saved until you connect."),
        h("form", { class: "form", novalidate: true, autocomplete: "off", onsubmit: (/** @type {Event} */ e) => { e.preventDefault(); w.next(); } }, fields, h("button", { type: "submit", hidden: true, tabindex: "-1" })),
        h("div", { class: "wizard__actions" }, validate),
        validationSlot,
        w.errorSlot,
        keyring,
      ),
      focus: state.carrier === "twilio" ? (twilioSid.value ? (state.authMode === "token" ? twilioToken.input : twilioKeySid) : twilioSid) : telnyxKey.input,
    };
  }

  /**
   * Validate the credentials (a live call). Resolves true when valid.
   * @param {HTMLButtonElement} button
   * @returns {Promise<boolean>}
   */
  async function runValidation(button) {
    w.clearStepError();
    const missing = missingCredentials();
    if (missing) {
      w.showStepError(missing);
      return false;
    }
    const key = credentialKey();
    try {
      const result = await w.busy(button, () => api.validateCredentials(workspaceId, draft()));
      if (state.closed) return false;
      state.validation = result;
      state.validatedKey = key;
      showValidation(result);
      return true;
    } catch (error) {
      state.validation = null;
      validationSlot.replaceChildren();
      w.reportStepError(error);
      return false;
    }
  }

  /** @param {CredentialCheck} result */
  function showValidation(result) {
    const shown = [
      callout({
        kind: "success",
        testid: "validation-result",
        title: h("span", null, "Signed in to ", h("strong", { "data-testid": "validation-account-name" }, result.accountName)),
        children: h(
          "p",
          { class: "callout__text" },
          result.accountRef ? h("span", { class: "is-mono" }, result.accountRef) : null,
          result.accountRef ? " · " : null,
          `Status: ${result.status}`,
        ),
      }),
      result.trial
        ? callout({
            kind: "warning",
            testid: "validation-trial",
            title: "This is a trial account",
            children: h(
              "p",
              { class: "callout__text" },
              "A Twilio trial account may own only one phone number, and its calls reach only verified numbers. Upgrade it in the Twilio console before buying more numbers.",
            ),
          })
        : null,
    ];
    validationSlot.replaceChildren(...shown.filter((node) => node !== null));
  }

  // ------------------------------------------------------------ step 3: TeXML (Telnyx)

  function texmlStep() {
    const check = h(
      "button",
      { type: "button", class: "btn btn--secondary", "data-testid": "check-texml", onclick: () => runTexmlCheck(check) },
      icon("search", { size: 14 }),
      h("span", null, "Check"),
    );
    return {
      node: h(
        "div",
        { class: "wizard__step", "data-testid": "step-texml" },
        stepHeading("Which TeXML application answers the calls?", "Telnyx routes calls and recordings of imported numbers through a TeXML application, so its Connection ID is required."),
        state.validation ? h("p", { class: "muted-note" }, icon("checkCircle", { size: 14 }), h("span", null, "Signed in to ", h("strong", null, state.validation.accountName))) : null,
        h(
          "form",
          { class: "form", novalidate: true, onsubmit: (/** @type {Event} */ e) => { e.preventDefault(); runTexmlCheck(check); } },
          h(
            "div",
            { class: "field" },
            h("label", { class: "field__label", for: (texmlInput.id ||= uniqueId("texml")) }, "Connection ID"),
            h("div", { class: "input-with-action" }, texmlInput, check),
            h("p", { class: "field__hint" }, "Telnyx Mission Control → Voice → TeXML Applications: open the application (or create one) and copy its ID."),
          ),
        ),
        texmlSlot,
        w.errorSlot,
      ),
      focus: texmlInput,
    };
  }

  /**
   * Check the Connection ID (a live call). Resolves with the check, or null when it failed.
   * @param {HTMLButtonElement} button
   * @returns {Promise<TexmlCheck | null>}
   */
  async function runTexmlCheck(button) {
    w.clearStepError();
    const id = texmlInput.value.trim();
    if (!id) {
      w.showStepError("Enter the Connection ID of your TeXML application.");
      return null;
    }
    const missing = missingCredentials();
    if (missing) {
      w.showStepError(`${missing} (step Credentials)`);
      return null;
    }
    try {
      const result = await w.busy(button, () => api.checkTexmlConnection(workspaceId, draft()));
      if (state.closed) return null;
      state.texml = result;
      state.texmlKey = id;
      showTexml(result);
      w.updateFooter();
      return result;
    } catch (error) {
      state.texml = null;
      texmlSlot.replaceChildren();
      w.reportStepError(error);
      w.updateFooter();
      return null;
    }
  }

  /** @param {TexmlCheck} result */
  function showTexml(result) {
    const found = callout({
      kind: "success",
      testid: "texml-result",
      title: h("span", null, "Found TeXML application ", h("strong", { "data-testid": "texml-app-name" }, result.name)),
      children: result.pointsAtWorkspace ? h("p", { class: "callout__text" }, "Its voice URL already points at this workspace.") : null,
    });
    const warning = result.pointsAtWorkspace
      ? null
      : callout({
          kind: "warning",
          testid: "texml-warning",
          title: "Its voice URL does not point at this workspace",
          children: [
            h(
              "p",
              { class: "callout__text" },
              "Calls to imported numbers will not reach your agents until it does. You can connect now and fix it at Telnyx later.",
            ),
            result.fix ? h("p", { class: "callout__text", "data-testid": "texml-fix" }, result.fix) : null,
            h("dl", { class: "callout__facts" }, h("dt", null, "Now"), h("dd", { class: "is-mono" }, result.voiceUrl ?? "Not set"), h("dt", null, "Expected"), h("dd", null, copyableValue(result.expectedVoiceUrl, { testid: "copy-expected-url", label: "Copy the expected voice URL" }))),
          ],
        });
    texmlSlot.replaceChildren(found, warning ?? "");
  }

  // ------------------------------------------------------------ connecting

  /** @param {HTMLButtonElement} button */
  async function connect(button) {
    w.clearStepError();
    try {
      const connection = await w.busy(button, () => api.connectCarrier(workspaceId, draft()));
      if (state.closed) return;
      state.connection = connection;
      // The secrets are in the keyring now; do not keep them in the page.
      for (const input of [twilioToken.input, twilioKeySecret.input, telnyxKey.input]) input.value = "";
      w.go("numbers");
    } catch (error) {
      w.reportStepError(error);
    }
  }

  /** Whether anything was typed (closing then asks first). */
  function typedAnything() {
    return [nameInput, ...credentialInputs, texmlInput].some((input) => input.value.trim() !== "");
  }

  return { nameInput, texmlInput, credentialKey, missingCredentials, typedAnything, carrierStep, credentialsStep, texmlStep, runValidation, runTexmlCheck, connect };
}
