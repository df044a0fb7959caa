"""Exports that TF Serving loads, and the check that proves it."""

from zoo.serving.check import CheckReport, check
from zoo.serving.layout import versions
from zoo.serving.load import ExportedModel, load_export
from zoo.serving.models_config import write_models_config
from zoo.serving.versioned_export import export

__all__ = ["CheckReport", "ExportedModel", "check", "export", "load_export", "versions", "write_models_config"]
