"""kudoswall: a git repository of recommendations, published as a permanent static kudos wall."""

__version__ = "0.1.0"
