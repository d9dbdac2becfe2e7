"""Parameter sweeps: a study file becomes independent tasks, run locally or on Dask, resumable."""

from graphmodel.studies.run import SweepResult, sweep
from graphmodel.studies.spec import Study, load_study

__all__ = ["Study", "SweepResult", "load_study", "sweep"]
