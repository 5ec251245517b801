using System.Globalization;
using Pipelines.Numerics.Topology;
using ScottPlot;

namespace Pipelines.Cli.Plots;

/// <summary>
/// A persistence diagram (birth, death) per homology degree with the diagonal, and its barcode; infinite deaths are drawn
/// on a dashed line marked ∞ above (diagram) or right of (barcode) every finite value.
/// </summary>
internal static class PersistencePlots
{
    private static readonly MarkerShape[] s_shapes = [MarkerShape.FilledCircle, MarkerShape.FilledTriangleUp, MarkerShape.FilledSquare, MarkerShape.FilledDiamond];

    /// <summary>Where infinite deaths are drawn: the largest finite value plus a tenth of the finite range (1 above the largest birth when nothing is finite).</summary>
    public static double InfinityLevel(PersistenceDiagram diagram)
    {
        ArgumentNullException.ThrowIfNull(diagram);
        var values = new List<double>();
        for (int d = 0; d <= diagram.MaxDimension; d++)
        {
            foreach (PersistencePair p in diagram.InDimension(d))
            {
                values.Add(p.Birth);
                if (!p.IsEssential)
                {
                    values.Add(p.Death);
                }
            }
        }

        if (values.Count == 0)
        {
            return 1;
        }

        double lo = Math.Min(0, values.Min());
        double hi = values.Max();
        return hi + Math.Max((hi - lo) * 0.1, 1e-3);
    }

    /// <summary>The diagram: one marker series per degree, the diagonal, and the ∞ line.</summary>
    public static ChartLayout WriteDiagram(string path, PersistenceDiagram diagram, string title)
    {
        ArgumentNullException.ThrowIfNull(diagram);
        double infinity = InfinityLevel(diagram);
        using var chart = new Chart(title, "birth", "death");
        for (int d = 0; d <= diagram.MaxDimension; d++)
        {
            ReadOnlySpan<PersistencePair> pairs = diagram.InDimension(d);
            var births = new double[pairs.Length];
            var deaths = new double[pairs.Length];
            for (int i = 0; i < pairs.Length; i++)
            {
                births[i] = pairs[i].Birth;
                deaths[i] = pairs[i].IsEssential ? infinity : pairs[i].Death;
            }

            chart.Points($"H{d} ({pairs.Length})", births, deaths, Chart.SeriesColor(d), s_shapes[d % s_shapes.Length], 8);
        }

        chart.Diagonal();
        chart.HorizontalMark(infinity, "∞", Colors.Black);
        chart.IncludeY(0);
        return chart.Save(path, 720, 620);
    }

    /// <summary>The barcode: one horizontal bar [birth, death) per interval, grouped by degree (H0 at the bottom), each group sorted by birth then length.</summary>
    public static ChartLayout WriteBarcode(string path, PersistenceDiagram diagram, string title)
    {
        ArgumentNullException.ThrowIfNull(diagram);
        double infinity = InfinityLevel(diagram);
        using var chart = new Chart(title, "filtration value", "interval");
        int row = 0;
        float width = (float)Math.Clamp(400.0 / Math.Max(diagram.Count, 1), 1, 5);
        for (int d = 0; d <= diagram.MaxDimension; d++)
        {
            PersistencePair[] pairs = [.. diagram.InDimension(d).ToArray().OrderBy(p => p.Birth).ThenByDescending(p => p.IsEssential ? double.PositiveInfinity : p.Death)];
            var x0 = new double[pairs.Length];
            var x1 = new double[pairs.Length];
            var y = new double[pairs.Length];
            for (int i = 0; i < pairs.Length; i++)
            {
                x0[i] = pairs[i].Birth;
                x1[i] = pairs[i].IsEssential ? infinity : pairs[i].Death;
                y[i] = row++;
            }

            chart.Segments(string.Create(CultureInfo.InvariantCulture, $"H{d} ({pairs.Length})"), x0, x1, y, Chart.SeriesColor(d), width);
        }

        chart.VerticalMark(infinity, "∞", Colors.Black);
        return chart.Save(path, 900, 620);
    }
}
