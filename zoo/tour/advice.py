"""The project brief's table of the three families (context sensitivity, pretraining, adaptability, examples),
completed with this run's measured rows, and "when to use each": sentences generated from this run's numbers
only, each naming the figures it rests on."""

from zoo.recipes import CATALOGUE, FAMILIES

ADAPTING = {"static": "retrain on your text (the trainers' `--corpus`)",
            "contextual": "fine-tune the pretrained encoder (`sbert_finetune_stsb`, `domain_adaptation`, "
                          "`token_tagger`)",
            "custom": "trained end to end on the task's own data"}
PRETRAINED = "sentence_embeddings"  # MiniLM as pretrained, and its exports after adaptation:
FINE_TUNED = {"sbert_stsb": "fine-tuning on STS-B train", "domain_adaptation": "masked LM on reviews"}

# (table key, column, higher is better, how the task is named in a sentence)
TASKS = (
    ("sts", "Spearman x100", True, "sentence similarity (STS-B test Spearman x100)"),
    ("sentiment", "accuracy", True, "sentiment from frozen embeddings (accuracy)"),
    ("words", "WordSim-353", True, "word relatedness (WordSim-353 Spearman x100)"),
    ("words", "MEN", True, "word relatedness (MEN Spearman x100)"),
    ("words", "SimLex-999", True, "word similarity (SimLex-999 Spearman x100)"),
    ("pos", "accuracy", True, "tagging ambiguous words (probe accuracy)"),
    ("speed", "sentences/s", True, "encoding speed (sentences/s)"),
    ("size", "MB", False, "export size (MB)"),
)


def _best(comparison, key, column, family=None, higher=True):
    table = comparison.table(key)
    return table.best(column, family, higher) if table is not None and column in table.columns else None


def _fmt(comparison, key, value):
    return comparison.table(key).cell(value)


def _described(comparison, key, best):
    return f"{best[1]} {_fmt(comparison, key, best[2])}" if best else "-"


def family_table(comparison):
    """Rows (aspect, static, contextual, custom) of Markdown cells."""
    recipes = {f: [r for r in CATALOGUE.values() if r.family == f] for f in FAMILIES}
    rows = []
    pos = comparison.table("pos")
    in_context = [r for r in (pos.rows if pos else []) if r[3] == "in its sentence"]
    polysemy = comparison.table("polysemy")
    context_cells = {
        "static": "one vector a word, whatever the sentence",
        "contextual": "each token's vector depends on its sentence",
        "custom": "the exports pool a whole text; a word sent alone gets one vector",
    }
    for family in FAMILIES:
        measured = []
        alone = [r for r in (pos.rows if pos else []) if r[0] == family and r[3] == "the word alone"]
        if alone:
            best = max(alone, key=lambda r: r[2])
            measured.append(f"tags ambiguous words at {best[2]:.3f} from the word alone ({best[1]})")
        for row in in_context:
            if row[0] == family:
                measured.append(f"{row[2]:.3f} from the word in its sentence ({row[1]})")
        if polysemy is not None and polysemy.rows:
            for row in polysemy.rows:
                if row[0] == family and "(in its sentence)" in row[1]:
                    word = polysemy.columns[0].split(" (")[0]
                    measured.append(f"'{word}' across sentences: cosine {row[2]:.3f} (different words "
                                    f"{row[-1]:.3f}; {row[1]})")
                    break
        context_cells[family] += (": " + "; ".join(measured)) if measured else ""
    rows.append(("context sensitivity", *(context_cells[f] for f in FAMILIES)))
    rows.append(("pretraining (what the recipes learn from)",
                 *("; ".join(f"`{r.name}`: {r.data}" for r in recipes[f]) for f in FAMILIES)))
    training = comparison.table("training")
    adapt = {}
    for family in FAMILIES:
        runs = [r for r in (training.rows if training else []) if r[0] == family]
        cell = ADAPTING[family]
        if runs:
            low, high = min(r[2] for r in runs), max(r[2] for r in runs)
            span = f"{low:.0f} s" if len(runs) == 1 else f"{low:.0f}-{high:.0f} s each"
            cell += f"; this tour ran {len(runs)} of its recipes, in {span}"
        adapt[family] = cell
    sts = comparison.table("sts")
    scores = {r[1]: r[2] for r in (sts.rows if sts else [])}
    if PRETRAINED in scores:
        for name in FINE_TUNED:
            if name in scores:
                adapt["contextual"] += (f"; STS-B {scores[PRETRAINED]:.1f} as pretrained ({PRETRAINED}), "
                                        f"{scores[name]:.1f} after {FINE_TUNED[name]} ({name})")
    rows.append(("adaptability", *(adapt[f] for f in FAMILIES)))
    rows.append(("examples (recipes: exports)", *("; ".join(f"`{r.name}`" for r in recipes[f]) for f in FAMILIES)))
    for key, column, higher, name in TASKS:
        if comparison.table(key) is None or not comparison.table(key).rows:
            continue
        rows.append((f"measured: {name}, best of the family",
                     *(_described(comparison, key, _best(comparison, key, column, f, higher)) for f in FAMILIES)))
    return rows


