"""The schema of params.yaml (pydantic): types, ranges, choices, required keys; unknown keys refused.

:func:`validate` checks a whole params mapping and raises one
:class:`~nerlab.config.errors.NerlabError` listing every problem, one line each, with the
key path, what is allowed and what was found, and a did-you-mean for a
misspelt key (``finetune.epoch`` -> ``finetune.epochs``). Numbers must be
numbers (``"5"`` and ``true`` are not), booleans must be booleans (``"false"``
is not). Every stage runs it at start (:func:`nerlab.runtime.main`), before it loads data,
an encoder or a server, and receives the typed :class:`Params` it returns;
``nerlab params check`` runs it alone.

Allowed values of a named implementation (a head, an annotator backend, a blend
schedule, a topic labeller, a dataset, a model kind) come from its registry
(:mod:`nerlab.config.registry`): adding one needs no edit here.

The defaults live in params.yaml: every key here is required (a nullable one
must still be written, as ``null``).
"""

from __future__ import annotations

import difflib
import re
import urllib.parse
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PrivateAttr,
    StrictBool,
    StrictInt,
    ValidationError,
    create_model,
    field_validator,
    model_validator,
)

from nerlab.annotate.backends import BACKENDS, llm_names
from nerlab.annotate.labellers import TOPIC_LABELLERS
from nerlab.annotate.prompts import SHOT_SELECTIONS
from nerlab.config import params as params_io
from nerlab.config.errors import NerlabError
from nerlab.data.catalog import dataset_names
from nerlab.data.tags import SCHEMES
from nerlab.models.loaders import LOADERS
from nerlab.models.transformer.alignment import CONTEXTS
from nerlab.models.transformer.blending import SCHEDULES
from nerlab.models.transformer.encoders import ATTENTION, alias_names
from nerlab.models.transformer.heads import HEADS
from nerlab.models.transformer.loss_weighting import TASKS, WEIGHTINGS
from nerlab.models.transformer.schedules import AUX_SCHEDULES, LR_SCHEDULES
from nerlab.models.transformer.token_blending import BLENDS
from nerlab.models.transformer.word_features import CHOICES as WORD_FEATURES


def _number(value: Any) -> Any:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"must be a number, got {value!r}")  # noqa: TRY004 (pydantic reports ValueError)
    return value


def _text(value: Any) -> Any:
    if not isinstance(value, str):
        raise ValueError(f"must be a string, got {value!r}")  # noqa: TRY004 (pydantic reports ValueError)
    return value


def _choice(values) -> Any:
    return Literal[tuple(values)]  # type: ignore[valid-type]


def _encoder(value: Any) -> Any:
    """An alias (the encoder alias registry), a folder, or a hub id; a near miss of an alias is refused with a
    did-you-mean instead of failing later as an unknown hub id."""
    value = _text(value)
    names = alias_names()
    if value in names or "/" in value or value.startswith((".", "~")):
        return value
    close = difflib.get_close_matches(value, names, n=1, cutoff=0.85)
    if close:
        raise ValueError(f"unknown encoder alias {value!r} (did you mean {close[0]}?); the aliases: "
                         f"{', '.join(names)}; or a folder or a hub id")
    return value


Num = Annotated[float, BeforeValidator(_number)]
Str = Annotated[str, BeforeValidator(_text)]
Encoder = Annotated[str, BeforeValidator(_encoder)]
PosInt = Annotated[StrictInt, Field(ge=1)]
NonNegInt = Annotated[StrictInt, Field(ge=0)]
PosNum = Annotated[Num, Field(gt=0)]
NonNegNum = Annotated[Num, Field(ge=0)]
Fraction = Annotated[Num, Field(ge=0, lt=1)]
# Allowed values: from the registries and the modules that implement them
Scheme = _choice([*SCHEMES, *(s.lower() for s in SCHEMES)])
LrSchedule = _choice(LR_SCHEDULES)
AuxSchedule = _choice(AUX_SCHEDULES)
ModelKind = _choice(LOADERS)
Labeller = _choice(TOPIC_LABELLERS)
ShotSelection = _choice(SHOT_SELECTIONS)
Head = _choice(HEADS)
TokenBlend = _choice(BLENDS)
Aux = _choice(["none", *HEADS])
Context = _choice(CONTEXTS)
Attention = _choice(ATTENTION)
WordFeatures = _choice(WORD_FEATURES)
BlendSchedule = _choice(SCHEDULES)
TaskKind = _choice(TASKS)
Weighting = _choice(WEIGHTINGS)
Dataset = _choice(dataset_names())
Annotator = _choice(BACKENDS)
Llm = _choice(llm_names())
_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_SECRET_NAME = re.compile(r"key|token|secret|passw|auth|sig|credential", re.IGNORECASE)


