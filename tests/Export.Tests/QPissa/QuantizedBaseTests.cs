using Microsoft.ML.OnnxRuntime;
using Pipelines.Export.QPissa;
using Pipelines.Export.Quantization;
using Pipelines.Onnx;
using Pipelines.Onnx.Adapters;
using Pipelines.Onnx.Autodiff;
using Pipelines.Onnx.Runtime;
using Pipelines.Trainers;
using Pipelines.Transforms.LowRank;

namespace Pipelines.Export.Tests.QPissa;

/// <summary>
/// Training over a block-wise int4 base: the train step on the int4 graph equals the step on the float graph holding the
/// dequantized weights, its gradients match finite differences, and the base stays codes (no float copy, no gradient).
/// </summary>
public sealed class QuantizedBaseTests
{
    private const int Hidden = 32;
    private const int Batch = 5;
    private static readonly QuantizationOptions s_base = QuantizedBase.DefaultOptions with { BlockSize = 16 };

    // x [batch, 32] → tanh(x·W0 + b0) → ·W1 → y; loss = mean(tanh(y)·y); names as a transformer's so all-linear targets them
    private static OnnxModel Encoder()
    {
        var rng = new Random(3);
        float[] Rand(int n, float scale) => [.. Enumerable.Range(0, n).Select(_ => (float)((rng.NextDouble() * 2) - 1) * scale)];
        var b = new GraphBuilder("tiny");
        string x = b.Input("x", TensorElementType.Float, "batch", Hidden);
        string w0 = b.Initializer(OnnxTensor.FromFloats("encoder.layer.0.dense.weight", Rand(Hidden * Hidden, 0.4f), Hidden, Hidden));
        string b0 = b.Initializer(OnnxTensor.FromFloats("encoder.layer.0.dense.bias", Rand(Hidden, 0.1f), Hidden));
        string w1 = b.Initializer(OnnxTensor.FromFloats("encoder.layer.1.dense.weight", Rand(Hidden * Hidden, 0.4f), Hidden, Hidden));
        string h = b.Op("Tanh", b.Op("Add", b.Op("MatMul", x, w0), b0));
        string y = b.Op("MatMul", h, w1);
        b.Output(y, "y", TensorType.Of(TensorElementType.Float, "batch", Hidden));
        b.Output(b.Op("ReduceMean", [b.Op("Mul", b.Op("Tanh", y), y)], OnnxAttribute.Int("keepdims", 0)), "loss", TensorType.Of(TensorElementType.Float));
        return b.ToModel();
    }

    private static OnnxModel Adapted(LowRankMethod method) => LowRankInitializer.Initialize(Encoder(), new LowRankOptions
    {
        Method = method,
        Rank = 4,
        QuantizeBase = true,
        LoftQ = new LoftQOptions { RoundTrip = QuantizedBase.RoundTrip(s_base), Iterations = 2 },
        Seed = 1,
    }).Model;

    private static float[] Input() => [.. Enumerable.Range(0, Batch * Hidden).Select(i => MathF.Sin(i * 0.37f))];

    private static string[] Adapters(OnnxModel model) => [.. AdapterGraphEntry.Read(model).SelectMany(e => new[] { e.LoraA, e.LoraB })];

    // ORT fuses DequantizeLinear + MatMul into MatMulNBits when it loads the graph, by default with int8 activations
    // (accuracy level 4); level 0 computes in float, where the int4 graph must equal the float one on deq(W_q).
    [Theory]
    [InlineData(LowRankMethod.Lora, "0", 1e-6)]
    [InlineData(LowRankMethod.Pissa, "0", 1e-6)]
    [InlineData(LowRankMethod.LoftQ, "0", 1e-6)]
    [InlineData(LowRankMethod.Pissa, null, 2e-3)]
    public void TrainStepOnInt4BaseEqualsTheStepOnTheDequantizedFloatBase(LowRankMethod method, string? accuracyLevel, double tolerance)
    {
        var session = new SessionSettings
        {
            IntraOpThreads = 1,
            ConfigEntries = accuracyLevel is null ? new Dictionary<string, string>() : new Dictionary<string, string> { [QuantizedBase.AccuracyLevelConfigKey] = accuracyLevel },
        };
        OnnxModel quantized = QuantizedBase.Quantize(Adapted(method), s_base);
        OnnxModel dequantized = QuantizedBase.Dequantize(quantized);
        Assert.Equal(2, quantized.Graph.Nodes.Count(n => n.OpType == "DequantizeLinear"));
        Assert.DoesNotContain(dequantized.Graph.Nodes, n => n.OpType == "DequantizeLinear");
        string[] trainables = Adapters(quantized);

        var results = new List<(double Loss, float[][] State)>();
        foreach (OnnxModel model in new[] { quantized, dequantized })
        {
            TrainingGraph graph = TrainingGraphBuilder.Build(model, new TrainingGraphOptions
            {
                Loss = new ScalarOutputLoss("loss"),
                Trainables = trainables,
                Optimizer = new SgdOptimizer(0),
            });
            using var trainer = new Trainer(graph, new TrainerOptions { Schedule = new ConstantSchedule(0.5), BatchInputs = BatchInputMode.PerStepValues, Session = session });
            using var batch = new TensorBatch();
            batch.Add("x", Input(), Batch, Hidden);
            double loss = trainer.TrainStep(batch);
            results.Add((loss, [.. trainables.Select(trainer.GetState<float>)]));
            if (model == quantized)
            {
                // the frozen base stays 4-bit codes: no float copy of a base weight, and no gradient or update of the codes
                Assert.DoesNotContain(graph.TrainStep.Graph.Initializers, t => t.Name.EndsWith("dense.weight", StringComparison.Ordinal));
                Assert.Equal(2, graph.TrainStep.Graph.Initializers.Count(t => t.ElementType == TensorElementType.UInt4 && t.Dims.Length == 2 && t.Dims[0] == Hidden));
                Assert.All(graph.State, s => Assert.Equal(TensorElementType.Float, s.Initial.ElementType));
            }
        }

        Assert.True(Math.Abs(results[1].Loss - results[0].Loss) <= tolerance * Math.Abs(results[1].Loss), $"loss {results[0].Loss} on int4 vs {results[1].Loss} on float");
        for (int i = 0; i < trainables.Length; i++)
        {
            // one SGD step at lr 0.5: the updated adapters carry the gradient, so equal states mean equal gradients
            QuantTestModels.AssertClose(results[1].State[i], results[0].State[i], (float)(tolerance * 10));
        }
    }

