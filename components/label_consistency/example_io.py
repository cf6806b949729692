"""Consensus rows as tf.Examples (imports TensorFlow's protos: only the executor uses this module)."""
from components.label_consistency.values import stable_hash

CONSENSUS_COLUMNS = ("consensus_confidence", "consensus_n_labels", "consensus_flags")


def consensus_features(row: dict, config) -> dict:
    """The item's features, its consensus label under the label column, and the consensus columns."""
    features = dict(row["features"])
    features[config.item_column] = row["item"]
    features[config.label_column] = row["label"]
    features["consensus_confidence"] = row["confidence"]
    features["consensus_n_labels"] = row["n_labels"]
    features["consensus_flags"] = ";".join(row["flags"])
    return features


def to_tf_example(features: dict) -> bytes:
    """Serialized tf.Example: int -> int64_list, float -> float_list, text -> bytes_list, None -> absent."""
    from tensorflow.core.example import example_pb2

    example = example_pb2.Example()
    for name, value in features.items():
        if value is None:
            continue
        feature = example.features.feature[name]
        if isinstance(value, bool) or isinstance(value, int):
            feature.int64_list.value.append(int(value))
        elif isinstance(value, float):
            feature.float_list.value.append(value)
        else:
            feature.bytes_list.value.append(value if isinstance(value, bytes) else str(value).encode("utf-8"))
    return example.SerializeToString()


def split_for(item_id: str, splits: dict) -> str:
    """Deterministic split of an item by a hash of its id; `splits` maps split names to hash buckets."""
    names = sorted(splits)
    bucket = stable_hash(item_id) % sum(splits.values())
    for name in names:
        if bucket < splits[name]:
            return name
        bucket -= splits[name]
    raise AssertionError("unreachable")
