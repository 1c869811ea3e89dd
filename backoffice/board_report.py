"""The KPI board report as one self-contained HTML file: the figures, and three charts
drawn by matplotlib (Agg, no display) as inline SVG. Nothing is fetched when the file
is opened: no script, no web font, no image file. Imported only by `kpis --html`,
so `starter.py --help` never loads matplotlib."""

import html
import io
from pathlib import Path
from typing import Any

from activities.reporting.kpis import KINDS, TRAJECTORY_MONTHS, KPIs
from backoffice.render import pounds

CHARTS = ("arrears-trajectory", "migration-funnel", "success-by-month")
KIND_NAMES = {"apa": "APA", "mptl": "MPTL", "tpd": "TPD"}


def _svg(figure: Any) -> str:
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None})
    text = buffer.getvalue()
    return text[text.index("<svg") :]  # inline: without the XML prolog and doctype


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.rcParams.update({"svg.fonttype": "path", "font.size": 10})
    return plt


def _no_data(ax: Any) -> None:
    ax.text(0.5, 0.5, "no data in this period", ha="center", va="center", transform=ax.transAxes)
    ax.set_xticks([])
    ax.set_yticks([])


def chart_trajectory(plt: Any, figures: KPIs) -> str:
    fig, ax = plt.subplots(figsize=(7, 3.2))
    points = figures.arrears_trajectory
    if points:
        xs = [p.months_on_uc for p in points]
        ys = [float(p.change_per_resident) for p in points]
        ax.plot(xs, ys, marker="o", color="#1d70b8")
        ax.axhline(0, color="#505a5f", linewidth=0.8)
        ax.set_xlabel(f"whole months on UC ({TRAJECTORY_MONTHS} = {TRAJECTORY_MONTHS} or more)")
        ax.set_ylabel("£ change per resident")
    else:
        _no_data(ax)
    ax.set_title("Arrears change since moving to UC, by months on UC")
    svg = _svg(fig)
    plt.close(fig)
    return svg


def chart_funnel(plt: Any, figures: KPIs) -> str:
    m = figures.migration
    labels = ["Notices", "Claims by deadline", "Claims by final deadline", "Lapsed"]
    values = [
        m["notices"],
        m["claimed_by_deadline"],
        m["claimed_by_final_deadline"],
        m["lapsed"],
    ]
    fig, ax = plt.subplots(figsize=(7, 2.8))
    bars = ax.barh(labels[::-1], values[::-1], color=["#d4351c", "#00703c", "#00703c", "#1d70b8"])
    ax.bar_label(bars, padding=3)
    ax.set_xlim(0, max([*values, 1]) * 1.15)
    ax.set_title("Managed migration funnel")
    svg = _svg(fig)
    plt.close(fig)
    return svg


def chart_success(plt: Any, figures: KPIs) -> str:
    fig, ax = plt.subplots(figsize=(7, 3.2))
    months = sorted({r.month for r in figures.success_by_month})
    if months:
        for kind in KINDS:
            by_month = {r.month: r for r in figures.success_by_month if r.kind == kind}
            if not by_month:
                continue
            xs = [i for i, month in enumerate(months) if month in by_month]
            ys = [100 * (by_month[months[i]].granted_of_decided or 0) for i in xs]
            ax.plot(xs, ys, marker="o", label=KIND_NAMES[kind])
        ax.set_xticks(range(len(months)), months, rotation=45, ha="right")
        ax.set_ylim(0, 105)
        ax.set_ylabel("% granted of decided")
        ax.legend()
    else:
        _no_data(ax)
    ax.set_title("Success rates by month of decision")
    svg = _svg(fig)
    plt.close(fig)
    return svg


def _e(value: object) -> str:
    return html.escape(str(value))


def _rate(value: float | None) -> str:
    return "–" if value is None else f"{value:.1%}"


def _rows(rows: list[tuple[str, object]]) -> str:
    return "".join(f"<tr><th scope='row'>{_e(k)}</th><td>{_e(v)}</td></tr>" for k, v in rows)


