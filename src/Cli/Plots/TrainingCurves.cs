using Pipelines.Trainers;

namespace Pipelines.Cli.Plots;

/// <summary>Learning curves: <c>lora train</c>'s per-step loss and <c>graph train</c>'s per-epoch loss and validation metric.</summary>
internal static class TrainingCurves
{
    /// <summary>Steps of the moving average drawn over the per-step loss.</summary>
    public const int MeanWindow = 10;

    /// <summary>
    /// The per-step training loss (raw and a <see cref="MeanWindow"/>-step moving mean) and, when given, the validation
    /// loss after the last step as a marker on the same (cross-entropy) axis.
    /// </summary>
    public static ChartLayout WriteStepLoss(string path, IReadOnlyList<float> losses, string title, double? validationLoss)
    {
        ArgumentNullException.ThrowIfNull(losses);
        using var chart = new Chart(title, "step", "cross-entropy");
        double[] xs = [.. Enumerable.Range(1, losses.Count).Select(i => (double)i)];
        double[] raw = [.. losses.Select(l => (double)l)];
        chart.Line("batch loss", xs, raw, Chart.SeriesColor(0).WithAlpha(0.55), width: 1);
        chart.Line($"{MeanWindow}-step mean", xs, MovingMean(raw, MeanWindow), Chart.SeriesColor(0), width: 2.5f);
        if (validationLoss is double v && losses.Count > 0)
        {
            chart.Points("validation loss", [losses.Count], [v], Chart.SeriesColor(3), ScottPlot.MarkerShape.FilledDiamond, 12);
        }

        return chart.Save(path);
    }

    /// <summary>Per-epoch training loss (left axis) and validation metric (right axis); the best epoch is marked.</summary>
    public static ChartLayout WriteEpochs(string path, IReadOnlyList<EpochReport> epochs, string metric, string title)
    {
        ArgumentNullException.ThrowIfNull(epochs);
        using var chart = new Chart(title, "epoch", "training loss");
        chart.RightLabel($"validation {metric}");
        double[] xs = [.. epochs.Select(e => (double)e.Epoch)];
        chart.Line("training loss", xs, [.. epochs.Select(e => e.TrainLoss)], Chart.SeriesColor(0), width: 2, markers: true);
        chart.Line($"validation {metric}", xs, [.. epochs.Select(e => e.ValidMetric)], Chart.SeriesColor(1), width: 2, axis: ChartAxis.Right, markers: true);
        EpochReport[] best = [.. epochs.Where(e => e.IsBest).TakeLast(1)];
        if (best.Length == 1)
        {
            chart.VerticalMark(best[0].Epoch, "best", ScottPlot.Colors.Gray);
        }

        return chart.Save(path);
    }

    /// <summary>mean[i] = mean of values[max(0, i − w + 1) … i].</summary>
    internal static double[] MovingMean(IReadOnlyList<double> values, int window)
    {
        var mean = new double[values.Count];
        double sum = 0;
        for (int i = 0; i < values.Count; i++)
        {
            sum += values[i];
            if (i >= window)
            {
                sum -= values[i - window];
            }

            mean[i] = sum / Math.Min(i + 1, window);
        }

        return mean;
    }
}
