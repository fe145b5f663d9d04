"""Label inventories of a prepared dataset for the fine-tuned tagger: fine tags and the coarse task.

The coarse (auxiliary) task is MultiCoNER II's 6 groups when the dataset has
coarse tags, and entity-vs-O (every type mapped to ``ENT``) otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from nerlab.data.tags import label_list, map_types

MENTION = "ENT"


@dataclass(frozen=True)
class LabelSpace:
    tags: list[str]
    coarse_tags: list[str]
    coarse_map: dict[str, str]
    topics: list[str] = field(default_factory=list)  # sentence classes of a sequence head (paper 002)

    @classmethod
    def from_labels_json(cls, labels: dict) -> "LabelSpace":
        if labels.get("coarse_map"):
            return cls(list(labels["tags"]), list(labels["coarse_tags"]), dict(labels["coarse_map"]))
        return cls(list(labels["tags"]), label_list([MENTION]), {t: MENTION for t in labels["types"]})

    def with_topics(self, topics: list[str]) -> "LabelSpace":
        return replace(self, topics=list(topics))

    def topic_id(self, topic: str) -> int:
        if topic not in self.topics:
            raise ValueError(f"topic {topic!r} is not one of {', '.join(self.topics)}")
        return self.topics.index(topic)

    def ids(self, tags: list[str]) -> list[int]:
        index = {t: i for i, t in enumerate(self.tags)}
        return [index[t] for t in tags]

    def coarse_ids(self, tags: list[str]) -> list[int]:
        index = {t: i for i, t in enumerate(self.coarse_tags)}
        return [index[t] for t in map_types(tags, self.coarse_map)]