class Section(BaseModel):
    """A block of params.yaml: typed, immutable, unknown keys refused.

    While a stage runs under ``NERLAB_PARAMS_AUDIT``, reading a field records its
    key path (``finetune.lr``), so the end-to-end test can check that every value a
    stage reads is a declared DVC param of it; a dict field (``multitask.tasks``)
    records the keys read from it. Sections made elsewhere (a saved model's config read
    back from its folder) have no key path and record nothing.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)
    _path: str | None = PrivateAttr(default=None)  # None: not read from params.yaml (a saved model's config)

    def __getattribute__(self, name: str) -> Any:
        value = super().__getattribute__(name)
        read = params_io.AUDIT.read
        if read is not None and name[:1] != "_" and name in type(self).model_fields:
            prefix = object.__getattribute__(self, "__pydantic_private__")["_path"]
            if prefix is None:
                return value
            path = prefix + name
            if isinstance(value, dict):
                return params_io.AuditedParams(value, f"{path}.", read)
            if not isinstance(value, Section):
                read.add(path)
        return value


def path_of(section: Section) -> str | None:
    """The key path a section was read from (``finetune.``), which its audited reads are recorded under."""
    return object.__getattribute__(section, "__pydantic_private__")["_path"]


def set_paths(section: Section, prefix: str | None = "") -> None:
    """Give ``section`` and every section inside it its key path (after validation, or for a derived copy;
    ``None``: not from params.yaml)."""
    object.__getattribute__(section, "__pydantic_private__")["_path"] = prefix
    for name in type(section).model_fields:
        value = BaseModel.__getattribute__(section, name)
        children = value.items() if isinstance(value, dict) else [(None, value)]
        for key, child in children:
            if isinstance(child, Section):
                inner = None if prefix is None else f"{prefix}{name}." + (f"{key}." if key is not None else "")
                set_paths(child, inner)


class Conll(Section):
    train: Str | None
    dev: Str | None
    test: Str | None
    token_col: StrictInt
    tag_col: StrictInt
    n_cols: PosInt | Literal["any"] | None
    sep: Str | None
    scheme: Scheme
    docstart: Str | None
    comment_prefix: Str | None
    header_prefix: Str | None
    doc_prefix: Str | None
    feature_cols: dict[str, StrictInt]
    types: list[Str] | None


class Hf(Section):
    """``dataset: hf`` (:mod:`nerlab.data.hf`): a Hugging Face dataset by hub id, save_to_disk folder or files."""
    path: Str | None
    data_files: dict[str, Str]
    config: Str | None
    revision: Str | None
    tokens: Str
    tags: Str
    id_column: Str | None
    label_names: list[Str] | None
    scheme: Scheme
    splits: dict[Literal["train", "dev", "test"], Str | None]
    types: list[Str] | None


class Spans(Section):
    """``dataset: spans`` (:mod:`nerlab.data.spans`): doccano JSONL or Label Studio JSON with character spans."""
    train: Str | None
    dev: Str | None
    test: Str | None
    types: list[Str] | None


class Data(Section):
    mirror: Str | None
    online: StrictBool
    train_size: PosInt | None
    dev_fraction: Annotated[Num, Field(gt=0, lt=1)]
    conll: Conll
    hf: Hf
    spans: Spans


class Clusters(Section):
    encoder: Encoder
    sizes: list[Annotated[StrictInt, Field(ge=2)]]


class CrfFeatures(Section):
    window: NonNegInt
    affix_len: NonNegInt
    shape: StrictBool
    pos: StrictBool
    document: StrictBool
    cluster_window: NonNegInt
    gazetteer: StrictBool
    clusters: Clusters


class Crf(Section):
    c1: NonNegNum
    c2: NonNegNum
    max_iterations: PosInt
    all_possible_transitions: StrictBool
    features: CrfFeatures


class Lora(Section):
    r: NonNegInt
    alpha: PosNum
    dropout: Fraction
    target_modules: list[Str]


TrainPrecision = Literal["fp32", "bf16"]
InferencePrecision = Literal["fp32", "bf16", "int8"]


class TrainBlock(Section):
    """The finetune block; a paper's ``train`` block overrides some of its keys (the rest: None)."""
    train_size: PosInt | None = None
    epochs: PosInt | None = None
    batch_size: PosInt | None = None
    eval_batch_size: PosInt | None = None
    lr: PosNum | None = None
    weight_decay: NonNegNum | None = None
    warmup: Fraction | None = None
    lr_schedule: LrSchedule | None = None
    lr_decay: Annotated[Num, Field(gt=0, le=1)] | None = None
    dropout: Fraction | None = None
    max_length: Annotated[StrictInt, Field(ge=8)] | None = None
    label_all_subwords: StrictBool | None = None
    lstm_hidden: PosInt | None = None
    checkpoint: Literal["best", "last"] | None = None
    aux_schedule: AuxSchedule | None = None
    aux_residual: Annotated[Num, Field(ge=0, le=1)] | None = None
    aux_scale: PosNum | None = None
    precision: TrainPrecision | None = None
    freeze_word_embeddings: StrictBool | None = None
    max_context_sentences: NonNegInt | None = None
    bucket_pool: PosInt | None = None
    dev_every: NonNegInt | None = None
    encoder_fallback: StrictBool | None = None
    lora: Lora | None = None

    @model_validator(mode="after")
    def _best_needs_dev(self):
        if self.checkpoint == "best" and self.dev_every == 0:
            raise ValueError("checkpoint: best needs dev scores (dev_every >= 1), or use checkpoint: last")
        return self


