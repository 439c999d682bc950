// @ts-check
/**
 * The "New workspace" dialog opened from the workspace switcher.
 */
import { openDialog, dialogCancelButton } from "../components/dialog.js";
import { showToast } from "../components/toast.js";
import { workspaceForm } from "../workspace.js";

/** @typedef {import("../main.js").ViewContext} ViewContext */

/**
 * Open the dialog; on success the returned Session (with the new workspace current) is applied.
 * @param {Pick<ViewContext, "api" | "applySession">} ctx
 * @returns {Promise<void>}
 */
export async function openNewWorkspaceDialog(ctx) {
  /** @type {string} */
  let createdName = "";
  const session = await openDialog({
    title: "New workspace",
    description: "A workspace keeps one business or client apart: its numbers, carriers and credits.",
    footer: false,
    size: "md",
    body: (control) =>
      workspaceForm({
        submitLabel: "Create workspace",
        testid: "new-workspace-form",
        extraActions: [dialogCancelButton(control)],
        onSubmit: async (input) => {
          const next = await ctx.api.createWorkspace(input);
          createdName = input.name;
          control.close(next);
        },
      }),
  });
  if (session) {
    ctx.applySession(session);
    showToast(`Created ${createdName}. You are now working in it.`, { kind: "success" });
  }
}
