using Pipelines.Onnx.Autodiff;
using Pipelines.Onnx.Runtime;
using Pipelines.Testing;
using Xunit;

namespace Pipelines.Onnx.Tests.Autodiff;

/// <summary>
/// Compares the gradient graph's output with central finite differences of the same graph's loss, in float64.
/// Error per trainable: ‖analytic − numeric‖₂ / max(‖analytic‖₂, ‖numeric‖₂, 1e-9) over the checked entries.
/// </summary>
internal static class GradientCheck
{
    public const double Step = 1e-5;

    /// <summary>
    /// Gradient norms below this count as zero (e.g. a key bias in attention: softmax is shift-invariant, so its true
    /// gradient is 0 and both sides are round-off); the error is then absolute.
    /// </summary>
    public const double ZeroNorm = 1e-9;

    public static double MaxRelativeError(OnnxModel forward, string loss, IReadOnlyList<string> trainables, int maxEntries = 48, int seed = 7, double step = Step)
    {
        GradientGraph gg = GradientBuilder.Build(forward, loss, trainables);
        OnnxModelValidator.Validate(gg.Model, "gradient graph");
        using OnnxSession session = OrtSessions.Create(gg.Model, new SessionSettings { Optimization = GraphOptimization.Basic, IntraOpThreads = 1 });
        double[][] values = gg.Trainables.Select(t => t.ToArray<double>()).ToArray();
        (double _, double[][] grads) = OrtRunner.RunGradientGraph(session, gg, values, withGrads: true);
        var rng = new Random(seed);
        double worst = 0;
        for (int p = 0; p < values.Length; p++)
        {
            int n = values[p].Length;
            int[] entries = n <= maxEntries ? [.. Enumerable.Range(0, n)] : [.. Enumerable.Range(0, maxEntries).Select(_ => rng.Next(n)).Distinct()];
            double diff = 0, na = 0, nn = 0;
            foreach (int i in entries)
            {
                double keep = values[p][i];
                values[p][i] = keep + step;
                double up = OrtRunner.RunGradientGraph(session, gg, values, withGrads: false).Loss;
                values[p][i] = keep - step;
                double down = OrtRunner.RunGradientGraph(session, gg, values, withGrads: false).Loss;
                values[p][i] = keep;
                double numeric = (up - down) / (2 * step);
                double analytic = grads[p][i];
                diff += (analytic - numeric) * (analytic - numeric);
                na += analytic * analytic;
                nn += numeric * numeric;
            }

            double scale = Math.Max(Math.Sqrt(Math.Max(na, nn)), ZeroNorm);
            double err = Math.Sqrt(diff) / scale;
            Assert.True(na > 0 || nn > 0, $"Gradient of '{gg.Trainables[p].Name}' is identically zero on the checked entries; the check would prove nothing.");
            if (Environment.GetEnvironmentVariable("GRADCHECK_VERBOSE") is not null)
            {
                Console.Error.WriteLine($"{gg.Trainables[p].Name}: err {err:E2} norm {Math.Sqrt(na):E2}");
            }

            worst = Math.Max(worst, err);
        }

        return worst;
    }
}

/// <summary>A small float64 graph under construction for a gradient check: trainables get random values.</summary>
internal sealed class GradCase
{
    private readonly Random _rng;
    private readonly List<string> _trainables = [];

    public GradCase(int seed = 1)
    {
        _rng = new Random(seed);
    }

    public GraphBuilder B { get; } = new("gradcheck");

    public Random Rng => _rng;

    public string Param(string name, params long[] dims) => ParamIn(name, -1, 1, dims);

    public string ParamIn(string name, double lo, double hi, params long[] dims)
    {
        string n = Const(name, lo, hi, dims);
        _trainables.Add(n);
        return n;
    }

    public string Const(string name, double lo, double hi, params long[] dims)
    {
        double[] data = new double[OnnxTensor.ElementCountOf(dims)];
        for (int i = 0; i < data.Length; i++)
        {
            data[i] = lo + ((hi - lo) * _rng.NextDouble());
        }

        return B.Initializer(OnnxTensor.FromDoubles(name, data, dims));
    }

    public string Ints(string name, long[] values, params long[] dims) => B.Initializer(OnnxTensor.FromInt64s(name, values, dims));

    public string Op(string op, params string[] inputs) => B.Op(op, inputs);

    public string Op(string op, string[] inputs, params OnnxAttribute[] attrs) => B.Op(op, inputs, attrs);

    /// <summary>loss = Σ y ⊙ R with a random R, so every output element gets a distinct gradient.</summary>
    public string WeightedLoss(string y, long opset = GraphBuilder.DefaultOpset, long[]? dims = null)
    {
        dims ??= ShapeInference.Infer(B.ToModel(opset).Graph)[y].StaticDims();
        string r = Const("R", -1, 1, dims);
        string loss = B.Op("ReduceSum", [B.Op("Mul", y, r)], OnnxAttribute.Int("keepdims", 0));
        B.Output(loss);
        return loss;
    }

    /// <summary>Builds the model with a weighted loss of <paramref name="y"/> and returns the worst relative error.</summary>
    public double Check(string y, long opset = GraphBuilder.DefaultOpset, long[]? dims = null, double step = GradientCheck.Step)
    {
        string loss = WeightedLoss(y, opset, dims);
        return GradientCheck.MaxRelativeError(B.ToModel(opset), loss, _trainables, step: step);
    }

    public double CheckScalar(string loss, long opset = GraphBuilder.DefaultOpset)
    {
        B.Output(loss);
        return GradientCheck.MaxRelativeError(B.ToModel(opset), loss, _trainables);
    }
}