class Finetune(TrainBlock):
    """The complete training recipe (every key set): params.yaml's ``finetune`` block, or it with a paper's
    ``train`` block laid over it (:meth:`over`)."""

    @model_validator(mode="after")
    def _complete(self):
        missing = [k for k in TrainBlock.model_fields if getattr(self, k) is None and k != "train_size"]
        if missing:
            raise ValueError(f"missing keys: {', '.join(missing)}")
        return self

    def over(self, block: TrainBlock) -> "Finetune":
        """This recipe with the keys ``block`` sets replaced (the block's rules were checked with it)."""
        changed = {k: getattr(block, k) for k in block.model_fields_set if getattr(block, k) is not None}
        return self.model_copy(update=changed)


class Teacher(Section):
    kind: ModelKind
    size: PosInt
    stands_in_for: Str


class _PerAnnotator(Section):
    def of(self, annotator: str) -> int:
        """The size for ``annotator`` (the current ``annotator`` param, usually)."""
        return getattr(self, annotator)


PerAnnotator = create_model("PerAnnotator", __base__=_PerAnnotator, **{name: (PosInt, ...) for name in BACKENDS})
PerAnnotator.__doc__ = "A size per annotator backend (the paper's scale where annotating is cheap, less for a local LLM)."


class Prompt(Section):
    template: Str
    reasoning: StrictBool
    max_tokens: PosInt
    temperature: Annotated[Num, Field(ge=0, le=2)] | None = None  # absent or null: annotate.temperature


class Local(Section):
    model: Str
    ctx_per_slot: Annotated[StrictInt, Field(ge=256)]
    threads: NonNegInt
    startup_timeout: PosNum


class OpenAI(Section):
    base_url: Str
    model: Str
    api_key_env: Str | None

    @field_validator("base_url")
    @classmethod
    def _no_credentials(cls, value):
        parts = urllib.parse.urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("must be an http(s) address, e.g. https://api.openai.com/v1")
        query = urllib.parse.parse_qs(parts.query)
        if parts.username or parts.password or any(_SECRET_NAME.search(k) for k in query):
            raise ValueError("holds a credential (user:key@ or a key in the query): remove it, put the key in an "
                             "environment variable and name that variable in annotate.openai.api_key_env")
        return value

    @field_validator("api_key_env")
    @classmethod
    def _a_name_not_a_key(cls, value):
        if value and not _ENV_NAME.fullmatch(value):  # checked before anything logs the params
            raise ValueError("must be the NAME of an environment variable (e.g. OPENAI_API_KEY), and this value "
                             "is not one: if it is the key itself, remove it from params.yaml and revoke it")
        return value


class Price(Section):
    prompt: NonNegNum
    completion: NonNegNum


class Accuracy(Section):
    precision: Annotated[Num, Field(gt=0, le=1)]
    recall: Annotated[Num, Field(ge=0, le=1)]


