"""The Q explorer: reshape the model's Q, watch the chart and the divergences follow.

``explore()`` returns one display object with two renderings (see :mod:`.twin`):
ipywidgets sliders whose Python callbacks call klhelpers in Jupyter
(:mod:`.explorer_widget`), and on the website the same controls run by
``assets/explorer.js`` with ``klmath.js`` (:func:`.explorer_markup.twin`).

Sliders set *weights*: Q is ``normalize(weights)`` after every move, so any one
token can be pushed to q = 0. If every weight is 0 there is no Q at all; the
explorer then keeps the last valid Q and says so until a weight is positive again.
A chapter shows the readouts it has introduced (``show``), and may follow one
token's probability down to 0 on a log scale (``focus``).
"""

import numpy as np

from ..divergences import P, Q, VOCAB, normalize
from ..plots import label_step
from ..validate import as_nonnegative_array
from . import explorer_markup
from .explorer_markup import READOUTS, fmt, measures, slider_weights
from .explorer_widget import build_widget
from .twin import DualView

__all__ = ["explore", "QExplorer"]


class QExplorer(DualView):
    """The Q explorer returned by :func:`explore`: sliders in Jupyter, served JavaScript on the site.

    A notebook (or a test) can use ``sliders`` (one per token), ``focus_slider``
    (q of the focus token, log scale; None without a focus), ``reset_button``,
    ``equal_button``, ``q`` (the current Q), ``values`` (the current numbers),
    ``figure`` (the chart) and :meth:`readout` (the text a reader sees).
    """

    def __init__(self, p, q, vocab, show, focus, divergence, merge=None):
        self.p, self.vocab, self.show, self.focus, self.divergence = p, vocab, show, focus, divergence
        self.merge = None if merge is None else tuple(sorted(vocab.index(t) for t in merge))
        self.merge_names = None if merge is None else tuple(vocab[k] for k in self.merge)  # in vocab order
        self.start_weights = slider_weights(q)
        self.q = normalize(self.start_weights)
        self.values = measures(p, self.q, self.merge)
        self.message = ""  # what the explorer says, e.g. when every weight is 0
        widget = build_widget(self)
        super().__init__(widget, "explorer", lambda element_id: explorer_markup.twin(self, element_id), self._text())

    def readout(self, quantity):
        """The text a reader sees for ``data-quantity="<quantity>"``, e.g. ``"kl_pq"`` or ``"q:cat"``."""
        return self._readout(quantity)

    def _text(self):
        names = ", ".join(self.vocab)
        if label_step(len(self.vocab)) > 1:  # one short line, however many tokens
            names = f"{len(self.vocab)} tokens ({', '.join(self.vocab[:3])}, ..., {self.vocab[-1]})"
        return f"<Q explorer over {names}: D_KL(P‖Q) = {fmt(self.values['kl_pq'])} nats at the starting Q>"


def _distribution(values, name):
    """`values` (probabilities or non-negative weights) as one distribution; errors name `name`."""
    weights = as_nonnegative_array(values, name)
    if weights.ndim != 1:
        raise ValueError(f"{name} must be one distribution (a flat list of numbers), "
                         f"got an array of shape {weights.shape}")
    if not weights.sum() > 0:
        raise ValueError(f"{name} is all zero: at least one entry must be positive")
    return normalize(weights)


