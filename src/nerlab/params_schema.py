"""The schema of params.yaml (pydantic): types, ranges, choices, required keys; unknown keys refused.

:func:`validate` checks a whole params mapping and raises one
:class:`~nerlab.errors.NerlabError` listing every problem, one line each, with the
key path, what is allowed and what was found, and a did-you-mean for a
misspelt key (``finetune.epoch`` -> ``finetune.epochs``). Numbers must be
numbers (``"5"`` and ``true`` are not), booleans must be booleans (``"false"``
is not). Every stage runs it at start (:func:`nerlab.stage.main`), before it loads data,
an encoder or a server; ``nerlab params check`` runs it alone.

The defaults live in params.yaml: every key here is required (a nullable one
must still be written, as ``null``).
"""

from __future__ import annotations

import difflib
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    ValidationError,
    model_validator,
)

from nerlab.errors import NerlabError


def _number(value: Any) -> Any:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"must be a number, got {value!r}")  # noqa: TRY004 (pydantic reports ValueError)
    return value


def _text(value: Any) -> Any:
    if not isinstance(value, str):
        raise ValueError(f"must be a string, got {value!r}")  # noqa: TRY004 (pydantic reports ValueError)
    return value


Num = Annotated[float, BeforeValidator(_number)]
Str = Annotated[str, BeforeValidator(_text)]
PosInt = Annotated[StrictInt, Field(ge=1)]
NonNegInt = Annotated[StrictInt, Field(ge=0)]
PosNum = Annotated[Num, Field(gt=0)]
NonNegNum = Annotated[Num, Field(ge=0)]
Fraction = Annotated[Num, Field(ge=0, lt=1)]
Head = Literal["linear", "crf", "bilstm_crf"]
Blend = Literal["none", "concat", "avg"]
Aux = Literal["none", "linear", "crf"]
Context = Literal["none", "document"]
Attention = Literal["bidirectional", "causal"]
WordFeatures = Literal["none", "case", "chars", "case+chars"]


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Conll(Section):
    train: Str | None
    dev: Str | None
    test: Str | None
    token_col: StrictInt
    tag_col: StrictInt
    n_cols: PosInt | Literal["any"] | None
    sep: Str | None
    scheme: Literal["IOB1", "IOB2", "BIOES", "iob1", "iob2", "bioes"]
    docstart: Str | None
    comment_prefix: Str | None
    header_prefix: Str | None
    doc_prefix: Str | None
    feature_cols: dict[str, StrictInt]
    types: list[Str] | None


class Data(Section):
    mirror: Str | None
    online: StrictBool
    train_size: PosInt | None
    dev_fraction: Annotated[Num, Field(gt=0, lt=1)]
    conll: Conll


class Clusters(Section):
    encoder: Str
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


class TrainBlock(Section):
    """The finetune block; a paper's ``train`` block overrides some of its keys."""
    train_size: PosInt | None = None
    epochs: PosInt | None = None
    batch_size: PosInt | None = None
    eval_batch_size: PosInt | None = None
    lr: PosNum | None = None
    weight_decay: NonNegNum | None = None
    warmup: Fraction | None = None
    lr_schedule: Literal["constant", "linear"] | None = None
    lr_decay: Annotated[Num, Field(gt=0, le=1)] | None = None
    dropout: Fraction | None = None
    max_length: Annotated[StrictInt, Field(ge=8)] | None = None
    label_all_subwords: StrictBool | None = None
    lstm_hidden: PosInt | None = None
    checkpoint: Literal["best", "last"] | None = None
    aux_schedule: Literal["linear", "exponential", "cosine"] | None = None
    aux_residual: Annotated[Num, Field(ge=0, le=1)] | None = None
    aux_scale: PosNum | None = None
    bf16: StrictBool | None = None
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
    @model_validator(mode="after")
    def _complete(self):
        missing = [k for k in TrainBlock.model_fields if getattr(self, k) is None and k != "train_size"]
        if missing:
            raise ValueError(f"missing keys: {', '.join(missing)}")
        return self


class Teacher(Section):
    kind: Literal["crf", "finetune"]
    size: PosInt
    stands_in_for: Str


class PerAnnotator(Section):
    teacher: PosInt
    local: PosInt
    openai: PosInt


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
    api_key_env: Str


class Price(Section):
    prompt: NonNegNum
    completion: NonNegNum


class Bbc(Section):
    prompt: Str
    min_tokens: PosInt
    max_sentences: PerAnnotator


class Topics(Section):
    labeller: Literal["bbc", "llm"]
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
    shot_selection: Literal["random", "similar"]
    temperature: Annotated[Num, Field(ge=0, le=2)]
    concurrency: PosInt
    timeout: PosNum
    max_retries: NonNegInt
    backoff: NonNegNum
    cache: Str
    definitions: Str
    prompts: dict[str, Prompt]
    local: Local
    openai: OpenAI
    teacher: Str
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
    head: Head
    layers: PosInt
    blend: Blend
    aux: Aux
    context: Context
    head_lr_mult: PosNum
    attention: Attention
    word_features: WordFeatures


class PaperRecipe(Section):
    encoder: Str
    paper_encoder: Str
    architecture: Architecture
    train: TrainBlock


class Distill(PaperRecipe):
    schedule: Literal["distilled", "original", "simple_mix", "all", "sigmoid", "cosine", "power"]
    k: PosNum
    n: PosNum
    bbc: StrictBool
    original_size: PosInt
    repeats: PosInt


class LearningCurve(Section):
    sizes: list[PosInt] = Field(min_length=1)
    seeds: list[StrictInt] = Field(min_length=1)


class Task(Section):
    task: Literal["token", "sequence", "joint"]
    weighting: Literal["fixed", "uncertainty"] = "fixed"
    alpha: NonNegNum = 1.0
    beta: NonNegNum = 1.0


class Multitask(Section):
    train_size: PosInt | None
    weighting_lr: PosNum
    tasks: dict[str, Task]


class Evaluate(Section):
    models: list[Literal["crf", "finetune"]] = Field(min_length=1)


class Tracking(Section):
    enabled: StrictBool


class Eda(Section):
    top_tags: PosInt


class Params(Section):
    dataset: Literal["conll2003", "multiconer2", "conll"]
    seed: StrictInt
    train_seed: StrictInt | None
    encoder: Str
    head: Head
    layers: PosInt
    blend: Blend
    aux: Aux
    head_lr_mult: PosNum
    context: Context
    attention: Attention
    word_features: WordFeatures
    data: Data
    eda: Eda
    crf: Crf
    finetune: Finetune
    annotator: Literal["teacher", "local", "openai"]
    llm: Literal["local", "openai"]
    teacher: Teacher
    annotate: Annotate
    distill: Distill
    paper002: PaperRecipe
    learning_curve: LearningCurve
    multitask: Multitask
    evaluate: Evaluate
    tracking: Tracking


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
        return Params.model_validate(params)
    except ValidationError as err:
        lines = sorted({_line(e) for e in err.errors()})
        raise NerlabError(f"{source}: {len(lines)} bad setting(s):\n  " + "\n  ".join(lines)) from None
