"""The live Q explorer: ipywidgets in Jupyter, a self-contained HTML+JS twin on the website."""


def explore(p=None, q=None, vocab=None, divergence=None):
    raise NotImplementedError("the explorer is being built")
