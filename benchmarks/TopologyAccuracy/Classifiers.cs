using Microsoft.ML;
using Microsoft.ML.Data;

namespace Pipelines.Benchmarks.Topology;

/// <summary>
/// The classifiers compared on fixed feature matrices, and model selection by k-fold cross-validation on the training
/// rows only: logistic regression (L-BFGS maximum entropy after mean–variance normalisation, L2 = 1), 1-NN (Euclidean
/// on features standardised by training mean/sd) and, with <c>--fasttree</c>, FastTree one-versus-all (16 leaves, 100
/// trees, ≥ 2 rows per leaf).
/// </summary>
internal static class Classifiers
{
    /// <summary>Gets or sets the candidates of the model selection (FastTree only with <c>--fasttree</c>: ~10× the cost of a fit).</summary>
    public static string[] Names { get; set; } = ["logreg", "1nn"];

    private sealed class FRow
    {
        public float[] Features { get; set; } = [];

        public string Class { get; set; } = string.Empty;
    }

    private sealed class KRow
    {
        public string Class { get; set; } = string.Empty;
    }

    /// <summary>Predicted labels of <paramref name="test"/> by classifier <paramref name="name"/> fitted on the training rows.</summary>
    public static string[] FitPredict(string name, float[][] train, string[] trainLabels, float[][] test)
    {
        if (trainLabels.Distinct().Count() < 2)
        {
            return [.. test.Select(_ => trainLabels[0])];
        }

        return name switch
        {
            "1nn" => NearestNeighbour(train, trainLabels, test),
            "softmax" => Softmax(train, trainLabels, test),
            _ => MlNet(name, train, trainLabels, test),
        };
    }

    /// <summary>k-fold CV accuracy on the training rows (deterministic folds, seed 0).</summary>
    public static double CrossValidate(string name, float[][] x, string[] y, int folds)
    {
        int[] order = [.. Enumerable.Range(0, x.Length).OrderBy(i => Hash(i))];
        int correct = 0;
        for (int f = 0; f < folds; f++)
        {
            int[] testIdx = [.. order.Where((_, k) => k % folds == f)];
            int[] trainIdx = [.. order.Where((_, k) => k % folds != f)];
            string[] predicted;
            try
            {
                predicted = FitPredict(name, [.. trainIdx.Select(i => x[i])], [.. trainIdx.Select(i => y[i])], [.. testIdx.Select(i => x[i])]);
            }
            catch (InvalidOperationException)
            {
                // ML.NET refuses some feature matrices ("all instances have missing features"): the candidate is out.
                return 0;
            }

            correct += testIdx.Where((i, k) => predicted[k] == y[i]).Count();
        }

        return (double)correct / x.Length;
    }

    private static uint Hash(int i) => (uint)i * 2654435761u;

    private static string[] NearestNeighbour(float[][] train, string[] labels, float[][] test)
    {
        int d = train[0].Length;
        var mean = new double[d];
        var sd = new double[d];
        foreach (float[] r in train)
        {
            for (int k = 0; k < d; k++)
            {
                mean[k] += r[k] / (double)train.Length;
            }
        }

        foreach (float[] r in train)
        {
            for (int k = 0; k < d; k++)
            {
                sd[k] += (r[k] - mean[k]) * (r[k] - mean[k]) / train.Length;
            }
        }

        for (int k = 0; k < d; k++)
        {
            sd[k] = sd[k] > 1e-12 ? Math.Sqrt(sd[k]) : 0;
        }

        double Dist(float[] a, float[] b)
        {
            double s = 0;
            for (int k = 0; k < d; k++)
            {
                if (sd[k] > 0)
                {
                    double t = (a[k] - b[k]) / sd[k];
                    s += t * t;
                }
            }

            return s;
        }

        return [.. test.Select(t => labels[Enumerable.Range(0, train.Length).MinBy(j => Dist(t, train[j]))])];
    }

