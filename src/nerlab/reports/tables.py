"""Markdown tables from the metrics files, for the README and closing notes."""

from __future__ import annotations

from nerlab.reports import metric_files

COLUMNS = ("micro_f1", "macro_f1", "weighted_f1", "precision", "recall", "md_f1", "token_accuracy")


def results_table(test: dict) -> str:
    """One row per model in metrics/details/test.json (and a coarse row where present)."""
    head = "| dataset | model | " + " | ".join(COLUMNS) + " |"
    lines = [head, "|" + "---|" * (len(COLUMNS) + 2)]
    for name, scores in test.items():
        if not isinstance(scores, dict) or "micro_f1" not in scores:
            continue
        lines.append(f"| {test['dataset']} | {name} | " + " | ".join(f"{scores[c]:.4f}" for c in COLUMNS) + " |")
        if "coarse" in scores:
            lines.append(f"| {test['dataset']} | {name} (coarse) | "
                         + " | ".join(f"{scores['coarse'][c]:.4f}" for c in COLUMNS) + " |")
    return "\n".join(lines)


def main() -> None:
    print(results_table(metric_files.read("test")))


def paper003_table1() -> dict:
    """Paper 003's Table 1 (GPT-4 annotating 1000 CoNLL-2003 train sentences), from configs/paper003.yaml."""
    from nerlab.experiments import variants

    return variants.load("paper003")["annotation_table"]


def annotation_table(result: dict) -> str:
    """Paper 003's Table 1 layout: ours (per prompt) beside GPT-4's numbers in the paper."""
    prompts = list(result["prompts"])
    table = paper003_table1()
    reference = {p: p if p in table else "cot" for p in prompts}  # a teacher is calibrated to cot
    head = "| metric | " + " | ".join(f"{p} (ours) | {reference[p]} (paper, GPT-4)" for p in prompts) + " |"
    intro = (f"Annotator: {result['annotator']}; {result['sample_size']} seeded {result['dataset']} train "
             f"sentences" + (f"; {result['shots']} shots ({result['shot_selection']})." if "teacher" not in prompts
                             else "."))
    lines = [intro] + ([f"Note: {result['note']}."] if result.get("note") else []) + [
        "", head, "|---|" + "---|---|" * len(prompts)]

    def paper(p, key, i=None):
        value = table[reference[p]].get(key)
        if value is None:
            return "-"
        return f"{value[i]:.2f}" if i is not None else f"{value:.2f}"

    for key, label in (("precision", "Overall precision"), ("recall", "Overall recall"),
                       ("micro_f1", "Micro average F1"), ("macro_f1", "Macro average F1"),
                       ("weighted_f1", "Weighted average F1")):
        lines.append(f"| {label} | " + " | ".join(f"{result['prompts'][p]['quality'][key]:.2f} | {paper(p, key)}"
                                                   for p in prompts) + " |")
    types = sorted({t for p in prompts for t in result["prompts"][p]["quality"]["per_type"]})
    for t in types:
        for i, m in enumerate(("precision", "recall", "f1")):
            cells = []
            for p in prompts:
                ours = result["prompts"][p]["quality"]["per_type"].get(t, {}).get(m, 0.0)
                cells.append(f"{ours:.2f} | {paper(p, t, i)}")
            lines.append(f"| {t} {m} | " + " | ".join(cells) + " |")
    for key, label in (("requests", "requests"), ("prompt_tokens", "prompt tokens"),
                       ("completion_tokens", "completion tokens"),
                       ("backend_sentences_per_second", "sentences/s (backend time, one request at a time)"),
                       ("failures", "failed requests"), ("format_errors", "unreadable answers")):
        lines.append(f"| {label} | " + " | ".join(f"{result['prompts'][p]['usage'].get(key)} | -"
                                                  for p in prompts) + " |")
    return "\n".join(lines)
