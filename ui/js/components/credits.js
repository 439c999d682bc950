// @ts-check
/**
 * Credits as the buy and billing screens write them: "1 credit", "1,250 credits", and signed
 * ledger amounts ("+1,000", "−115").
 */
import { formatCount } from "../format.js";

/** @param {number} credits */
export function creditsText(credits) {
  return `${formatCount(credits)} ${Math.abs(credits) === 1 ? "credit" : "credits"}`;
}

/**
 * A ledger amount with its sign (a true minus sign for spends).
 * @param {number} amount
 */
export function signedCredits(amount) {
  if (amount > 0) return `+${formatCount(amount)}`;
  if (amount < 0) return `\u2212${formatCount(-amount)}`;
  return "0";
}