class Noise(Section):
    """Annotator ``noise`` (:mod:`nerlab.annotate.noise`): gold spans perturbed to a per-type precision/recall."""
    name: Str  # what the targets are (every output made from it says so)
    target: dict[str, Accuracy] = Field(min_length=1)
    boundary_share: Annotated[Num, Field(ge=0, le=1)]
    swap_share: Annotated[Num, Field(ge=0, le=1)]
    seed: NonNegInt  # which spans err: fixed, as one annotator's annotations are

    def targets(self) -> dict[str, tuple[float, float]]:
        """Type -> (precision, recall), as :mod:`nerlab.annotate.noise` takes them."""
        return {k: (v.precision, v.recall) for k, v in self.target.items()}

    @model_validator(mode="after")
    def _shares(self):
        if self.boundary_share + self.swap_share > 1:
            raise ValueError(f"boundary_share + swap_share is {self.boundary_share + self.swap_share:g}: the "
                             "shares of the lost spans must add up to at most 1 (the rest are misses)")
        return self


class Bbc(Section):
    prompt: Str
    min_tokens: PosInt
    max_sentences: PerAnnotator


class Topics(Section):
    labeller: Labeller
    train_size: PosInt
    test_size: PosInt
    min_confidence: Annotated[Num, Field(ge=0, le=1)]
    min_tokens: PosInt


class Tagger(Section):
    prompt: Str
    split: Literal["train", "dev", "test"]
    size: PosInt


class Annotate(Section):
    sample_size: PerAnnotator
    run_prompts: list[Str] = Field(min_length=1)
    distill_prompt: Str
    shots: NonNegInt
    shot_selection: ShotSelection
    temperature: Annotated[Num, Field(ge=0, le=2)]
    concurrency: PosInt
    timeout: PosNum
    max_retries: NonNegInt
    backoff: NonNegNum
    max_consecutive_failures: PosInt
    max_unreadable: Annotated[Num, Field(ge=0, le=1)]
    cache: Str
    definitions: Str
    prompts: dict[str, Prompt]
    local: Local
    openai: OpenAI
    teacher: Str
    noise: Noise
    corrected: Str | None  # a person's corrections of the distilled set (a span export; nerlab.annotate.corrected)
    prices: dict[str, Price]
    bbc: Bbc
    topics: Topics
    tagger: Tagger

    @model_validator(mode="after")
    def _prompts_exist(self):
        named = {"run_prompts": self.run_prompts, "distill_prompt": [self.distill_prompt],
                 "bbc.prompt": [self.bbc.prompt], "tagger.prompt": [self.tagger.prompt]}
        for key, names in named.items():
            unknown = [n for n in names if n not in self.prompts]
            if unknown:
                raise ValueError(f"{key}: no prompt {', '.join(map(repr, unknown))} under annotate.prompts "
                                 f"(known: {', '.join(self.prompts)})")
        if self.distill_prompt not in self.run_prompts:
            raise ValueError(f"distill_prompt {self.distill_prompt!r} is not one of run_prompts")
        return self


class Architecture(Section):
    """The fine-tuned tagger's architecture (paper 000's knobs): top-level keys of params.yaml, so that
    ``dvc exp run -S head=bilstm_crf`` works, and the ``architecture`` block of a paper's fixed recipe."""

    head: Head
    layers: PosInt  # last hidden layers concatenated
    blend: TokenBlend  # triplet token blending
    aux: Aux  # the coarse auxiliary head
    context: Context
    head_lr_mult: PosNum
    attention: Attention
    word_features: WordFeatures


class PaperRecipe(Section):
    encoder: Encoder
    paper_encoder: Str
    architecture: Architecture
    train: TrainBlock


class Distill(PaperRecipe):
    schedule: BlendSchedule
    k: PosNum
    n: PosNum
    bbc: StrictBool
    original_size: PosInt
    repeats: PosInt


def repeat_seed(seed: int, repeat: int) -> int:
    """The training seed of ``distill.repeats``' repeat ``repeat`` (0-based): params ``seed`` + the index. The
    findings read it back from a run's params to pair seeds across sides."""
    return seed + repeat


class LearningCurve(Section):
    sizes: list[PosInt] = Field(min_length=1)
    seeds: list[StrictInt] = Field(min_length=1)

    @field_validator("seeds")
    @classmethod
    def _distinct(cls, value):
        if len(set(value)) != len(value):
            raise ValueError(f"seeds must be distinct, got {value}")
        return value


class Task(Section):
    task: TaskKind
    weighting: Weighting = "fixed"
    alpha: NonNegNum = 1.0
    beta: NonNegNum = 1.0

    @model_validator(mode="after")
    def _weights(self):
        if self.task == "joint" and self.alpha + self.beta == 0:
            raise ValueError("alpha and beta must not both be 0")
        return self