def explore(p=None, q=None, vocab=None, show=None, focus=None, divergence=None, merge=None):
    """Sliders for Q against a fixed P: the chart and the divergences follow every move.

    Parameters
    ----------
    p, q : array_like, optional
        The data's distribution and the model's starting distribution
        (probabilities, or non-negative weights that :func:`normalize` rescales).
        Default ``p``: the book's running example ``P``. Default ``q``: the running
        example's ``Q`` when ``p`` has its five entries, else the uniform distribution.
    vocab : sequence of str, optional
        One distinct name per token; default ``VOCAB`` (or ``"1"``, ``"2"``, ... when
        ``p`` does not have five entries).
    show : sequence of str, optional
        The readouts, in order, from :data:`READOUTS`: ``"entropy_p"``,
        ``"cross_entropy_pq"``, ``"gap"``, ``"kl_pq"``, ``"kl_qp"``, and for the
        inequalities of chapter 6 ``"total_variation"`` (TV(P, Q), half the L1
        distance), ``"pinsker_bound"`` (sqrt(D_KL(P‖Q) / 2), never below it) and
        ``"half_chi_square"`` (chi^2(P‖Q) / 2, close to D_KL(P‖Q) for Q near P).
        Default: H(P), H(P, Q) and both directions. A table of per-token terms comes
        with each divergence shown.
    focus : str, optional
        A token whose q the explorer also follows on a log scale, down to 0: a
        curve of D_KL(P‖Q) against q(focus), the other tokens in proportion.
    divergence : callable, optional
        Your own ``divergence(p, q) -> float`` (say, an exercise's KL), shown live
        beside klhelpers' D_KL(P‖Q) in Jupyter; if it raises, the error is shown instead.
    merge : pair of str, optional
        Two distinct tokens, e.g. ``("on", "the")``: the explorer also shows
        ``kl_merged``, D_KL(P′‖Q′) between P and Q with the two merged into one token,
        which the data processing inequality keeps at or below D_KL(P‖Q).

    Returns
    -------
    QExplorer
        Displays as ipywidgets in Jupyter and as HTML + JavaScript on the website.
        All numbers are in nats.

    Examples
    --------
    >>> explorer = explore()
    >>> explorer.readout("kl_pq")
    '0.1874'
    >>> explorer.sliders[0].value = 0.0  # "cat" happens in P, but Q now rules it out
    >>> explorer.readout("kl_pq"), explorer.readout("q:cat")
    ('∞', '0.0000')
    >>> explorer.equal_button.click()
    >>> explorer.readout("kl_pq"), explorer.readout("kl_qp")
    ('0.0000', '0.0000')
    >>> explore(p=[1, 2, 3, 4]).readout("q:4")  # no q: the uniform Q over p's four entries
    '0.2500'
    >>> merging = explore(show=("kl_pq", "total_variation", "pinsker_bound"), merge=("on", "the"))
    >>> merging.readout("kl_pq"), merging.readout("kl_merged"), merging.readout("pinsker_bound")
    ('0.1874', '0.1504', '0.3061')
    """
    p = _distribution(P if p is None else p, "p")
    q = _distribution((Q if len(p) == len(Q) else np.ones(len(p))) if q is None else q, "q")
    if q.shape != p.shape:
        raise ValueError(f"q must have the same length as p: p has {len(p)} entries, q has {len(q)}")
    if vocab is None:
        vocab = VOCAB if len(p) == len(VOCAB) else tuple(str(k + 1) for k in range(len(p)))
    if isinstance(vocab, (str, bytes)):
        raise ValueError(f"vocab must be a list of token names, got the single string {vocab!r}")
    vocab = tuple(str(token) for token in vocab)
    if len(vocab) != len(p):
        raise ValueError(f"vocab has {len(vocab)} tokens but p has {len(p)} entries")
    if len(set(vocab)) != len(vocab):
        duplicate = next(t for k, t in enumerate(vocab) if t in vocab[:k])
        raise ValueError(f"vocab must name each token once; {duplicate!r} appears twice")
    show = ("entropy_p", "cross_entropy_pq", "kl_pq", "kl_qp") if show is None else show
    if isinstance(show, str) or not all(key in READOUTS for key in show) or len(set(show)) != len(show):
        raise ValueError(f"show must be a list of distinct readouts from {list(READOUTS)}, got {show!r}")
    if focus is not None and focus not in vocab:
        raise ValueError(f"focus must be one of the tokens {list(vocab)}, got {focus!r}")
    if divergence is not None and not callable(divergence):
        raise ValueError(f"divergence must be a function divergence(p, q), got {divergence!r}")
    if merge is not None:
        if isinstance(merge, (str, bytes)) or len(merge) != 2 or not all(t in vocab for t in merge) \
                or merge[0] == merge[1]:
            raise ValueError(f"merge must be two different tokens from {list(vocab)}, got {merge!r}")
        merge = tuple(merge)
    return QExplorer(p, q, vocab, tuple(show), focus, divergence, merge)
