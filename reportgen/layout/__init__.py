"""Layout: the only package that imports reportlab."""