class Multitask(Section):
    train_size: PosInt | None
    weighting_lr: PosNum
    tasks: dict[str, Task]


class Evaluate(Section):
    models: list[ModelKind] = Field(min_length=1)


class Tracking(Section):
    enabled: StrictBool


class Eda(Section):
    top_tags: PosInt


class Params(Architecture):
    """The whole of params.yaml: the architecture keys at the top level, then every block."""

    dataset: Dataset
    seed: StrictInt
    train_seed: StrictInt | None
    encoder: Encoder
    inference_precision: InferencePrecision
    data: Data
    eda: Eda
    crf: Crf
    finetune: Finetune
    annotator: Annotator
    llm: Llm
    teacher: Teacher
    annotate: Annotate
    distill: Distill
    paper002: PaperRecipe
    learning_curve: LearningCurve
    multitask: Multitask
    evaluate: Evaluate
    tracking: Tracking

    @model_validator(mode="after")
    def _column_files_named(self):
        if self.dataset == "conll" and not (self.data.conll.train and self.data.conll.test):
            raise ValueError("dataset conll needs data.conll.train and data.conll.test paths (data.conll.dev is "
                             "optional: without it a seeded split of train is carved)")
        return self

    @model_validator(mode="after")
    def _paper_recipes_hold_over_finetune(self):
        """A paper's ``train`` block laid over ``finetune`` must still be a valid recipe (e.g. ``dev_every: 0``
        there with ``checkpoint: best`` here)."""
        for name in ("distill", "paper002"):
            merged = {**self.finetune.model_dump(), **getattr(self, name).train.model_dump(exclude_none=True)}
            try:
                Finetune.model_validate(merged)
            except ValidationError as err:
                message = err.errors()[0]["msg"].removeprefix("Value error, ")
                raise ValueError(f"{name}.train over finetune: {message}") from None
        return self

    @property
    def model_seed(self) -> int:
        """The model's seed in a training stage: ``train_seed`` when set, else ``seed``.

        ``seed`` draws the data (training subsets, partitions, samples) and, by default, seeds the model too;
        ``train_seed`` re-seeds only the model (head initialisation, dropout, batch order) on the same data, so
        repeated runs of one variant (``nerlab findings``: ``-S train_seed=43``) differ by their training
        randomness alone and nothing upstream re-runs."""
        return self.seed if self.train_seed is None else self.train_seed

    @property
    def architecture(self) -> Architecture:
        """The top-level architecture keys as one block (what a paper recipe's ``architecture`` holds)."""
        return Architecture(**{k: getattr(self, k) for k in Architecture.model_fields})


def _model_at(loc: tuple) -> type[BaseModel] | None:
    """The pydantic model whose fields sit at ``loc`` (for did-you-mean), or None past a dict."""
    model: Any = Params
    for part in loc:
        field = model.model_fields.get(part) if isinstance(part, str) else None
        if field is None:
            return None
        annotation = field.annotation
        candidates = [annotation, *getattr(annotation, "__args__", ())]
        model = next((c for c in candidates if isinstance(c, type) and issubclass(c, BaseModel)), None)
        if model is None:
            return None
    return model


def _line(error: dict) -> str:
    loc = tuple(p for p in error["loc"] if not (isinstance(p, str) and p.startswith("function-")))
    path = ".".join(str(p) for p in loc) or "(top level)"
    kind = error["type"]
    if kind == "extra_forbidden":
        parent = _model_at(loc[:-1])
        close = difflib.get_close_matches(str(loc[-1]), list(parent.model_fields) if parent else [], n=1)
        hint = f" (did you mean {'.'.join(map(str, (*loc[:-1], close[0])))}?)" if close else ""
        return f"{path}: unknown key{hint}"
    if kind == "missing":
        return f"{path}: required key is missing"
    message = error["msg"].removeprefix("Value error, ")
    found = error.get("input")
    shown = "" if isinstance(found, dict) or kind.startswith("value_error") else f" (got {found!r})"
    return f"{path}: {message}{shown}"


def validate(params: Any, source: str = "params.yaml") -> Params:
    """The checked params, or one error listing every problem."""
    if not isinstance(params, dict):
        raise NerlabError(f"{source}: expected a mapping of parameters")
    try:
        checked = Params.model_validate(params)
    except ValidationError as err:
        lines = sorted({_line(e) for e in err.errors()})
        raise NerlabError(f"{source}: {len(lines)} bad setting(s):\n  " + "\n  ".join(lines)) from None
    set_paths(checked)
    return checked
