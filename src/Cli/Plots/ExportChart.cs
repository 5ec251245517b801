using Pipelines.Export.Report;
using ScottPlot;

namespace Pipelines.Cli.Plots;

/// <summary>
/// <c>export</c>'s report as a bar chart: size and latencies relative to the float model (1 = float, marked), beside
/// the fidelity figures that are fractions (mean cosine, accuracy, label agreement).
/// </summary>
internal static class ExportChart
{
    /// <summary>Draws <paramref name="report"/> to <paramref name="path"/>; figures not measured (NaN, null) are left out.</summary>
    public static ChartLayout Write(string path, ExportReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var labels = new List<string>();
        var values = new List<double>();
        var colors = new List<Color>();
        void Add(string label, double? value, int color)
        {
            if (value is double v && double.IsFinite(v))
            {
                labels.Add(label);
                values.Add(v);
                colors.Add(Chart.SeriesColor(color));
            }
        }

        Add("size ×", report.SizeRatio, 0);
        Add("latency b1 ×", report.LatencyRatioB1, 1);
        Add("fastest-decile b1 ×", report.FastestDecileRatioB1, 1);
        Add("latency batch ×", report.LatencyRatioB32, 1);
        Add("mean cosine", report.MeanCosine, 2);
        Add("min cosine", report.MinCosine, 2);
        Add("accuracy", report.Accuracy, 3);
        Add("float accuracy", report.FloatAccuracy, 7);
        Add("label agreement", report.LabelAgreement, 4);
        using var chart = new Chart($"{report.Name} vs float ({report.Bytes / 1048576.0:F1} MiB, b1 {report.LatencyMsB1:F2} ms)", string.Empty, "ratio to float / fraction");
        chart.Bars(string.Empty, labels, values, colors, "F3");
        chart.HorizontalMark(1, "float = 1", Colors.Gray);
        return chart.Save(path, 1000, 520);
    }
}
