"""The Q explorer's parts shared by its two renderings: readouts, table, focus curve, website twin.

:mod:`.explorer` puts them together; :mod:`.explorer_widget` is the Jupyter rendering,
:func:`twin` the website's (the script that runs it is ``assets/explorer.js``).
"""

import math

import numpy as np

from ..bounds import chi_square, total_variation
from ..divergences import cross_entropy, entropy, kl_contributions, kl_divergence, normalize, with_share
from ..plots import label_step
from . import charts
from .twin import ASSETS, escape, html_twin

__all__ = ["READOUTS", "TERMS", "ALL_ZERO", "STYLE", "fmt", "measures", "merged", "focus_curve",
           "curve_top", "readouts_html", "table_html", "slider_weights", "twin"]

WEIGHT_MAX, WEIGHT_STEP = 1.0, 0.01
ALL_ZERO = ("Every weight is 0, so there is no Q to compare: the explorer keeps the last "
            "valid Q until you raise a weight again.")
COLORS = {"p": "#0072B2", "q": "#D55E00"}  # Okabe-Ito blue and vermillion, as in the figures
#: Readouts a chapter may show: hook (data-quantity) -> (label, meaning). The order on the page.
READOUTS = {
    "entropy_p": ("H(P)", "entropy of the data: the floor of the loss"),
    "cross_entropy_pq": ("H(P, Q)", "cross-entropy: the loss of Q on data from P"),
    "gap": ("H(P, Q) − H(P)", "what Q costs beyond the floor"),
    "kl_pq": ("D_KL(P‖Q)", "forward: data from P, modelled by Q"),
    "kl_qp": ("D_KL(Q‖P)", "reverse: data from Q, modelled by P"),
    "total_variation": ("TV(P, Q)", "total variation: half the summed |p − q|"),
    "pinsker_bound": ("√(D_KL(P‖Q) / 2)", "Pinsker: never below TV(P, Q)"),
    "half_chi_square": ("½ χ²(P‖Q)", "half the chi-square: D_KL(P‖Q) for Q near P"),
}
#: The readout an explorer with ``merge=(a, b)`` adds after the others: (label, meaning).
MERGED = ("D_KL(P′‖Q′)", "after merging {a} and {b} into one token: never above D_KL(P‖Q)")
#: Per-token columns of the table, each shown with the readout its terms add up to.
TERMS = {"kl_pq": ("contrib_pq", "p·ln(p/q), a term of D_KL(P‖Q)"),
         "kl_qp": ("contrib_qp", "q·ln(q/p), a term of D_KL(Q‖P)")}
#: The focus curve: q(token) from 1e-8 to 1 on a log axis (and 0 in a slot of its own).
FOCUS_RANGE = (-8, 0)
FOCUS_POINTS = 97


def fmt(value):
    """A readout's text: 4 decimals, ``∞`` for infinity (never NaN or blank for klhelpers' values)."""
    value = float(value)
    if math.isinf(value):
        return "∞" if value > 0 else "-∞"
    text = f"{value:.4f}"
    return "0.0000" if text == "-0.0000" else text


def merged(d, pair):
    """`d` with tokens pair = (i, j) merged into one, in i's place (j's entry removed)."""
    i, j = pair
    out = np.array(d, dtype=float)
    out[i] = out[i] + out[j]
    return np.delete(out, j)


def measures(p, q, merge=None):
    """Every number the explorer can show, each computed by klhelpers (in nats).

    ``merge``: a pair of token indices (i, j); adds ``kl_merged``, D_KL between P and Q
    with those two tokens merged into one (the data processing inequality's picture).
    """
    h, ce, d = entropy(p), cross_entropy(p, q), kl_divergence(p, q)
    values = {"entropy_p": h, "cross_entropy_pq": ce, "gap": d,
              "kl_pq": d, "kl_qp": kl_divergence(q, p),
              "total_variation": total_variation(p, q), "pinsker_bound": math.sqrt(d / 2),
              "half_chi_square": chi_square(p, q) / 2,
              "contrib_pq": kl_contributions(p, q), "contrib_qp": kl_contributions(q, p)}
    if merge is not None:
        values["kl_merged"] = kl_divergence(merged(p, merge), merged(q, merge))
    return values


def focus_curve(p, q, k):
    """Points (q_k, D_KL(P‖Q)) as token k's probability runs over the focus range, the rest in proportion."""
    shares = np.logspace(*FOCUS_RANGE, FOCUS_POINTS)[:-1]  # up to, not including, q_k = 1
    return [(float(t), kl_divergence(p, with_share(q, k, t))) for t in shares]


def curve_top(points):
    """The focus chart's y-axis top: the first of 0.5, 1, 2, 5, ... above the curve's finite part."""
    highest = max((y for _, y in points if math.isfinite(y)), default=0.0)
    top = 0.5
    while top < highest * 1.05:
        top *= 2.5 if str(top)[0] == "2" else 2
    return top


def readouts_html(show, values, merge_names=None):
    """The readouts `show` (and, with ``merge_names`` = (a, b), the merged divergence after them)."""
    labels = {key: READOUTS[key] for key in show}
    if merge_names is not None:
        a, b = (escape(name) for name in merge_names)
        labels["kl_merged"] = (MERGED[0], MERGED[1].format(a=a, b=b))
    items = [f'<div><dt>{label}</dt> <dd><span data-quantity="{key}">{fmt(values[key])}</span> '
             f"<small>{meaning}</small></dd></div>" for key, (label, meaning) in labels.items()]
    return f'<dl class="kl-readouts" aria-live="polite">{" ".join(items)}</dl>'


