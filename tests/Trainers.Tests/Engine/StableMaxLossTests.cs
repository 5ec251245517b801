using Pipelines.Onnx;
using Xunit;

namespace Pipelines.Trainers.Tests;

/// <summary>StableMax cross-entropy: the paper's oracle, a C# reference and central finite differences of its gradient.</summary>
public class StableMaxLossTests
{
    private const int N = 5, In = 3, C = 4;

    private static double S(double x) => x >= 0 ? x + 1 : 1 / (1 - x);

    // loss = −mean log(s(z[label]) / Σ s(z)) with z = x·W
    private static double Reference(double[] w, double[] x, long[] labels)
    {
        double total = 0;
        for (int n = 0; n < N; n++)
        {
            double[] z = new double[C];
            for (int c = 0; c < C; c++)
            {
                for (int i = 0; i < In; i++)
                {
                    z[c] += x[(n * In) + i] * w[(i * C) + c];
                }
            }

            total -= Math.Log(S(z[labels[n]]) / z.Sum(S));
        }

        return total / N;
    }

    private static Trainer Create(double[] w, double lr)
    {
        var b = new GraphBuilder("linear");
        string xi = b.Input("x", TensorElementType.Double, N, In);
        string wi = b.Initializer(OnnxTensor.FromDoubles("W", w, In, C));
        b.Output(b.Op("MatMul", xi, wi), "z", TensorType.Of(TensorElementType.Double, N, C));
        TrainingGraph graph = TrainingGraphBuilder.Build(b.ToModel(), new TrainingGraphOptions
        {
            Loss = new StableMaxCrossEntropyLoss("z"),
            Trainables = ["W"],
            Optimizer = new SgdOptimizer(0),
        });
        return new Trainer(graph, new TrainerOptions { Schedule = new ConstantSchedule(lr) });
    }

    private static (double[] W, double[] X, long[] Labels) Problem()
    {
        var rng = new Random(5);
        double[] w = [.. Enumerable.Range(0, In * C).Select(_ => (rng.NextDouble() * 4) - 2)];
        double[] x = [.. Enumerable.Range(0, N * In).Select(_ => (rng.NextDouble() * 2) - 1)];
        long[] labels = [.. Enumerable.Range(0, N).Select(_ => (long)rng.Next(C))];
        return (w, x, labels);
    }

    private static double Loss(double[] w, double[] x, long[] labels, out double[] gradient)
    {
        using Trainer t = Create(w, 1);
        x.CopyTo(t.Batch.Get<double>("x"));
        labels.CopyTo(t.Batch.Get<long>("labels"));
        double loss = t.TrainStep();
        double[] next = t.GetState<double>("W");
        gradient = [.. w.Select((v, i) => v - next[i])];   // SGD with lr 1: W' = W − g
        return loss;
    }

    [Fact]
    public void Loss_MatchesReference()
    {
        (double[] w, double[] x, long[] labels) = Problem();
        Assert.Equal(Reference(w, x, labels), Loss(w, x, labels, out _), 12);
    }

    [Fact]
    public void Gradient_MatchesFiniteDifferences()
    {
        (double[] w, double[] x, long[] labels) = Problem();
        Loss(w, x, labels, out double[] analytic);
        const double h = 1e-6;
        double diff = 0, norm = 0;
        for (int i = 0; i < w.Length; i++)
        {
            double keep = w[i];
            w[i] = keep + h;
            double up = Reference(w, x, labels);
            w[i] = keep - h;
            double down = Reference(w, x, labels);
            w[i] = keep;
            double numeric = (up - down) / (2 * h);
            diff += (numeric - analytic[i]) * (numeric - analytic[i]);
            norm += numeric * numeric;
        }

        Assert.True(norm > 1e-6, "the gradient is zero; the check proves nothing");
        Assert.True(Math.Sqrt(diff / norm) < 1e-6, $"relative error {Math.Sqrt(diff / norm):E2}");
    }

    [Fact]
    public void Oracle_FromTheNote()
    {
        // x = [0, 1, −1] → s = [1, 2, 0.5] → p = [2/7, 4/7, 1/7]; with label 1 the loss is −log(4/7)
        var b = new GraphBuilder("direct");
        string z = b.Input("z0", TensorElementType.Double, 1, 3);
        string bias = b.Initializer(OnnxTensor.FromDoubles("bias", [0, 0, 0], 1, 3));
        b.Output(b.Op("Add", z, bias), "z", TensorType.Of(TensorElementType.Double, 1, 3));
        TrainingGraph graph = TrainingGraphBuilder.Build(b.ToModel(), new TrainingGraphOptions
        {
            Loss = new StableMaxCrossEntropyLoss("z"),
            Trainables = ["bias"],
            Optimizer = new SgdOptimizer(0),
        });
        using var trainer = new Trainer(graph, new TrainerOptions { Schedule = new ConstantSchedule(1) });
        new double[] { 0, 1, -1 }.CopyTo(trainer.Batch.Get<double>("z0"));
        trainer.Batch.Get<long>("labels")[0] = 1;
        Assert.Equal(-Math.Log(4.0 / 7), trainer.TrainStep(), 12);

        // d/dz: label x=1 ≥ 0: s' = 1 → −1/s + 1/Σ = −1/2 + 2/7; x=0: 1/Σ = 2/7; x=−1: s' = 1/(1−x)² = 1/4 → (1/4)/(7/2) = 1/14
        double[] bNext = trainer.GetState<double>("bias");
        Assert.Equal(2.0 / 7, -bNext[0], 12);
        Assert.Equal(-0.5 + (2.0 / 7), -bNext[1], 12);
        Assert.Equal(1.0 / 14, -bNext[2], 12);
    }

    [Fact]
    public void FineTuneOptions_RefuseClassWeightsWithStableMax()
    {
        var options = new Pipelines.Trainers.TextClassification.FineTuneOptions { Loss = ClassificationLoss.StableMax, ClassWeights = [1f, 2f] };
        ArgumentException e = Assert.ThrowsAny<ArgumentException>(options.Validate);
        Assert.Contains("class weights", e.Message, StringComparison.Ordinal);
        (options with { ClassWeights = null }).Validate();
    }
}
