// @ts-check
/**
 * A horizontal stepper for multi-step flows: numbered steps, the current one highlighted, the
 * ones behind it ticked. Purely a display; the flow decides where it is.
 */
import { h } from "../dom.js";
import { icon } from "./icons.js";

/**
 * @typedef {{ id: string, label: string }} Step
 * @typedef {object} StepperHandle
 * @property {HTMLElement} el
 * @property {(steps: Step[], currentId: string) => void} set show these steps with `currentId` current
 */

/**
 * @param {{ label?: string, testid?: string }} [options]
 * @returns {StepperHandle}
 */
export function createStepper(options = {}) {
  const el = h("ol", { class: "stepper", "aria-label": options.label ?? "Steps", "data-testid": options.testid });
  return {
    el,
    set(steps, currentId) {
      const currentIndex = Math.max(0, steps.findIndex((step) => step.id === currentId));
      el.replaceChildren(
        ...steps.map((step, index) => {
          const state = index < currentIndex ? "done" : index === currentIndex ? "current" : "todo";
          return h(
            "li",
            {
              class: ["stepper__step", `stepper__step--${state}`],
              "aria-current": state === "current" ? "step" : undefined,
              "data-step": step.id,
              "data-state": state,
            },
            h("span", { class: "stepper__marker", "aria-hidden": "true" }, state === "done" ? icon("check", { size: 12 }) : String(index + 1)),
            h("span", { class: "stepper__label" }, step.label, state === "done" ? h("span", { class: "visually-hidden" }, " (done)") : null),
          );
        }),
      );
      el.dataset.current = currentId;
    },
  };
}
