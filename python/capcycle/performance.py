"""capcycle.performance (in progress)."""

def relative_performance(*args, **kwargs):  # placeholder until the data issue lands
    raise NotImplementedError


def excess_returns(*args, **kwargs):  # placeholder until the data issue lands
    raise NotImplementedError
