"""Reading a component's earlier reports from ML Metadata: a Resolver strategy that returns up to N of the
latest artifacts per input, possibly none.

TFX's LatestArtifactStrategy(desired_num_of_artifacts=N) resolves nothing (and the resolver node fails) until
N artifacts exist; a history or a before/after comparison must start working from the very first run.
Kubeflow V2 compilation supports only TFX's built-in strategies, so the Kubeflow pipeline omits these resolvers.
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
