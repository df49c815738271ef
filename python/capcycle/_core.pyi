# Type stubs for the native module capcycle._core (built from src/python/*.rs).
# Users call the typed wrappers in capcycle.rolling / events / valuation instead.

import numpy as np
import numpy.typing as npt

__version__: str
