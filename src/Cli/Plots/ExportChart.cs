using Pipelines.Export.Report;
using ScottPlot;

namespace Pipelines.Cli.Plots;

/// <summary>
/// <c>export</c>'s report as a bar chart: size and latencies relative to the float model (1 = float, marked), beside
/// the fidelity figures that are fractions (mean and min cosine, accuracy, float accuracy, label agreement). "b1 p10"
/// is the fastest-decile batch-1 latency.
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
        Add("b1 latency ×", report.LatencyRatioB1, 1);
        Add("b1 p10 ×", report.FastestDecileRatioB1, 1);
        Add("batch latency ×", report.LatencyRatioB32, 1);
        Add("mean cos", report.MeanCosine, 2);
        Add("min cos", report.MinCosine, 2);
        Add("accuracy", report.Accuracy, 3);
        Add("float acc.", report.FloatAccuracy, 7);
        Add("agreement", report.LabelAgreement, 4);
        using var chart = new Chart($"{report.Name} vs float ({report.Bytes / 1048576.0:F1} MiB, b1 {report.LatencyMsB1:F2} ms)", string.Empty, "ratio to float / fraction");
        chart.Bars(string.Empty, labels, values, colors, "F3");
        chart.HorizontalMark(1, "float = 1", Colors.Gray);
        chart.IncludeX(values.Count + 0.4); // room right of the last bar for the mark's label
        return chart.Save(path, 1000, 520);
    }
}
