"""zoo check: servable exports pass; bad input is exit 2 with a one-line reason; unservable is exit 1."""

import re
import shutil

import keras
import pytest
import tensorflow as tf
from tensorflow.core.protobuf import saved_model_pb2

from zoo.cli import main
from zoo.errors import CheckFailed, ZooInputError
from zoo.serving import check, export
from zoo.serving.check import _CheckingProcess


def test_a_servable_export_passes_with_its_signature_ops_and_size(exported):
    report = check(exported)
    assert report.signatures["serving_default"]["inputs"] == {"text": "serving_default_text:0"}
    assert list(report.signatures["serving_default"]["outputs"]) == ["embedding"]
    [run] = report.runs
    assert run["inputs"]["text"] == {"dtype": "string", "shape": [3]}
    assert run["outputs"]["embedding"] == {"dtype": "float32", "shape": [3, 8]}
    assert report.ops["unknown"] == [] and not report.needs_tensorflow_text
    assert "LookupTableFindV2" not in report.ops["tensorflow_text"] and report.ops["total"] > 10
    assert report.size_bytes > 0 and "runs on any TF Serving" in report.summary()


def test_cli_check_exits_0_on_a_servable_export(exported, capsys):
    assert main(["check", str(exported)]) == 0
    assert f"{exported}: servable" in capsys.readouterr().out


@pytest.fixture
def broken(exported, tmp_path):
    copy = tmp_path / "1"
    shutil.copytree(exported, copy)
    return copy


def break_nothing(path):
    return "no such folder", path / "missing"


def break_not_a_saved_model(path):
    (path / "saved_model.pb").unlink()
    return "not a SavedModel (no saved_model.pb)", path


def break_truncate_pb(path):
    pb = path / "saved_model.pb"
    pb.write_bytes(pb.read_bytes()[: pb.stat().st_size // 2])
    return "saved_model.pb: truncated or corrupt", path


def break_remove_variables(path):
    shutil.rmtree(path / "variables")
    return "variables.index: missing, but the graph has variables", path


def break_remove_warmup(path):
    (path / "assets.extra" / "tf_serving_warmup_requests").unlink()
    return "tf_serving_warmup_requests: missing", path


@pytest.mark.parametrize("damage", [break_nothing, break_not_a_saved_model, break_truncate_pb,
                                    break_remove_variables, break_remove_warmup])
def test_bad_input_is_a_one_line_error_and_exit_2(broken, damage, capsys):
    message, path = damage(broken)
    with pytest.raises(ZooInputError, match=re.escape(message)):
        check(path)
    assert main(["check", str(path)]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1


def test_an_op_no_model_server_registers_fails_the_check_with_exit_1(broken, capsys):
    pb = broken / "saved_model.pb"
    saved_model = saved_model_pb2.SavedModel.FromString(pb.read_bytes())
    functions = saved_model.meta_graphs[0].graph_def.library.function
    node = next(n for f in functions for n in f.node_def if n.op == "StringLower")
    node.op = "ZooCustomStringLower"
    pb.write_bytes(saved_model.SerializeToString())
    with pytest.raises(CheckFailed, match="ops neither TensorFlow nor TF Text registers: ZooCustomStringLower"):
        check(broken)
    assert main(["check", str(broken)]) == 1
    assert "check failed" in capsys.readouterr().err


def test_a_warmup_request_that_fails_fails_the_check(broken):
    import tensorflow as tf
    from tensorflow_serving.apis import predict_pb2, prediction_log_pb2

    request = predict_pb2.PredictRequest()
    request.inputs["text"].CopyFrom(tf.make_tensor_proto([1.5, 2.5]))  # floats where strings are expected
    log = prediction_log_pb2.PredictionLog(predict_log=prediction_log_pb2.PredictLog(request=request))
    with tf.io.TFRecordWriter(str(broken / "assets.extra" / "tf_serving_warmup_requests")) as writer:
        writer.write(log.SerializeToString())
    with pytest.raises(CheckFailed, match="warm-up request 1"):
        check(broken)


class CaseFolded(keras.layers.Layer):
    """A layer whose graph needs a TF Text op (CaseFoldUTF8): the length of each case-folded text."""

    def call(self, text):
        import tensorflow_text

        folded = tensorflow_text.case_fold_utf8(text)
        return tf.cast(tf.strings.length(folded, unit="UTF8_CHAR"), "float32")[:, None]


def test_one_checking_process_serves_every_check_and_still_tells_tf_text_ops_apart(exported, tmp_path):
    text = keras.Input(shape=(), dtype="string", name="text")
    needs_text = export(keras.Model(text, {"embedding": CaseFolded()(text)}), "folded", {"text": ["ÄB", ""]},
                        root=tmp_path)
    before = check(exported)
    process = _CheckingProcess.process
    folded = check(needs_text)  # its check imports tensorflow_text in the checking process
    after = check(exported)
    assert folded.ops["tensorflow_text"] == ["CaseFoldUTF8"] and folded.needs_tensorflow_text
    assert after.ops == before.ops and not after.needs_tensorflow_text
    assert _CheckingProcess.process is process and process.poll() is None


def test_a_check_past_its_timeout_fails_and_the_next_check_starts_a_new_process(exported):
    check(exported)
    process = _CheckingProcess.process
    with pytest.raises(CheckFailed, match=r"did not finish within 0\.0001 s"):
        check(exported, timeout=0.0001)
    assert process.wait(10) != 0
    assert check(exported).signatures and _CheckingProcess.process is not process
