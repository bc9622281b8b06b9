"""Pull-request previews: the stacks a change affects, their plans, masked summaries, the PR comment.

`affected` (which stacks differ between two revisions), `planner` (terraform per mode), `summaries`
(rendering from plans made elsewhere), `model` (masked per-stack summaries), `render` (the comment and
the full report), `run` (the `blueprint preview` entry point).
"""

from blueprint.preview.planner import plan_stacks
from blueprint.preview.run import MODE_NOTES, PreviewOptions, PreviewResult, preview, write_outputs

__all__ = ["MODE_NOTES", "PreviewOptions", "PreviewResult", "plan_stacks", "preview", "write_outputs"]
