"""History from ML Metadata: a Resolver strategy that returns up to N latest artifacts per input.

TFX's LatestArtifactStrategy(desired_num_of_artifacts=N) resolves nothing until N artifacts exist; a drift
history must start with the first run, so this strategy returns whatever is there (possibly none).
"""
from typing import Dict, List, Optional

from tfx import types
from tfx.dsl.components.common import resolver


class LatestUpToStrategy(resolver.ResolverStrategy):
    """The newest `max_artifacts` artifacts of each input channel (fewer, or none, is fine)."""

    def __init__(self, max_artifacts: int = 10):
        self._max_artifacts = max_artifacts

    def resolve_artifacts(self, store, input_dict: Dict[str, List[types.Artifact]]
                          ) -> Optional[Dict[str, List[types.Artifact]]]:
        return {key: sorted(artifacts, key=lambda a: a.id, reverse=True)[:self._max_artifacts]
                for key, artifacts in input_dict.items()}
