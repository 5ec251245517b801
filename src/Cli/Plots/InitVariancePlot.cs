using Pipelines.Trainers.Graphs;

namespace Pipelines.Cli.Plots;

/// <summary>
/// Per-layer spread at initialisation of a GINE backbone under several initialisations: log₁₀ Var(h_ℓ) (thick lines) and
/// log₁₀ Var(∂L/∂h_ℓ) (thin lines, right axis) against the layer ℓ, one colour per initialisation.
/// </summary>
internal static class InitVariancePlot
{
    /// <summary>Writes the PNG to <paramref name="path"/>.</summary>
    /// <param name="path">The PNG file (written atomically).</param>
    /// <param name="series">Per initialisation (legend name), its layers' variances (mean over seeds).</param>
    /// <param name="title">The chart title.</param>
    public static ChartLayout Write(string path, IReadOnlyList<(string Name, IReadOnlyList<LayerVariance> Layers)> series, string title)
    {
        ArgumentNullException.ThrowIfNull(series);
        using var chart = new Chart(title, "GINE layer l", "log10 Var(h_l)  (thick)");
        chart.RightLabel("log10 Var(dL/dh_l)  (thin)");
        for (int i = 0; i < series.Count; i++)
        {
            (string name, IReadOnlyList<LayerVariance> layers) = series[i];
            double[] xs = [.. layers.Select(l => (double)l.Layer)];
            chart.Line($"{name}: activations", xs, [.. layers.Select(l => Math.Log10(l.Activation))], Chart.SeriesColor(i), width: 2.5f, markers: true);
            chart.Line($"{name}: gradients", xs, [.. layers.Select(l => Math.Log10(l.Gradient))], Chart.SeriesColor(i).WithAlpha(0.6), width: 1.5f, axis: ChartAxis.Right, markers: true);
        }

        return chart.Save(path);
    }
}