def render(figures: KPIs) -> str:
    plt = _pyplot()
    charts = {
        "arrears-trajectory": chart_trajectory(plt, figures),
        "migration-funnel": chart_funnel(plt, figures),
        "success-by-month": chart_success(plt, figures),
    }
    start = figures.period_from.isoformat() if figures.period_from else "the first record"
    period = f"{start} to {figures.period_to.isoformat()}"
    a, m, d = figures.arrears, figures.migration, figures.dhp
    arrangement_rows = "".join(
        "<tr>"
        f"<th scope='row'>{KIND_NAMES[x.kind]}</th><td>{x.requested}</td><td>{x.decided}</td>"
        f"<td>{x.granted}</td><td>{_rate(x.granted_of_requested)}</td>"
        f"<td>{_rate(x.granted_of_decided)}</td>"
        f"<td>{'–' if x.median_days_to_decision is None else f'{x.median_days_to_decision:g}'}"
        "</td></tr>"
        for x in figures.arrangements
    )
    sections = "".join(f"<figure id='{name}'>{svg}</figure>" for name, svg in charts.items())
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Universal Credit casework: KPI board report, {_e(period)}</title>
<style>
body {{ font-family: Arial, Helvetica, sans-serif; margin: 2rem auto; max-width: 60rem;
  color: #0b0c0c; }}
table {{ border-collapse: collapse; margin: 0 0 1.5rem; }}
th, td {{ border-bottom: 1px solid #b1b4b6; padding: .3rem .8rem; text-align: left; }}
td {{ text-align: right; }}
figure {{ margin: 1rem 0 2rem; }}
figure svg {{ max-width: 100%; height: auto; }}
.note {{ color: #505a5f; font-size: .9rem; }}
</style></head>
<body>
<h1>KPI board report</h1>
<p>Period: {_e(period)}. From the live case data (the reporting read model); residents
and arrears as at the end of the period.</p>
<h2>Residents and arrears</h2>
<table>{
        _rows(
            [
                ("Residents on UC", figures.residents_on_uc),
                ("Arrears change since moving to UC, total", pounds(a["change_total"])),
                (
                    "Arrears change since moving to UC, per resident",
                    pounds(a["change_per_resident"]),
                ),
                (
                    "Residents whose arrears rose / fell",
                    f"{a['residents_arrears_up']} / {a['residents_arrears_down']}",
                ),
            ]
        )
    }</table>
<h2>Payment arrangements requested in the period</h2>
<table><tr><th></th><th>requested</th><th>decided</th><th>granted</th>
<th>granted of requested</th><th>granted of decided</th><th>median days to a decision</th></tr>
{arrangement_rows}</table>
<p class="note">"Granted of requested" counts every request made in the period, decided
or not; "granted of decided" counts only those DWP granted or refused.</p>
<h2>Managed migration (notices issued in the period)</h2>
<table>{
        _rows(
            [
                ("Notices received", m["notices"]),
                ("Claims by the deadline day", m["claimed_by_deadline"]),
                ("Claims by the final deadline", m["claimed_by_final_deadline"]),
                ("Lapsed", m["lapsed"]),
                ("Completion (claims by the deadline day / notices)", _rate(m["completion_rate"])),
                (
                    "Transitional protection kept",
                    f"{m['protection_kept']} "
                    f"({_rate(m['protection_kept_rate'])} of those protected)",
                ),
            ]
        )
    }</table>
<h2>Discretionary Housing Payments (applications in the period)</h2>
<table>{
        _rows(
            [
                ("Applications", d["applications"]),
                ("Awarded / refused", f"{d['by_status']['awarded']} / {d['by_status']['refused']}"),
                ("Awarded of decided", _rate(d["awarded_of_decided"])),
                ("Monthly amounts awarded, total", pounds(d["monthly_amount_awarded_total"])),
                ("Monthly amount awarded, mean", pounds(d["monthly_amount_awarded_mean"])),
                (
                    "Award length, mean days",
                    "–" if d["award_days_mean"] is None else d["award_days_mean"],
                ),
            ]
        )
    }</table>
<h2>Charts</h2>
{sections}
</body></html>
"""


def write_report(figures: KPIs, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render(figures), encoding="utf-8")
    return path
