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

    private static double[] Train(Optimizer optimizer, LearningRateSchedule schedule, int steps, double? clip = null, double? multiplier = null)
    {
        (OnnxModel model, _, double[] x, double[] t) = Problem();
        TrainingGraph graph = TrainingGraphBuilder.Build(model, new TrainingGraphOptions
        {
            Loss = new MeanSquaredErrorLoss("y"),
            Trainables = ["W"],
            Optimizer = optimizer,
            ClipGlobalNorm = clip,
            LearningRateMultipliers = multiplier is { } m ? new Dictionary<string, double> { ["W"] = m } : new Dictionary<string, double>(),
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

    [Theory]
    [InlineData("adamw", 3.0)]
    [InlineData("adamw", 0.25)]
    [InlineData("sgd", 3.0)]
    public void LearningRateMultiplier_m_EqualsTrainingAtRate_m_lr(string kind, double m)
    {
        Optimizer optimizer = kind == "sgd" ? new SgdOptimizer(0.8) { WeightDecay = 0.05 } : new AdamWOptimizer(0.8, 0.95, 1e-6) { WeightDecay = 0.1 };
        double[] scaled = Train(optimizer, new WarmupCosineSchedule(0.02, 3, 10), 10, multiplier: m);
        double[] direct = Train(optimizer, new WarmupCosineSchedule(0.02 * m, 3, 10), 10);
        double[] plain = Train(optimizer, new WarmupCosineSchedule(0.02, 3, 10), 10);
        for (int i = 0; i < scaled.Length; i++)
        {
            Assert.Equal(direct[i], scaled[i], 1e-12);
        }

        Assert.True(scaled.Zip(plain).Max(p => Math.Abs(p.First - p.Second)) > 1e-4, "the multiplier changed nothing");
    }

    [Theory]
    [InlineData("adamw")]
    [InlineData("sgd")]
    public void WeightDecay_AppliesOnlyToTheSelectedParameters(string kind)
    {
        // loss = Σ(W − T)² + Σ(c − u)²: W and c never interact, so each one's trajectory depends only on its own decay
        var b = new GraphBuilder("two");
        string w = b.Initializer(OnnxTensor.FromDoubles("W", [0.5, -1, 2, 0.25, 1.5, -0.75], 2, 3));
        string c = b.Initializer(OnnxTensor.FromDoubles("c", [1, -2, 0.5], 3));
        string tw = b.Initializer(OnnxTensor.FromDoubles("T", [0, 0, 1, 1, 0, 0], 2, 3));
        string tc = b.Initializer(OnnxTensor.FromDoubles("u", [0.5, 0.5, 0.5], 3));
        string dw = b.Op("Sub", w, tw), dc = b.Op("Sub", c, tc);
        string sq(string d) => b.Op("ReduceSum", [b.Op("Mul", d, d)], OnnxAttribute.Int("keepdims", 0));
        b.Output(b.Op("Add", sq(dw), sq(dc)), "loss", TensorType.Of(TensorElementType.Double));
        OnnxModel model = b.ToModel();

        (double[] W, double[] C) Run(double wd, IReadOnlyCollection<string>? decayed)
        {
            Optimizer opt = kind == "sgd" ? new SgdOptimizer(0.5) { WeightDecay = wd } : new AdamWOptimizer { WeightDecay = wd };
            TrainingGraph graph = TrainingGraphBuilder.Build(model, new TrainingGraphOptions
            {
                Loss = new ScalarOutputLoss("loss"),
                Trainables = ["W", "c"],
                Optimizer = opt,
                WeightDecayParameters = decayed,
            });
            using var trainer = new Trainer(graph, new TrainerOptions { Schedule = new ConstantSchedule(0.05) });
            for (int s = 0; s < 8; s++)
            {
                trainer.TrainStep();
            }

            return (trainer.GetState<double>("W"), trainer.GetState<double>("c"));
        }

        (double[] onlyW, double[] cOfOnlyW) = Run(0.5, ["W"]);
        (double[] allW, double[] allC) = Run(0.5, null);
        (double[] noneW, double[] noneC) = Run(0, null);
        Assert.Equal(allW, onlyW);
        Assert.Equal(noneC, cOfOnlyW);
        Assert.NotEqual(noneW, onlyW);
        Assert.NotEqual(noneC, allC);
    }

    [Fact]
    public void ParameterSettings_NamingNoTrainable_AreRejected()
    {
        (OnnxModel model, _, _, _) = Problem();
        var baseOptions = new TrainingGraphOptions { Loss = new MeanSquaredErrorLoss("y"), Trainables = ["W"] };
        var lr = Assert.Throws<ArgumentException>(() => TrainingGraphBuilder.Build(model, baseOptions with { LearningRateMultipliers = new Dictionary<string, double> { ["V"] = 2 } }));
        Assert.Contains("'V'", lr.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => TrainingGraphBuilder.Build(model, baseOptions with { LearningRateMultipliers = new Dictionary<string, double> { ["W"] = 0 } }));
        var wd = Assert.Throws<ArgumentException>(() => TrainingGraphBuilder.Build(model, baseOptions with { WeightDecayParameters = ["b"] }));
        Assert.Contains("'b'", wd.Message, StringComparison.Ordinal);
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

    [Fact]
    public void OrthogonalGradient_Sgd_MatchesReference()
    {
        (_, double[] w, double[] x, double[] t) = Problem();
        double lr = 0.1;
        for (int step = 0; step < 5; step++)
        {
            double[] g = Gradient(w, x, t);
            double wg = w.Zip(g, (a, c) => a * c).Sum(), ww = w.Sum(a => a * a), gn = Math.Sqrt(g.Sum(a => a * a));
            double[] o = [.. g.Select((c, i) => c - (wg / (ww + 1e-30) * w[i]))];
            double on = Math.Sqrt(o.Sum(a => a * a));
            for (int i = 0; i < w.Length; i++)
            {
                w[i] -= lr * o[i] * gn / (on + 1e-30);
            }
        }

        double[] fromGraph = Train(new SgdOptimizer(0) { OrthogonalGradient = true }, new ConstantSchedule(lr), 5);
        for (int i = 0; i < w.Length; i++)
        {
            Assert.Equal(w[i], fromGraph[i], 12);
        }
    }

    [Fact]
    public void OrthogonalGradient_Oracle()
    {
        // w = [1, 0], loss = mean((w − target)²) with target = w − g/ (2/2) → g = [1, 1]: g⊥ = [0, 1] → rescaled [0, √2]
        var b = new GraphBuilder("direct");
        string w = b.Initializer(OnnxTensor.FromDoubles("W", [1, 0], 2));
        b.Output(b.Op("Identity", w), "y", TensorType.Of(TensorElementType.Double, 2));
        TrainingGraph graph = TrainingGraphBuilder.Build(b.ToModel(), new TrainingGraphOptions
        {
            Loss = new MeanSquaredErrorLoss("y"),
            Trainables = ["W"],
            Optimizer = new SgdOptimizer(0) { OrthogonalGradient = true },
        });
        using var trainer = new Trainer(graph, new TrainerOptions { Schedule = new ConstantSchedule(1) });
        new double[] { 0, -1 }.CopyTo(trainer.Batch.Get<double>("target"));   // g = 2/2·(w − t) = [1, 1]
        trainer.TrainStep();
        double[] next = trainer.GetState<double>("W");
        Assert.Equal(1, next[0], 12);
        Assert.Equal(-Math.Sqrt(2), next[1], 12);
    }

    // Stable-SPAM reference (research note §2) with a gradient spike at step 4 and a reset at global step 5 (ΔT = 5)
    [Fact]
    public void StableSpam_MatchesReference()
    {
        (_, double[] w, double[] x, double[] t) = Problem();
        double b1 = 0.8, b2 = 0.95, eps = 1e-8, g1 = 0.7, g2 = 0.9, theta = 0.99, wd = 0.1, lr = 0.05;
        const int steps = 9, interval = 5, spike = 3;
        double[] Target(int step) => step == spike ? [.. t.Select(v => v * 30)] : t;
        double[] m = new double[w.Length], v = new double[w.Length];
        double clipState = 0, mu = 0, nu = 0, tt = 0;
        for (int step = 0; step < steps; step++)
        {
            if ((step + 1) % interval == 0)
            {
                Array.Clear(m);
                Array.Clear(v);
                tt = 0;
            }

            tt++;
            double[] g = Gradient(w, x, Target(step));
            double gmax = g.Max(Math.Abs);
            clipState = (theta * clipState) + ((1 - theta) * gmax);
            double threshold = clipState / (1 - Math.Pow(theta, tt));
            g = [.. g.Select(c => Math.Abs(c) > threshold ? c / gmax * threshold : c)];
            double n = Math.Sqrt(g.Sum(c => c * c));
            mu = (g1 * mu) + ((1 - g1) * n);
            nu = (g2 * nu) + ((1 - g2) * n * n);
            double scaleC = mu / (1 - Math.Pow(g1, tt)) / (Math.Sqrt(nu / (1 - Math.Pow(g2, tt))) + eps);
            g = n > 0 ? [.. g.Select(c => c / n * scaleC)] : g;
            for (int i = 0; i < w.Length; i++)
            {
                w[i] *= 1 - (lr * wd);
                m[i] = (b1 * m[i]) + ((1 - b1) * g[i]);
                v[i] = (b2 * v[i]) + ((1 - b2) * g[i] * g[i]);
                w[i] -= lr / (1 - Math.Pow(b1, tt)) * m[i] / ((Math.Sqrt(v[i]) / Math.Sqrt(1 - Math.Pow(b2, tt))) + eps);
            }
        }

        (OnnxModel model, _, _, _) = Problem();
        TrainingGraph graph = TrainingGraphBuilder.Build(model, new TrainingGraphOptions
        {
            Loss = new MeanSquaredErrorLoss("y"),
            Trainables = ["W"],
            Optimizer = new StableSpamOptimizer(b1, b2, eps, g1, g2, theta, interval) { WeightDecay = wd },
        });
        using var trainer = new Trainer(graph, new TrainerOptions { Schedule = new ConstantSchedule(lr) });
        x.CopyTo(trainer.Batch.Get<double>("x"));
        for (int step = 0; step < steps; step++)
        {
            Target(step).CopyTo(trainer.Batch.Get<double>("target"));
            trainer.TrainStep();
        }

        double[] fromGraph = trainer.GetState<double>("W");
        for (int i = 0; i < w.Length; i++)
        {
            Assert.Equal(w[i], fromGraph[i], 12);
        }

        Assert.Equal(5, trainer.GetState<double>("W.spam_step")[0]);   // reset before k = 5 (t = 1), then k = 6…9 → t = 5
    }

    [Fact]
    public void StableSpam_Oracle_ClipsTheSpikeAndNormalises()
    {
        // note §2: t = 1, g = [3, −4] → fed [0.6, −0.8]; t = 2, g = [30, 0] → clipped to 17.00650, fed [0.941752, 0].
        // With β₁ = 0 and β₂ → 0 the Adam step is lr·ĝ/(|ĝ| + ε) = lr·sign, so check the state instead: μ after step 2.
        var b = new GraphBuilder("direct");
        string w = b.Initializer(OnnxTensor.FromDoubles("W", [0, 0], 2));
        b.Output(b.Op("Identity", w), "y", TensorType.Of(TensorElementType.Double, 2));
        TrainingGraph graph = TrainingGraphBuilder.Build(b.ToModel(), new TrainingGraphOptions
        {
            Loss = new MeanSquaredErrorLoss("y"),
            Trainables = ["W"],
            Optimizer = new StableSpamOptimizer(),
        });
        using var trainer = new Trainer(graph, new TrainerOptions { Schedule = new ConstantSchedule(0) });
        new double[] { -3, 4 }.CopyTo(trainer.Batch.Get<double>("target"));   // g = w − target (lr 0 keeps w = 0)
        trainer.TrainStep();
        Assert.Equal(0.3 * 5, trainer.GetState<double>("W.spam_norm_mean")[0], 12);
        Assert.Equal(0.1 * 0.6, trainer.GetState<double>("W.spam_m")[0], 9);
        new double[] { -30, 0 }.CopyTo(trainer.Batch.Get<double>("target"));
        trainer.TrainStep();
        double threshold = ((0.999 * 0.004) + (0.001 * 30)) / (1 - (0.999 * 0.999));   // 17.00650
        Assert.Equal(17.00650, threshold, 5);
        Assert.Equal((0.7 * 1.5) + (0.3 * threshold), trainer.GetState<double>("W.spam_norm_mean")[0], 9);
        Assert.Equal((0.9 * 0.06) + (0.1 * 0.941752), trainer.GetState<double>("W.spam_m")[0], 6);
    }
}
