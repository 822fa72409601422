"""Layout: the only package that imports reportlab."""

from reportlab import rl_config

# Streams are compressed; the ASCII85 wrapping on top only adds a quarter to their size.
rl_config.useA85 = 0
