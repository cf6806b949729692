"""Gating downstream nodes (Pusher, a retraining Trainer, ...) on tfx-dcai blessings.

Every tfx-dcai component writes a blessing artifact whose integer custom property `blessed` is 1 (pass), 0 (a
blocking finding) or 2 (no baseline to compare with). A gate is a TFX predicate on those properties; nodes created
inside `tfx.dsl.Cond(predicate)` run only when it holds (TFX marks them skipped otherwise), on LocalDagRunner and
on Kubeflow alike:

    from tfx import v1 as tfx
    from tfx_dcai import gate

    passes = gate.all_of(gate.blessed(drift.outputs["blessing"]),
                         gate.blessed(slices.outputs["blessing"], allow_no_baseline=True))
    with tfx.dsl.Cond(passes):
        pusher = tfx.components.Pusher(model=trainer.outputs["model"],
                                       model_blessing=evaluator.outputs["blessing"], push_destination=...)
"""
from tfx_dcai.artifacts import BLESSED, NOT_BLESSED


def blessed(blessing_channel, allow_no_baseline: bool = False):
    """A predicate: the blessing artifact on `blessing_channel` passed.

    Args:
      blessing_channel: a component's `blessing` output channel (DriftBlessing, SliceBlessing,
        LabelConsistencyBlessing).
      allow_no_baseline: also pass when there was no baseline to compare with (`blessed` == 2), e.g. a
        SliceErrorAnalyzer's first run, before any model was blessed.

    Returns:
      A tfx.dsl.placeholders predicate for tfx.dsl.Cond.
    """
    value = blessing_channel.future()[0].custom_property("blessed")
    return value != NOT_BLESSED if allow_no_baseline else value == BLESSED


def all_of(*predicates):
    """A predicate that holds when every one of `predicates` holds.

    Args:
      *predicates: predicates from `blessed` (at least one).

    Returns:
      Their logical AND.
    """
    from tfx.dsl.placeholder.placeholder_base import logical_and

    if not predicates:
        raise ValueError("all_of needs at least one predicate")
    combined = predicates[0]
    for predicate in predicates[1:]:
        combined = logical_and(combined, predicate)
    return combined
