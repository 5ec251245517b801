using System.Globalization;
using Pipelines.Numerics.Topology;

namespace Pipelines.Cli.Plots;

/// <summary>
/// A signed measure μ = Σ wₖ δ(aₖ, bₖ) on the grid g1 × g2 as a heat map: cell (i, j) holds the signed mass at
/// (g1[i], g2[j]); positive mass red, negative blue, zero white (a diverging colormap symmetric about 0).
/// </summary>
internal static class SignedMeasurePlot
{
    /// <summary>Draws <paramref name="measure"/> (shape (g1.Count, g2.Count)) to <paramref name="path"/>.</summary>
    public static ChartLayout Write(string path, SignedMeasure measure, FiltrationGrid first, FiltrationGrid second, string title, string firstName, string secondName)
    {
        ArgumentNullException.ThrowIfNull(measure);
        ArgumentNullException.ThrowIfNull(first);
        ArgumentNullException.ThrowIfNull(second);
        var values = new double[measure.Rows, measure.Columns];
        for (int i = 0; i < measure.Rows; i++)
        {
            for (int j = 0; j < measure.Columns; j++)
            {
                values[i, j] = measure[i, j];
            }
        }

        using var chart = new Chart(title, firstName, secondName);
        chart.SignedHeatmap(string.Empty, values, Labels(first), Labels(second), "signed mass");
        return chart.Save(path, 760, 640);
    }

    private static string[] Labels(FiltrationGrid grid) => [.. grid.Values.ToArray().Select(v => v.ToString("G3", CultureInfo.InvariantCulture))];
}
