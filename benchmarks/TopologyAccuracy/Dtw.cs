namespace Pipelines.Benchmarks.Topology;

/// <summary>
/// 1-NN dynamic time warping, the UCR baseline: full DTW (no Sakoe–Chiba window, i.e. window = 100%, the archive's
/// "DTW (w = 100)" column) with squared pointwise differences, on the series as given (the UCR sets are z-normalised).
/// </summary>
internal static class Dtw
{
    /// <summary>Accuracy of 1-NN DTW on the official split.</summary>
    public static double OneNearestNeighbour(IReadOnlyList<float[]> train, IReadOnlyList<string> trainLabels, IReadOnlyList<float[]> test, IReadOnlyList<string> testLabels)
    {
        int correct = 0;
        object gate = new();
        Parallel.For(0, test.Count, () => 0, (i, _, local) =>
        {
            double best = double.PositiveInfinity;
            string label = string.Empty;
            for (int j = 0; j < train.Count; j++)
            {
                double d = Distance(test[i], train[j], best);
                if (d < best)
                {
                    best = d;
                    label = trainLabels[j];
                }
            }

            return local + (label == testLabels[i] ? 1 : 0);
        }, local => Interlocked.Add(ref correct, local));
        return (double)correct / test.Count;
    }

    /// <summary>Full DTW with squared differences; stops early (returns +∞) once every cell of a row exceeds <paramref name="cutoff"/>.</summary>
    public static double Distance(float[] a, float[] b, double cutoff = double.PositiveInfinity)
    {
        int m = b.Length;
        var previous = new double[m + 1];
        var current = new double[m + 1];
        Array.Fill(previous, double.PositiveInfinity);
        previous[0] = 0;
        for (int i = 1; i <= a.Length; i++)
        {
            current[0] = double.PositiveInfinity;
            double rowMin = double.PositiveInfinity;
            for (int j = 1; j <= m; j++)
            {
                double c = a[i - 1] - b[j - 1];
                double v = (c * c) + Math.Min(previous[j - 1], Math.Min(previous[j], current[j - 1]));
                current[j] = v;
                rowMin = Math.Min(rowMin, v);
            }

            if (rowMin > cutoff)
            {
                return double.PositiveInfinity;
            }

            (previous, current) = (current, previous);
        }

        return previous[m];
    }
}
