namespace Pipelines.Cli.Plots;

/// <summary>One training run's validation metric per epoch (a learning curve).</summary>
/// <param name="Encoding">Positional encoding (none, lap, rwse, spe): the colour.</param>
/// <param name="Init">Initialisation (xavier, virgo): the line width.</param>
/// <param name="Label">The run's legend label (encoding, init, seed, split).</param>
/// <param name="Epochs">1-based epochs.</param>
/// <param name="Values">The validation metric after each epoch.</param>
internal sealed record LearningCurve(string Encoding, string Init, string Label, IReadOnlyList<double> Epochs, IReadOnlyList<double> Values);

/// <summary>
/// The learning curves of one results-table task: validation metric against epoch, one line per run, colour by
/// encoding, thick for Xavier and thin for Virgo (benchmarks/GraphResults).
/// </summary>
internal static class LearningCurvesPlot
{
    /// <summary>Writes the PNG to <paramref name="path"/> (atomically).</summary>
    /// <param name="path">The PNG file.</param>
    /// <param name="curves">The runs.</param>
    /// <param name="metric">The validation metric's name (y axis).</param>
    /// <param name="title">The chart title.</param>
    public static ChartLayout Write(string path, IReadOnlyList<LearningCurve> curves, string metric, string title)
    {
        ArgumentNullException.ThrowIfNull(curves);
        string[] encodings = [.. curves.Select(c => c.Encoding).Distinct()];
        using var chart = new Chart(title, "epoch", $"validation {metric}");
        foreach (LearningCurve c in curves)
        {
            var color = Chart.SeriesColor(Array.IndexOf(encodings, c.Encoding));
            bool virgo = c.Init == "virgo";
            chart.Line(c.Label, c.Epochs, c.Values, virgo ? color.WithAlpha(0.7) : color, width: virgo ? 1.2f : 2.5f);
        }

        return chart.Save(path, 1100, 620);
    }
}
