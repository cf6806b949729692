"""The label-errors loop: rank examples by how likely their label is wrong, queue the most suspicious for review,
and apply the reviewers' labels to get cleaned Examples (docs/label_review.md).

Layers: queue.py (pure: the queue table, CSV, report), beam_label_errors.py (FindLabelErrors), component.py /
executor.py (LabelErrorQueue, ApplyReviewedLabels), cli.py (`dcai label-errors`). The statistics are
label_consistency.confident_learning's (confident learning, label quality, ranking, estimate).
"""