def table_html(show, vocab, p, values):
    columns = [TERMS[key] for key in show if key in TERMS]
    if not columns:
        return ""
    head = " ".join(f'<th scope="col">{label}</th>' for _, label in columns)
    rows = "\n".join(
        f'<tr><th scope="row">{escape(token)}</th> <td>{fmt(p[k])}</td> '
        + " ".join(f'<td data-quantity="{hook}:{escape(token)}">{fmt(values[hook][k])}</td>'
                   for hook, _ in columns) + "</tr>"
        for k, token in enumerate(vocab))
    return ('<div class="kl-table"><table><caption>Each token\'s term, in nats: the terms add up to '
            f'the divergence</caption> <thead><tr><th scope="col">token</th> <th scope="col">p</th> {head}'
            f"</tr></thead>\n<tbody>{rows}</tbody></table></div>")


def slider_weights(q):
    """The sliders' starting weights for the starting Q: q itself if the sliders can show it.

    A slider moves in steps of WEIGHT_STEP, so a smaller positive q (1/200 each for
    200 tokens) would sit between two steps; the sliders then start at q / max(q),
    the same Q with its largest weight at WEIGHT_MAX.
    """
    if q[q > 0].min() >= WEIGHT_STEP:
        return q.copy()
    return q / q.max() * WEIGHT_MAX


def twin(explorer, element_id):
    """The explorer's website twin under `element_id`, showing its starting Q (see :mod:`.twin`)."""
    weights = explorer.start_weights
    q = normalize(weights)
    values = measures(explorer.p, q, explorer.merge)
    step = label_step(len(explorer.vocab))
    sliders = "\n".join(
        f'<div class="kl-slider"><label for="{element_id}-w{k}">'
        f'<span class="kl-hidden">Weight in Q of </span>{escape(token)}</label> '
        f'<input type="range" id="{element_id}-w{k}" min="0" max="{WEIGHT_MAX}" '
        f'step="{WEIGHT_STEP}" value="{w:.2f}" aria-valuetext="weight {w:.2f}, q {fmt(qk)}"> '
        f'<output for="{element_id}-w{k}">q = <span data-quantity="q:{escape(token)}">'
        f"{fmt(qk)}</span></output></div>"
        for k, (token, w, qk) in enumerate(zip(explorer.vocab, weights, q)))
    focus_html, focus_config = "", None
    if explorer.focus is not None:
        k = explorer.vocab.index(explorer.focus)
        points = focus_curve(explorer.p, q, k)
        top = curve_top(points)
        name = escape(explorer.focus)
        focus_html = (
            f'<figure class="kl-focus"><figcaption>D_KL(P‖Q) as q({name}) goes to 0, the other tokens '
            "in proportion. Drag on the curve, or use the arrow keys, to set q("
            f"{name}).</figcaption> <div class=\"kl-focus-control\" tabindex=\"0\" role=\"slider\" "
            f'aria-label="q of {name}, log scale" aria-valuemin="0" aria-valuemax="1" '
            f'aria-valuenow="{q[k]:.6g}" aria-valuetext="q({name}) = {q[k]:.3g}">'
            + charts.curve_chart(element_id, f"D_KL(P‖Q) against q({explorer.focus}), log scale",
                                 f"q({explorer.focus}), log scale", "D_KL(P‖Q)", FOCUS_RANGE, top,
                                 points, (q[k], values["kl_pq"]))
            + "</div></figure>")
        focus_config = {"k": k, "range": FOCUS_RANGE, "points": FOCUS_POINTS, "geometry": charts.CURVE}
    many = step > 1
    markup = "\n".join([
        '<p class="kl-help">Each slider sets a token\'s <em>weight</em> in Q; Q is the weights '
        "rescaled to sum to 1 (q is shown beside each slider). Drag a hatched Q bar to set its q "
        "directly. P, the data, stays fixed.</p>",
        charts.bar_chart(element_id, explorer.vocab, explorer.p, q, COLORS, label_every=step,
                         value_labels=not many),
        focus_html,
        f'<div class="kl-sliders"{" data-many" if many else ""}>\n{sliders}\n</div>',
        '<div class="kl-buttons"><button type="button" data-action="reset">Reset Q</button> '
        '<button type="button" data-action="q-equals-p">Set Q = P</button></div>',
        '<p class="kl-message" role="status"></p>',
        readouts_html(explorer.show, values, explorer.merge_names),
        "" if explorer.divergence is None else (
            '<p class="kl-help">Your divergence function runs in Jupyter only; '
            "this page computes klhelpers' formulas in the browser.</p>"),
        table_html(explorer.show, explorer.vocab, explorer.p, values)])
    config = {"tokens": list(explorer.vocab), "p": explorer.p.tolist(), "weights": weights.tolist(),
              "show": list(explorer.show), "terms": [TERMS[key][0] for key in explorer.show if key in TERMS],
              "focus": focus_config, "allZero": ALL_ZERO, "geometry": charts.BARS,
              "yAxes": charts.Y_AXES, "valueLabels": not many}
    if explorer.merge is not None:  # only then: the chapters without it keep their stored config
        config["merge"] = list(explorer.merge)
    return html_twin("explorer", element_id, markup, config,
                     label="Q explorer: sliders for Q, chart and divergences")



STYLE = f"<style>{(ASSETS / 'explorer.css').read_text(encoding='utf-8')}</style>"