def when_to_use(comparison):
    """Sentences, each resting on figures of this run's tables."""
    sentences = []
    wins = {f: [] for f in FAMILIES}
    for key, column, higher, name in TASKS:
        per_family = {f: _best(comparison, key, column, f, higher) for f in FAMILIES}
        present = {f: b for f, b in per_family.items() if b is not None}
        if len(present) < 2:
            continue
        ranked = sorted(present.items(), key=lambda item: item[1][2], reverse=higher)
        shown = lambda best: _fmt(comparison, key, best[2])  # noqa: E731
        first = [f for f, b in ranked if shown(b) == shown(ranked[0][1])]
        if len(first) == 1:
            wins[first[0]].append(name)
            lead = f"the {first[0]} family came first: {_described(comparison, key, ranked[0][1])}"
        else:
            lead = "the " + " and ".join(first) + " families tied at " + shown(ranked[0][1]) + " (" + ", ".join(
                f"{present[f][1]}" for f in first) + ")"
        others = "; ".join(f"best {f}: {_described(comparison, key, b)}" for f, b in ranked if f not in first)
        sentences.append(f"For {name}, {lead}" + (f" ({others})." if others else "."))
    sentences += trade_offs(comparison) + vocabulary(comparison)
    for family in FAMILIES:
        if wins[family]:
            sentences.append(f"Use the {family} family for {', '.join(wins[family])}: it came first there in this run.")
        else:
            sentences.append(f"The {family} family came first on none of these measures in this run.")
    return sentences


def trade_offs(comparison):
    """For each other family: its best model on STS-B against the best overall, in speed and size."""
    sts, speed, size = comparison.table("sts"), comparison.table("speed"), comparison.table("size")
    if sts is None or speed is None or not sts.rows:
        return []
    best = sts.best("Spearman x100")
    speeds = {r[1]: r[2] for r in speed.rows}
    sizes = {r[1]: r[2] for r in (size.rows if size else [])}
    sentences = []
    for family in FAMILIES:
        challenger = sts.best("Spearman x100", family)
        if family == best[0] or challenger is None or challenger[1] not in speeds or best[1] not in speeds:
            continue
        ratio = speeds[challenger[1]] / speeds[best[1]]
        if ratio <= 1:
            continue  # slower and not better: no trade-off to offer
        sentence = (f"The {family} family's best on STS-B, {challenger[1]} ({challenger[2]:.1f}), encodes "
                    f"{ratio:.1f}x as many sentences a second as {best[1]} ({best[2]:.1f}, the best)")
        if challenger[1] in sizes and best[1] in sizes:
            sentence += f", from an export {sizes[challenger[1]] / sizes[best[1]]:.2f}x its size"
        sentences.append(sentence + f": {best[2] - challenger[2]:.1f} points of STS-B for that speed.")
    return sentences


def vocabulary(comparison):
    """Which models embed every benchmark word, and how much the others miss."""
    oov = comparison.table("oov")
    if oov is None or not oov.rows:
        return []
    every = [f"{r[1]} ({r[0]})" for r in oov.rows if max(r[2:]) == 0]
    missing = [r for r in oov.rows if max(r[2:]) > 0]
    sentences = []
    if every:
        sentences.append("Every word of the three word benchmarks gets a vector of its own from " + ", ".join(every)
                         + ".")
    if missing:
        sentences.append("The others miss words: " + ", ".join(
            f"{r[1]} up to {max(r[2:]):.0f}% of a benchmark's" for r in missing) + ".")
    return sentences
