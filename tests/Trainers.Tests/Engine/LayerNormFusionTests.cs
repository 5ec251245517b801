using Pipelines.Onnx;
using Xunit;

namespace Pipelines.Trainers.Tests;

/// <summary>
/// The decomposed layer norm of opset-13 exports is fused into LayerNormalization in the train step; the step's gradients
/// equal central finite differences of an independent C# forward (float64).
/// </summary>
public class LayerNormFusionTests
{
    private const int N = 4, H = 6, Out = 3;
    private const double Eps = 1e-5;

    // y = LN(x)·W with LN decomposed as PyTorch exports it before opset 17 (Constant nodes for 2 and ε)
    private static (OnnxModel Model, double[] X, double[] T, double[] Gamma, double[] Beta, double[] W) Problem()
    {
        var rng = new Random(8);
        double[] R(int n) => [.. Enumerable.Range(0, n).Select(_ => (rng.NextDouble() * 2) - 1)];
        double[] x = R(N * H), t = R(N * Out), gamma = R(H), beta = R(H), w = R(H * Out);
        var b = new GraphBuilder("ln");
        string xi = b.Input("x", TensorElementType.Double, N, H);
        string Const(string name, double v)
        {
            b.NodeTo("Constant", [], [name], [OnnxAttribute.Tensor("value", OnnxTensor.FromDoubles(name + "_v", [v]))]);
            return name;
        }

        string mean = b.Op("ReduceMean", [xi], OnnxAttribute.IntList("axes", -1));
        string d = b.Op("Sub", xi, mean);
        string variance = b.Op("ReduceMean", [b.Op("Pow", d, Const("two", 2))], OnnxAttribute.IntList("axes", -1));
        string normalized = b.Op("Div", d, b.Op("Sqrt", b.Op("Add", variance, Const("eps", Eps))));
        string ln = b.Op("Add", b.Op("Mul", normalized, b.Initializer(OnnxTensor.FromDoubles("gamma", gamma, H))), b.Initializer(OnnxTensor.FromDoubles("beta", beta, H)));
        b.Output(b.Op("MatMul", ln, b.Initializer(OnnxTensor.FromDoubles("W", w, H, Out))), "y", TensorType.Of(TensorElementType.Double, N, Out));
        return (b.ToModel(13), x, t, gamma, beta, w);
    }

    // MSE of LN(x)·W against t, in plain C#
    private static double Loss(double[] x, double[] t, double[] gamma, double[] beta, double[] w)
    {
        double sum = 0;
        for (int n = 0; n < N; n++)
        {
            double mu = Enumerable.Range(0, H).Average(i => x[(n * H) + i]);
            double var = Enumerable.Range(0, H).Average(i => Math.Pow(x[(n * H) + i] - mu, 2));
            double[] ln = [.. Enumerable.Range(0, H).Select(i => ((x[(n * H) + i] - mu) / Math.Sqrt(var + Eps) * gamma[i]) + beta[i])];
            for (int o = 0; o < Out; o++)
            {
                double y = Enumerable.Range(0, H).Sum(i => ln[i] * w[(i * Out) + o]);
                sum += Math.Pow(y - t[(n * Out) + o], 2);
            }
        }

        return sum / (N * Out);
    }

    [Fact]
    public void DecomposedLayerNorm_FusedAndGradientsMatchFiniteDifferences()
    {
        (OnnxModel model, double[] x, double[] t, double[] gamma, double[] beta, double[] w) = Problem();
        TrainingGraph graph = TrainingGraphBuilder.Build(model, new TrainingGraphOptions
        {
            Loss = new MeanSquaredErrorLoss("y"),
            Trainables = ["gamma", "beta", "W"],
            Optimizer = new SgdOptimizer(Momentum: 0),
        });
        Assert.Contains(graph.TrainStep.Graph.Nodes, n => n.OpType == "LayerNormalization");
        Assert.DoesNotContain(graph.TrainStep.Graph.Nodes, n => n.OpType == "Pow");
        Assert.DoesNotContain(graph.Forward.Graph.Nodes, n => n.OpType == "LayerNormalization"); // export keeps the model's own ops

        using var trainer = new Trainer(graph, new TrainerOptions { Schedule = new ConstantSchedule(1) });
        x.CopyTo(trainer.Batch.Get<double>("x"));
        t.CopyTo(trainer.Batch.Get<double>("target"));
        double loss = trainer.TrainStep();
        Assert.Equal(Loss(x, t, gamma, beta, w), loss, 1e-12);

        foreach ((string name, double[] p) in new[] { ("gamma", gamma), ("beta", beta), ("W", w) })
        {
            double[] after = trainer.GetState<double>(name);
            for (int i = 0; i < p.Length; i++)
            {
                double keep = p[i];
                const double Step = 1e-6;
                p[i] = keep + Step;
                double up = Loss(x, t, gamma, beta, w);
                p[i] = keep - Step;
                double down = Loss(x, t, gamma, beta, w);
                p[i] = keep;
                Assert.Equal((up - down) / (2 * Step), keep - after[i], 1e-7);
            }
        }
    }
}