    [Fact]
    public void GradientsThroughTheDequantizedBaseMatchFiniteDifferences()
    {
        // layer 0's adapters reach the loss only through layer 1's dequantized weight (the input gradient of its MatMul)
        OnnxModel quantized = QuantizedBase.Quantize(Adapted(LowRankMethod.Pissa), s_base);
        string[] trainables = Adapters(quantized);
        GradientGraph gg = GradientBuilder.Build(quantized, "loss", trainables);
        Assert.DoesNotContain(gg.Gradients.Keys, k => gg.Model.Graph.FindInitializer(k)?.ElementType == TensorElementType.UInt4);
        using OnnxSession session = OrtSessions.Create(gg.Model, new SessionSettings { IntraOpThreads = 1 });
        float[][] values = [.. gg.Trainables.Select(t => t.ToArray<float>())];
        float[] x = Input();

        (double Loss, float[][] Grads) Run(bool grads)
        {
            var inputs = new Dictionary<string, OrtValue> { ["x"] = OrtValue.CreateTensorValueFromMemory(x, [Batch, Hidden]) };
            for (int p = 0; p < values.Length; p++)
            {
                inputs[gg.Trainables[p].Name] = OrtValue.CreateTensorValueFromMemory(values[p], gg.Trainables[p].Dims);
            }

            try
            {
                string[] outputs = grads ? [gg.Loss, .. gg.Trainables.Select(t => gg.Gradients[t.Name])] : [gg.Loss];
                using IDisposableReadOnlyCollection<OrtValue> r = session.RunValues(inputs, outputs);
                return (r[0].GetTensorDataAsSpan<float>()[0], grads ? [.. r.Skip(1).Select(v => v.GetTensorDataAsSpan<float>().ToArray())] : []);
            }
            finally
            {
                foreach (OrtValue v in inputs.Values)
                {
                    v.Dispose();
                }
            }
        }

        float[][] analytic = Run(grads: true).Grads;
        const float h = 1e-2f;
        var rng = new Random(5);
        for (int p = 0; p < values.Length; p++)
        {
            double diff = 0, norm = 0;
            foreach (int i in Enumerable.Range(0, 12).Select(_ => rng.Next(values[p].Length)).Distinct())
            {
                float keep = values[p][i];
                values[p][i] = keep + h;
                double up = Run(grads: false).Loss;
                values[p][i] = keep - h;
                double down = Run(grads: false).Loss;
                values[p][i] = keep;
                double numeric = (up - down) / (2 * h);
                diff += (numeric - analytic[p][i]) * (numeric - analytic[p][i]);
                norm += numeric * numeric;
            }

            Assert.True(norm > 1e-12, $"{gg.Trainables[p].Name}: the finite-difference gradient is zero; the check would prove nothing.");
            Assert.True(Math.Sqrt(diff / norm) < 2e-2, $"{gg.Trainables[p].Name}: relative gradient error {Math.Sqrt(diff / norm):E2}");
        }
    }

    [Fact]
    public void QuantizedBaseIsTheRoundTripTheInitialisationSaw()
    {
        // QLoRA keeps W: deq(codes) must equal the quantizer round trip of W bit for bit
        OnnxModel plain = Encoder();
        OnnxModel quantized = QuantizedBase.Quantize(Adapted(LowRankMethod.Lora), s_base);
        OnnxModel dequantized = QuantizedBase.Dequantize(quantized);
        foreach (string name in new[] { "encoder.layer.0.dense.weight", "encoder.layer.1.dense.weight" })
        {
            var w = Pipelines.Numerics.LinearAlgebra.Matrix.FromSpan(Hidden, Hidden, plain.Graph.FindInitializer(name)!.AsSpan<float>());
            float[] expected = QuantizedBase.RoundTrip(s_base)(w).Data;
            Assert.Equal(expected, dequantized.Graph.FindInitializer(name)!.ToArray<float>());
        }

        // int4 bytes: codes K·N/2 plus scales and zero points per block of 16 (about 1/8 of float at block 32)
        long floatBytes = 2L * Hidden * Hidden * 4;
        long codeBytes = quantized.Graph.Initializers.Where(t => t.ElementType == TensorElementType.UInt4 || t.Name.EndsWith("_scales", StringComparison.Ordinal)).Sum(t => t.ByteCount);
        Assert.True(codeBytes * 4 < floatBytes, $"{codeBytes} int4 bytes vs {floatBytes} float bytes");
    }

    [Fact]
    public void RefusesAnotherFormat() =>
        Assert.Throws<ArgumentException>(() => QuantizedBase.Quantize(Encoder(), new QuantizationOptions { Format = ExportFormat.Int4 }));
}
