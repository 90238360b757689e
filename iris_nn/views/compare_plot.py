"""The comparison figure: the training and test loss curves of every compared run on one plot.

One colour per run (solid: training rows, dashed: test rows), each run labelled with its name and
the values of the config keys that differ. Older runs without ``test_loss`` in ``history.csv``
draw their training curve only, and the figure says so.

A curve that oscillates from one epoch to the next (a large learning rate's test loss can alternate
between two values for thousands of epochs) would paint a solid band over every other curve: it is
drawn as its running mean instead, its raw range as a light band behind, and the title says which
curves are drawn so.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import FuncFormatter

from iris_nn.comparison.compare import ComparedRun, Comparison, show_value
from iris_nn.core.functional import Array
from iris_nn.views.style import new_figure

# Okabe & Ito's palette without its yellow (too pale on white), then three of Paul Tol's muted
# colours: ten hues that stay apart under the common colour-vision deficiencies. Past ten runs the
# hues repeat and a marker on each curve tells the runs apart.
RUN_COLOURS = (
    "#0072B2",
    "#E69F00",
    "#009E73",
    "#D55E00",
    "#56B4E9",
    "#CC79A7",
    "#000000",
    "#882255",
    "#999933",
    "#332288",
)
RUN_MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*", "<", ">")
SMOOTH = 0.05  # a running mean's window: the epochs within 5% of the epoch, either side
MAX_SHOWN_VALUES = 4  # differing keys written in a run's label; past it, the rest are counted
LABEL_WIDTH = 48  # characters before a label wraps


def run_style(k: int, n_runs: int) -> dict[str, object]:
    """Return the colour (and, beyond ten runs, the marker) of the ``k``-th run's curves."""
    style: dict[str, object] = {"color": RUN_COLOURS[k % len(RUN_COLOURS)]}
    if n_runs > len(RUN_COLOURS):
        style.update(marker=RUN_MARKERS[k // len(RUN_COLOURS)], markevery=0.12, ms=4)
    return style


def _short_keys(keys: Sequence[str]) -> dict[str, str]:
    """Return each dotted key's last part, or the whole key where two last parts clash."""
    last = [key.rsplit(".", 1)[-1] for key in keys]
    return {
        key: part if last.count(part) == 1 else key for key, part in zip(keys, last, strict=True)
    }


def _clip(text: str, width: int = 30) -> str:
    return text if len(text) <= width else text[: width - 1] + "\u2026"


def _wrap(pieces: Sequence[str], width: int = LABEL_WIDTH) -> str:
    """Return ``pieces`` joined by spaces into lines of about ``width``, never splitting one."""
    lines = [pieces[0]]
    for piece in pieces[1:]:
        if len(lines[-1]) + 1 + len(piece) > width:
            lines.append("  " + piece)
        else:
            lines[-1] += " " + piece
    return "\n".join(lines)


def run_label(k: int, comparison: Comparison) -> str:
    """Return the legend label of the ``k``-th run: its name and its values of the differing keys."""
    run = comparison.runs[k]
    short = _short_keys(list(comparison.differences))
    values = [
        f"{short[key]} = {_clip(show_value(v[k]))}" for key, v in comparison.differences.items()
    ]
    shown = values if len(values) <= MAX_SHOWN_VALUES else values[: MAX_SHOWN_VALUES - 1]
    if len(values) > len(shown):
        shown.append(f"+{len(values) - len(shown)} more")
    pieces = [run.name + (":" if shown else "")]
    pieces += [value + ("," if i < len(shown) - 1 else "") for i, value in enumerate(shown)]
    if not _has_test(run) and any(_has_test(r) for r in comparison.runs):
        pieces.append("(no test curve)")
    return _wrap(pieces)


def _has_test(run: ComparedRun) -> bool:
    history = run.history or {}
    return "test_loss" in history and bool(np.isfinite(history["test_loss"]).any())


def _log_labels(ax: Axes, losses: Sequence[Array]) -> None:
    """Label the log loss axis in plain decimals (0.05, not 5e-02), and some minor ticks too.

    Curves that fall less than three decades show only one or two powers of ten; labelling 2 and
    5 times them (and 3, in narrower ranges) lets a reader take values off the axis.
    """
    finite = np.concatenate([x[np.isfinite(x) & (x > 0)] for x in losses] or [np.ones(1)])
    span = float(finite.max() / finite.min()) if finite.size else 1.0
    mantissas = (2, 3, 5) if span < 30 else (2, 5) if span < 1000 else ()

    def minor(v: float, _: object) -> str:
        return f"{v:g}" if round(v / 10 ** np.floor(np.log10(v))) in mantissas else ""

    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    ax.yaxis.set_minor_formatter(FuncFormatter(minor))


def oscillates(loss: Array) -> bool:
    """Return whether a loss curve zigzags: over its second half, the log loss turns from rising to
    falling (or back) at more than a third of the epochs, by more than 2% a step (median)."""
    steps = np.diff(np.log(loss[len(loss) // 2 :]))
    steps = steps[np.isfinite(steps) & (steps != 0)]
    if len(steps) < 10:
        return False
    turns = np.mean(np.sign(steps[1:]) != np.sign(steps[:-1]))
    return bool(turns > 1 / 3 and np.median(np.abs(steps)) > 0.02)


def running_mean(loss: Array) -> tuple[Array, Array, Array]:
    """Return a loss curve's running geometric mean (the mean on the log axis it is drawn on) and
    its running min and max, each over the points within ``SMOOTH`` of the index, either side.

    A window holds an even number of points (``i - h`` to ``i + h - 1``, one fewer where an end cuts it short), so that a curve
    alternating between two values every epoch averages to a flat line, not a smaller zigzag.
    """
    n = len(loss)
    half = np.maximum(1, (SMOOTH * np.arange(n)).astype(int))  # (n,)
    lo, hi = np.maximum(np.arange(n) - half, 0), np.minimum(np.arange(n) + half, n)
    lo += ((hi - lo) % 2 == 1) & (hi - lo > 1)  # cut short at an end: still an even count
    sums = np.concatenate([[0.0], np.cumsum(np.log(loss))])
    mean = np.exp((sums[hi] - sums[lo]) / (hi - lo))
    low = np.array([loss[a:b].min() for a, b in zip(lo, hi, strict=True)])
    high = np.array([loss[a:b].max() for a, b in zip(lo, hi, strict=True)])
    return mean, low, high


def _curve(ax: Axes, epoch: Array, loss: Array, ls: str, lw: float, **style: object) -> bool:
    """Draw one loss curve; an oscillating one as its running mean over its raw range, light.
    Return whether it was smoothed."""
    if not oscillates(loss):
        ax.plot(epoch, loss, ls, lw=lw, zorder=3, **style)  # type: ignore[arg-type]
        return False
    mean, low, high = running_mean(loss)
    ax.fill_between(epoch, low, high, color=style["color"], alpha=0.15, lw=0, zorder=1)
    ax.plot(epoch, mean, ls, lw=lw, zorder=2, **style)  # type: ignore[arg-type]
    return True


def compare_figure(comparison: Comparison) -> Figure:
    """Return the loss curves of the compared runs, read from their ``history.csv`` columns.

    Parameters
    ----------
    comparison : Comparison
        Runs read with their history (``epoch``, ``train_loss``, optionally ``test_loss``, each of
        shape (n_epochs + 1,)).

    The x axis is symlog: linear between 0 and 1 so that epoch 0 (the untrained network) has a
    place, logarithmic beyond, so that runs of 5 and of 3000 epochs both show their shape.
    """
    runs = comparison.runs
    n = len(runs)
    labels = [run_label(k, comparison) for k in range(n)]
    ncols = 2 if n > 3 and max(len(line) for t in labels for line in t.splitlines()) <= 50 else 1
    legend_lines = sum(t.count("\n") + 1 for t in labels) / ncols + 1.5
    fig = new_figure(9.0, 4.2 + 0.17 * legend_lines)
    ax = fig.subplots()
    losses, last_epoch = [], 1
    smoothed: list[str] = []  # "lr-3 test", ...
    for k, run in enumerate(runs):
        history = run.history or {}
        epoch = np.asarray(history["epoch"])
        last_epoch = max(last_epoch, int(epoch.max(initial=0)))
        style = run_style(k, n)
        if len(epoch) < 3:  # a run of 0 or 1 epochs would draw no line
            style.setdefault("marker", "o")
        train = np.maximum(np.asarray(history["train_loss"], dtype=float), 1e-12)
        if _curve(ax, epoch, train, "-", 1.6, label=labels[k], **style):
            smoothed.append(f"{run.name} training")
        losses.append(train)
        if _has_test(run):
            test = np.maximum(np.asarray(history["test_loss"], dtype=float), 1e-12)
            if _curve(ax, epoch, test, "--", 1.2, **style):
                smoothed.append(f"{run.name} test")
            losses.append(test)
    ax.set_yscale("log")
    _log_labels(ax, losses)
    ax.set_xscale("symlog", linthresh=1.0, linscale=0.6)
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))  # 100, not 10^2
    ax.set_xlim(0, last_epoch)
    ax.set_xlabel("epoch (0, then log scale)")
    ax.set_ylabel("cross-entropy loss (log scale)")
    ax.grid(True, alpha=0.3, lw=0.5)
    with_test = sum(_has_test(r) for r in runs)
    if with_test == n:
        note = "solid: training rows; dashed: test rows (never used for training)"
    elif with_test:
        note = "solid: training rows; dashed: test rows (never used for training), where recorded"
    else:
        note = "training rows only: these runs' history.csv files hold no test loss"
    if smoothed:
        more = f" and {len(smoothed) - 3} more" if len(smoothed) > 3 else ""
        note += (
            f"\n{', '.join(smoothed[:3])}{more}: oscillating from epoch to epoch, so drawn as"
            f" their\nrunning mean (over \u00b1{SMOOTH:.0%} of the epochs), the raw range shaded"
        )
    ax.set_title(note, fontsize=9)
    handles = [Line2D([], [], color="#555555", ls="-", lw=1.6, label="training rows")]
    if with_test:
        handles.append(Line2D([], [], color="#555555", ls="--", lw=1.2, label="test rows"))
    ax.legend(handles=handles, fontsize=8, loc="best", frameon=False)
    fig.legend(
        *ax.get_legend_handles_labels(),
        loc="outside lower center",
        ncols=ncols,
        fontsize=8,
        frameon=False,
        title="run: values of the config keys that differ" if comparison.differences else "run",
        title_fontsize=8,
    )
    fig.suptitle(f"Loss per epoch of {n} runs", fontsize=11)
    return fig
