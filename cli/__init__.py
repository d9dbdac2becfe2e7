"""The ``graphmodel`` command line: a thin face over the library (installed as ``graphmodel.cli``)."""