    /// <summary>
    /// Multinomial logistic regression written here for speed (one ML.NET L-BFGS fit costs ~2 CPU-s on these sizes):
    /// features standardised by training mean/sd, mean cross-entropy + (1/2n)‖W‖², 300 full-batch Adam steps
    /// (learning rate 0.05), deterministic.
    /// </summary>
    private static string[] Softmax(float[][] train, string[] labels, float[][] test)
    {
        string[] classes = [.. labels.Distinct().Order(StringComparer.Ordinal)];
        int k = classes.Length;
        int n = train.Length;
        int d = train[0].Length;
        var mean = new double[d];
        var sd = new double[d];
        foreach (float[] r in train)
        {
            for (int j = 0; j < d; j++)
            {
                mean[j] += r[j] / (double)n;
            }
        }

        foreach (float[] r in train)
        {
            for (int j = 0; j < d; j++)
            {
                sd[j] += (r[j] - mean[j]) * (r[j] - mean[j]) / n;
            }
        }

        for (int j = 0; j < d; j++)
        {
            sd[j] = sd[j] > 1e-12 ? Math.Sqrt(sd[j]) : 0;
        }

        double[] Standardise(float[] r)
        {
            var x = new double[d + 1];
            for (int j = 0; j < d; j++)
            {
                x[j] = sd[j] > 0 && float.IsFinite(r[j]) ? (r[j] - mean[j]) / sd[j] : 0;
            }

            x[d] = 1; // bias
            return x;
        }

        double[][] xs = [.. train.Select(Standardise)];
        int[] ys = [.. labels.Select(l => Array.IndexOf(classes, l))];
        int p = d + 1;
        var w = new double[k * p];
        var m1 = new double[k * p];
        var m2 = new double[k * p];
        var grad = new double[k * p];
        var z = new double[k];
        double lambda = 1.0 / n;
        for (int step = 1; step <= 300; step++)
        {
            Array.Clear(grad);
            for (int i = 0; i < n; i++)
            {
                double max = double.NegativeInfinity;
                for (int c = 0; c < k; c++)
                {
                    double s = 0;
                    for (int j = 0; j < p; j++)
                    {
                        s += w[(c * p) + j] * xs[i][j];
                    }

                    z[c] = s;
                    max = Math.Max(max, s);
                }

                double sum = 0;
                for (int c = 0; c < k; c++)
                {
                    z[c] = Math.Exp(z[c] - max);
                    sum += z[c];
                }

                for (int c = 0; c < k; c++)
                {
                    double g = ((z[c] / sum) - (c == ys[i] ? 1 : 0)) / n;
                    for (int j = 0; j < p; j++)
                    {
                        grad[(c * p) + j] += g * xs[i][j];
                    }
                }
            }

            for (int q = 0; q < w.Length; q++)
            {
                double g = grad[q] + (q % p == d ? 0 : lambda * w[q]);
                m1[q] = (0.9 * m1[q]) + (0.1 * g);
                m2[q] = (0.999 * m2[q]) + (0.001 * g * g);
                double mh = m1[q] / (1 - Math.Pow(0.9, step));
                double vh = m2[q] / (1 - Math.Pow(0.999, step));
                w[q] -= 0.05 * mh / (Math.Sqrt(vh) + 1e-8);
            }
        }

        return [.. test.Select(r =>
        {
            double[] x = Standardise(r);
            int best = 0;
            double bestScore = double.NegativeInfinity;
            for (int c = 0; c < k; c++)
            {
                double s = 0;
                for (int j = 0; j < p; j++)
                {
                    s += w[(c * p) + j] * x[j];
                }

                if (s > bestScore)
                {
                    (best, bestScore) = (c, s);
                }
            }

            return classes[best];
        })];
    }

    private static string[] MlNet(string name, float[][] train, string[] labels, float[][] test)
    {
        var ml = new MLContext(seed: 0);
        int d = train[0].Length;
        SchemaDefinition schema = SchemaDefinition.Create(typeof(FRow));
        schema[nameof(FRow.Features)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, d);
        IDataView trainView = ml.Data.LoadFromEnumerable(train.Select((r, i) => new FRow { Features = Clean(r), Class = labels[i] }), schema);
        IDataView testView = ml.Data.LoadFromEnumerable(test.Select(r => new FRow { Features = Clean(r), Class = labels[0] }), schema);
        IEstimator<ITransformer> trainer = name switch
        {
            // "logreg" is L2 = 1; "logreg0.1", "logreg10", … name another L2 (--classifiers).
            _ when name.StartsWith("logreg", StringComparison.Ordinal) => ml.Transforms.NormalizeMeanVariance("Features")
                .Append(ml.MulticlassClassification.Trainers.LbfgsMaximumEntropy(l2Regularization: name.Length == 6 ? 1f : float.Parse(name[6..], System.Globalization.CultureInfo.InvariantCulture))),
            "fasttree" => ml.MulticlassClassification.Trainers.OneVersusAll(ml.BinaryClassification.Trainers.FastTree(numberOfLeaves: 16, numberOfTrees: 100, minimumExampleCountPerLeaf: 2)),
            _ => throw new ArgumentException($"Unknown classifier {name}."),
        };
        ITransformer model = ml.Transforms.Conversion.MapValueToKey("Label", "Class", keyData: ml.Data.LoadFromEnumerable(labels.Distinct().Order(StringComparer.Ordinal).Select(l => new KRow { Class = l })))
            .Append(trainer)
            .Append(ml.Transforms.Conversion.MapKeyToValue("PredictedClass", "PredictedLabel"))
            .Fit(trainView);
        return [.. model.Transform(testView).GetColumn<string>("PredictedClass")];
    }

    /// <summary>Non-finite values become 0 and magnitudes are clipped at 10⁶, so the normaliser's variance stays finite.</summary>
    private static float[] Clean(float[] r) => [.. r.Select(v => float.IsFinite(v) ? Math.Clamp(v, -1e6f, 1e6f) : 0f)];
}
