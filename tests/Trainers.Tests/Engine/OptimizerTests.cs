using Pipelines.Onnx;
using Xunit;

namespace Pipelines.Trainers.Tests;

/// <summary>In-graph optimizers against a C# reference on linear least squares in float64 (closed-form gradient).</summary>
public class OptimizerTests
{
    private const int N = 8, In = 3, Out = 2;

    private static (OnnxModel Model, double[] W0, double[] X, double[] T) Problem()
    {
        var rng = new Random(21);
        double[] R(int n) => [.. Enumerable.Range(0, n).Select(_ => (rng.NextDouble() * 2) - 1)];
        double[] w0 = R(In * Out), x = R(N * In), t = R(N * Out);
        var b = new GraphBuilder("linear");
        string xi = b.Input("x", TensorElementType.Double, N, In);
        string w = b.Initializer(OnnxTensor.FromDoubles("W", w0, In, Out));
        b.Output(b.Op("MatMul", xi, w), "y", TensorType.Of(TensorElementType.Double, N, Out));
        return (b.ToModel(), w0, x, t);
    }

    // MSE = mean((xW − t)²) → dW = 2/(N·Out) · xᵀ(xW − t)
    private static double[] Gradient(double[] w, double[] x, double[] t)
    {
        double[] g = new double[In * Out];
        for (int n = 0; n < N; n++)
        {
            for (int o = 0; o < Out; o++)
            {
                double r = -t[(n * Out) + o];
                for (int i = 0; i < In; i++)
                {
                    r += x[(n * In) + i] * w[(i * Out) + o];
                }

                for (int i = 0; i < In; i++)
                {
                    g[(i * Out) + o] += 2.0 / (N * Out) * x[(n * In) + i] * r;
                }
            }
        }

        return g;
    }

    private static double[] Train(Optimizer optimizer, LearningRateSchedule schedule, int steps, double? clip = null)
    {
        (OnnxModel model, _, double[] x, double[] t) = Problem();
        TrainingGraph graph = TrainingGraphBuilder.Build(model, new TrainingGraphOptions
        {
            Loss = new MeanSquaredErrorLoss("y"),
            Trainables = ["W"],
            Optimizer = optimizer,
            ClipGlobalNorm = clip,
        });
        using var trainer = new Trainer(graph, new TrainerOptions { Schedule = schedule });
        x.CopyTo(trainer.Batch.Get<double>("x"));
        t.CopyTo(trainer.Batch.Get<double>("target"));
        for (int s = 0; s < steps; s++)
        {
            trainer.TrainStep();
        }

        return trainer.GetState<double>("W");
    }

    [Fact]
    public void AdamW_MatchesReference()
    {
        (_, double[] w, double[] x, double[] t) = Problem();
        var schedule = new WarmupCosineSchedule(0.05, 3, 10);
        double b1 = 0.8, b2 = 0.95, eps = 1e-6, wd = 0.1;
        double[] m = new double[w.Length], v = new double[w.Length];
        for (int step = 0; step < 10; step++)
        {
            double[] g = Gradient(w, x, t);
            double lr = schedule.At(step);
            for (int i = 0; i < w.Length; i++)
            {
                m[i] = (b1 * m[i]) + ((1 - b1) * g[i]);
                v[i] = (b2 * v[i]) + ((1 - b2) * g[i] * g[i]);
                double mhat = m[i] / (1 - Math.Pow(b1, step + 1));
                double vhat = v[i] / (1 - Math.Pow(b2, step + 1));
                w[i] -= lr * ((mhat / (Math.Sqrt(vhat) + eps)) + (wd * w[i]));
            }
        }

        double[] fromGraph = Train(new AdamWOptimizer(b1, b2, eps) { WeightDecay = wd }, schedule, 10);
        for (int i = 0; i < w.Length; i++)
        {
            Assert.Equal(w[i], fromGraph[i], 1e-12);
        }
    }

    [Fact]
    public void SgdMomentum_WithClipping_MatchesReference()
    {
        (_, double[] w, double[] x, double[] t) = Problem();
        double mu = 0.9, wd = 0.01, lr = 0.1, clip = 0.05;
        double[] buf = new double[w.Length];
        for (int step = 0; step < 10; step++)
        {
            double[] g = Gradient(w, x, t);
            double norm = Math.Sqrt(g.Sum(d => d * d));
            double scale = Math.Min(1, clip / (norm + 1e-6));
            for (int i = 0; i < w.Length; i++)
            {
                buf[i] = (mu * buf[i]) + (g[i] * scale) + (wd * w[i]);
                w[i] -= lr * buf[i];
            }
        }

        double[] fromGraph = Train(new SgdOptimizer(mu) { WeightDecay = wd }, new ConstantSchedule(lr), 10, clip);
        for (int i = 0; i < w.Length; i++)
        {
            Assert.Equal(w[i], fromGraph[i], 1e-12);
        }
    }

    [Fact]
    public void Schedules_HaveTheirShapes()
    {
        var cosine = new WarmupCosineSchedule(1.0, 10, 110, 0.1);
        Assert.Equal(0.1, cosine.At(0), 12);
        Assert.Equal(1.0, cosine.At(9), 12);
        Assert.Equal(0.55, cosine.At(60), 12);
        Assert.Equal(0.1, cosine.At(500), 12);
        var wsd = new WarmupStableDecaySchedule(2.0, 4, 10, 10, 0.0);
        Assert.Equal(0.5, wsd.At(0), 12);
        Assert.Equal(2.0, wsd.At(13), 12);
        Assert.Equal(1.0, wsd.At(19), 12);
        Assert.Equal(0.0, wsd.At(30), 12);
    }
}
