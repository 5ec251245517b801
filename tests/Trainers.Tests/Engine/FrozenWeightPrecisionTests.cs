using Pipelines.Onnx;
using Pipelines.Testing;
using Xunit;

namespace Pipelines.Trainers.Tests;

/// <summary>
/// Int8 frozen-weight compute (<see cref="FrozenWeightPrecision.Int8"/>): the rewritten train step computes the same
/// gradients as the float graph within the quantization error, keeps adapters float, and leaves eval/export float.
/// </summary>
public class FrozenWeightPrecisionTests
{
    private const int Batch = 3, Seq = 8, In = 64, Hidden = 96, Out = 48, Rank = 4;

    // y = tanh(x·W1 + x·A1·B1)·W2 + (…)·A2·B2 with frozen W1 [64, 96], W2 [96, 48] and rank-4 adapters; x of rank 3 (the
    // backward product through W2 is a MatMul with Transpose(W2)) or rank 2 (a Gemm with transB)
    private static (OnnxModel Model, float[] X, float[] T) Problem(bool rank3) => TinyModels.TwoLayerLora(5, Batch, Seq, In, Hidden, Out, Rank, rank3);

    private static readonly string[] s_trainables = ["W1.A", "W1.B", "W2.A", "W2.B"];

    private static TrainingGraph Build(OnnxModel model, FrozenWeightPrecision precision) => TrainingGraphBuilder.Build(model, new TrainingGraphOptions
    {
        Loss = new MeanSquaredErrorLoss("y"),
        Trainables = s_trainables,
        Optimizer = new SgdOptimizer(Momentum: 0),
        FrozenWeights = precision,
    });

    // one plain SGD step at lr 1: g = p₀ − p₁ for every trainable, concatenated
    private static (double Loss, float[] Gradient) Gradient(TrainingGraph graph, float[] x, float[] t)
    {
        using var trainer = new Trainer(graph, new TrainerOptions { Schedule = new ConstantSchedule(1) });
        x.CopyTo(trainer.Batch.Get<float>("x"));
        t.CopyTo(trainer.Batch.Get<float>("target"));
        float[][] before = [.. s_trainables.Select(trainer.GetState<float>)];
        double loss = trainer.TrainStep();
        return (loss, [.. s_trainables.SelectMany((n, i) => before[i].Zip(trainer.GetState<float>(n), (p0, p1) => p0 - p1))]);
    }

    private static double RelativeError(float[] a, float[] b) =>
        Math.Sqrt(a.Zip(b, (p, q) => (double)(p - q) * (p - q)).Sum() / b.Sum(q => (double)q * q));

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Int8_GradientsMatchFloatWithinQuantizationError(bool rank3)
    {
        (OnnxModel model, float[] x, float[] t) = Problem(rank3);
        (double loss32, float[] g32) = Gradient(Build(model, FrozenWeightPrecision.Float32), x, t);
        TrainingGraph int8 = Build(model, FrozenWeightPrecision.Int8);
        (double loss8, float[] g8) = Gradient(int8, x, t);

        // forward x·W1, h·W2 and the backward G·W2ᵀ (x is not trained, so no G·W1ᵀ) run on int8 weights
        Assert.Equal(3, int8.TrainStep.Graph.Nodes.Count(n => n.OpType == "MatMulInteger"));
        Assert.DoesNotContain(int8.TrainStep.Graph.Initializers, i => i.Name is "W1" or "W2");
        Assert.All(int8.TrainStep.Graph.Initializers.Where(i => i.Name.StartsWith("W", StringComparison.Ordinal) && i.ElementType == TensorElementType.Int8), i => Assert.Equal(2, i.Dims.Length));

        // 8-bit weights and activations: ≈ 1 % per product; the gradient passes through three of them
        Assert.InRange(Math.Abs(loss8 - loss32) / loss32, 0, 0.02);
        double error = RelativeError(g8, g32);
        Assert.InRange(error, 1e-6, 0.05);
    }

    [Fact]
    public void Int8_LeavesEvalAndExportFloat()
    {
        (OnnxModel model, _, _) = Problem(rank3: true);
        TrainingGraph int8 = Build(model, FrozenWeightPrecision.Int8);
        Assert.DoesNotContain(int8.Eval.Graph.Nodes, n => n.OpType == "MatMulInteger");
        Assert.Equal(TensorElementType.Float, int8.Forward.Graph.FindInitializer("W1")!.ElementType);
        using var trainer = new Trainer(int8);
        Assert.Equal(model.Graph.FindInitializer("W2")!.RawData, trainer.ExportInferenceModel().Graph.FindInitializer("W2")!.RawData);
    }

    [Fact]
    public void Quantize_RoundTripsWithinHalfAStepPerColumn()
    {
        var rng = new Random(3);
        float[] w = [.. Enumerable.Range(0, 40 * 24).Select(i => (float)((rng.NextDouble() - 0.5) * (1 + (i % 24))))];
        var tensor = OnnxTensor.FromFloats("w", w, 40, 24);
        foreach (bool transposed in new[] { false, true })
        {
            var b = new GraphBuilder("q");
            (string qName, string sName) = FrozenWeightQuantization.Quantize(b, tensor, transposed);
            sbyte[] q = b.Graph.FindInitializer(qName)!.ToArray<sbyte>();
            float[] s = b.Graph.FindInitializer(sName)!.ToArray<float>();
            (int k, int n) = transposed ? (24, 40) : (40, 24);
            Assert.Equal(n, s.Length);
            for (int i = 0; i < k; i++)
            {
                for (int j = 0; j < n; j++)
                {
                    float original = transposed ? w[(j * 24) + i] : w[(i * 24) + j];
                    Assert.InRange(q[(i * n) + j], -127, 127);
                    Assert.InRange(Math.Abs((q[(i * n) + j] * s[j]) - original), 0, (s[j] / 2) + 1e-6);
                }
            }

            // the largest magnitude of each column maps to ±127
            Assert.All(Enumerable.Range(0, n), j => Assert.Contains(Enumerable.Range(0, k), i => Math.Abs((int)q[(i * n) + j]) == 127));
        }
    }
}
