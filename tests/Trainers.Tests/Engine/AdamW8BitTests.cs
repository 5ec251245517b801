using Microsoft.ML.OnnxRuntime;
using Pipelines.Onnx;
using Pipelines.Onnx.Runtime;
using Xunit;

namespace Pipelines.Trainers.Tests;

/// <summary>8-bit block-wise AdamW: the dynamic map, the note's first-step oracle, loss curves against 32-bit AdamW, state size.</summary>
public class AdamW8BitTests
{
    [Fact]
    public void DynamicMaps_MatchTheBitsandbytesOracle()
    {
        float[] s = DynamicQuantizationMap.Signed, u = DynamicQuantizationMap.Unsigned;
        Assert.Equal(256, s.Length);
        Assert.Equal(256, u.Length);
        Assert.Equal(-0.99296875f, s[0], 6);
        Assert.Equal(0f, s[127]);
        Assert.Equal(5.5e-7f, s[128], 12);
        Assert.Equal(1f, s[255]);
        Assert.Equal(0f, u[0]);
        Assert.Equal(3.25e-7f, u[1], 12);
        Assert.Equal(1f, u[255]);
        Assert.True(s.Zip(s.Skip(1)).All(p => p.First < p.Second), "the signed map is strictly increasing");
        Assert.True(u.Zip(u.Skip(1)).All(p => p.First < p.Second), "the unsigned map is strictly increasing");
    }

    [Fact]
    public void FirstStep_QuantizesLikeTheReference()
    {
        // note §1: one 4-element block, g = [1, −2, 0.5, 0] → m codes [219, 0, 201, 127], v codes [148, 255, 100, 0]
        var b = new GraphBuilder("direct");
        string w = b.Initializer(OnnxTensor.FromFloats("W", new float[4], 4));
        b.Output(b.Op("Identity", w), "y", TensorType.Of(TensorElementType.Float, 4));
        TrainingGraph graph = TrainingGraphBuilder.Build(b.ToModel(), new TrainingGraphOptions
        {
            Loss = new MeanSquaredErrorLoss("y"),
            Trainables = ["W"],
            Optimizer = new AdamW8BitOptimizer(BlockSize: 4),
        });
        using var trainer = new Trainer(graph, new TrainerOptions { Schedule = new ConstantSchedule(0) });
        new float[] { -2, 4, -1, 0 }.CopyTo(trainer.Batch.Get<float>("target"));   // g = 2/4·(w − t) = [1, −2, 0.5, 0]
        trainer.TrainStep();
        Assert.Equal(new byte[] { 219, 0, 201, 127 }, trainer.GetState<byte>("W.adam8_m"));
        Assert.Equal(new byte[] { 148, 255, 100, 0 }, trainer.GetState<byte>("W.adam8_v"));
        Assert.Equal(0.2f, trainer.GetState<float>("W.adam8_m_absmax")[0], 6);
        Assert.Equal(4e-3f, trainer.GetState<float>("W.adam8_v_absmax")[0], 8);

        // every code matches the C# nearest-midpoint rule on the same normalised values
        Assert.Equal(219, DynamicQuantizationMap.Quantize(DynamicQuantizationMap.Signed, 0.1f / 0.2f));
        Assert.Equal(100, DynamicQuantizationMap.Quantize(DynamicQuantizationMap.Unsigned, 2.5e-4f / 4e-3f));
    }

    [Fact]
    public void LossCurve_StaysCloseTo32BitAdamW_AndStateIsAboutFourTimesSmaller()
    {
        (float[] x, long[] y) = TrainingData.Spirals(200, seed: 1);
        double[] Curve(Optimizer optimizer, out long stateBytes)
        {
            TrainingGraph graph = TrainerTests.SpiralGraph(optimizer);
            stateBytes = graph.OptimizerStateBytes;
            using var trainer = new Trainer(graph, new TrainerOptions { BatchSize = 64, Seed = 3, Schedule = new ConstantSchedule(0.01) });
            var losses = new List<double>();
            trainer.Fit(TrainerTests.SpiralSource(x, y), 300, new SynchronousProgress(p => losses.Add(p.Loss)));
            return [.. losses];
        }

        double[] full = Curve(new AdamWOptimizer(), out long fullBytes);
        double[] eight = Curve(new AdamW8BitOptimizer(BlockSize: 64), out long eightBytes);
        Assert.Equal(full.Length, eight.Length);
        for (int i = 0; i < full.Length; i++)
        {
            Assert.True(Math.Abs(full[i] - eight[i]) <= 0.1 * Math.Max(full[i], 0.1), $"report {i}: 32-bit loss {full[i]:F4}, 8-bit {eight[i]:F4}");
        }

        Assert.True(eight[^1] < full[0] / 2, $"8-bit AdamW did not train: {eight[0]:F3} → {eight[^1]:F3}");
        double ratio = (double)fullBytes / eightBytes;
        Assert.True(ratio > 3.0, $"state bytes 32-bit {fullBytes}, 8-bit {eightBytes}, ratio {ratio:F2}");
    }

    [Fact]
    public void StateBytes_OfALargeMatrix_AreAtLeastThreePointFiveTimesSmaller()
    {
        var b = new GraphBuilder("big");
        string xi = b.Input("x", TensorElementType.Float, 2, 512);
        string w = b.Initializer(OnnxTensor.FromFloats("W", new float[512 * 300], 512, 300));
        b.Output(b.Op("MatMul", xi, w), "y", TensorType.Of(TensorElementType.Float, 2, 300));
        long Bytes(Optimizer o) => TrainingGraphBuilder.Build(b.ToModel(), new TrainingGraphOptions { Loss = new MeanSquaredErrorLoss("y"), Trainables = ["W"], Optimizer = o }).OptimizerStateBytes;
        long full = Bytes(new AdamWOptimizer()), eight = Bytes(new AdamW8BitOptimizer());
        Assert.Equal(2L * 4 * 512 * 300, full);
        Assert.Equal((2L * 600 * 256) + (2L * 4 * 600), eight);   // 153,600 elements = 600 blocks of 256
        Assert.True((double)full / eight >= 3.5);
    }

    [Fact]
    public void Requantization_IsTheNearestCode_KeepsTheSign_AndBoundsTheError()
    {
        // 1,000 random gradients over 4 blocks of 256 (the last one padded): after one step with lr 0,
        // m = 0.1·g is quantized in the graph; each code must be the C# nearest-midpoint code of m/absmax
        const int n = 1000, block = 256;
        var rng = new Random(9);
        float[] g = [.. Enumerable.Range(0, n).Select(_ => (float)(Math.Pow(10, (rng.NextDouble() * 6) - 5) * (rng.Next(2) * 2 - 1)))];
        var b = new GraphBuilder("direct");
        string w = b.Initializer(OnnxTensor.FromFloats("W", new float[n], n));
        b.Output(b.Op("Identity", w), "y", TensorType.Of(TensorElementType.Float, n));
        TrainingGraph graph = TrainingGraphBuilder.Build(b.ToModel(), new TrainingGraphOptions
        {
            Loss = new MeanSquaredErrorLoss("y"),
            Trainables = ["W"],
            Optimizer = new AdamW8BitOptimizer(BlockSize: block),
        });
        using var trainer = new Trainer(graph, new TrainerOptions { Schedule = new ConstantSchedule(0) });
        float[] target = [.. g.Select(v => -v * n / 2f)];   // g = 2/n·(w − t)
        target.CopyTo(trainer.Batch.Get<float>("target"));
        trainer.TrainStep();
        byte[] codes = trainer.GetState<byte>("W.adam8_m");
        float[] absmax = trainer.GetState<float>("W.adam8_m_absmax");
        Assert.Equal(4 * block, codes.Length);
        float[] code = DynamicQuantizationMap.Signed;
        float maxHalfGap = code.Zip(code.Skip(1)).Max(p => (p.Second - p.First) / 2);
        for (int i = 0; i < n; i++)
        {
            float m = 0.1f * (2f / n * (0 - target[i]));
            float scale = absmax[i / block];
            Assert.Equal(DynamicQuantizationMap.Quantize(code, m / scale), codes[i]);
            float decoded = code[codes[i]] * scale;
            Assert.True(Math.Sign(decoded) == Math.Sign(m) || decoded == 0 && Math.Abs(m) <= scale * code[128], $"element {i}: m {m}, decoded {decoded}");
            Assert.True(Math.Abs(decoded - m) <= (scale * maxHalfGap * 1.0001f) + 1e-12f, $"element {i}: m {m}, decoded {decoded}");
        }

        Assert.All(codes[n..], c => Assert.Equal(127, c));   // the padding is 0, code 127
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Quantizer_IsExactlyTheMidpointRule_AtEveryMidpointAndDecadeEdge(bool signed)
    {
        // normalised values u (each block holds ±1 first, so absmax = 1 and u = x exactly): every code, every midpoint and
        // the floats one and two steps either side of it, every power of ten down to 1e-9 and its neighbours, 0, and
        // 20,000 log-uniform values over [1e-9, 1]; negatives of all of them for the signed map
        float[] code = signed ? DynamicQuantizationMap.Signed : DynamicQuantizationMap.Unsigned;
        var values = new List<float> { 0f, 1f, 1e-30f, float.Epsilon };
        foreach (float m in DynamicQuantizationMap.Midpoints(code)[..^1].Concat(code))
        {
            values.AddRange([m, MathF.BitIncrement(m), MathF.BitDecrement(m), MathF.BitIncrement(MathF.BitIncrement(m)), MathF.BitDecrement(MathF.BitDecrement(m))]);
        }

        for (int e = -9; e <= 0; e++)
        {
            float p = MathF.Pow(10, e);
            values.AddRange([p, MathF.BitIncrement(p), MathF.BitDecrement(p), 0.1f * p, 0.55f * p]);
        }

        var rng = new Random(5);
        values.AddRange(Enumerable.Range(0, 20_000).Select(_ => (float)Math.Pow(10, -9 * rng.NextDouble())));
        float[] u = [.. values.Where(v => v is >= 0 and <= 1).SelectMany(v => signed ? new[] { v, -v } : [v])];

        const int B = 256;
        int perBlock = B - 1, blocks = ((u.Length + perBlock - 1) / perBlock) + 1;   // the last block stays all zero
        float[] x = new float[blocks * B];
        for (int i = 0; i < u.Length; i++)
        {
            x[((i / perBlock) * B) + 1 + (i % perBlock)] = u[i];
        }

        for (int k = 0; k < blocks - 1; k++)
        {
            x[k * B] = signed && k % 2 == 1 ? -1 : 1;
        }

        var b = new GraphBuilder("quantizer");
        string input = b.Input("x", TensorElementType.Float, blocks, B);
        var step = new OptimizerStep(b, TensorElementType.Float, "lr", "step");
        string[] maps = AdamW8BitOptimizer.Maps(step);
        (string codes, string absmax) = new AdamW8BitOptimizer().Quantize(b, step, input, signed ? maps[..4] : maps[4..], signed, blocks);
        b.Output(codes, "codes");
        b.Output(absmax, "absmax");
        using OnnxSession session = OrtSessions.Create(b.ToModel(), SessionSettings.Default);
        using TensorBatch batch = new TensorBatch().Add("x", x, blocks, B);
        using IDisposableReadOnlyCollection<OrtValue> outputs = session.Run(batch, ["codes", "absmax"]);
        ReadOnlySpan<byte> q = outputs[0].GetTensorDataAsSpan<byte>();
        ReadOnlySpan<float> scale = outputs[1].GetTensorDataAsSpan<float>();
        Assert.Equal(blocks * B, q.Length);
        for (int k = 0; k < blocks - 1; k++)
        {
            Assert.Equal(1f, scale[k]);
        }

        for (int i = 0; i < x.Length; i++)
        {
            float expected = x[i];
            if (q[i] != DynamicQuantizationMap.Quantize(code, expected))
            {
                Assert.Fail($"u = {expected:R} ({BitConverter.SingleToInt32Bits(expected):X8}): graph code {q[i]}, midpoint rule {DynamicQuantizationMap.Quantize(code, expected)}");
            }
        }

        Assert.Equal(1f, scale[blocks - 1]);   // an all-zero block keeps absmax 1 and the zero code
        Assert.Equal(signed ? 127 : 0, q[^1]);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Buckets_HoldAtMostOneMidpointPerNeighbouringPair(bool signed)
    {
        // the candidate's one-code guarantee: a value and the centre of the bucket next to its own span two buckets
        float[] code = signed ? DynamicQuantizationMap.Signed : DynamicQuantizationMap.Unsigned;
        double perLog = DynamicQuantizationMap.Buckets / -DynamicQuantizationMap.LowestLog;
        int[] bucketOf = [.. DynamicQuantizationMap.Midpoints(code)[..^1].Where(m => m > 0).Select(m => (int)Math.Floor((Math.Log(m) - DynamicQuantizationMap.LowestLog) * perLog))];
        Assert.True(bucketOf.Min() > 0, "every positive midpoint lies above the lowest bucket");
        Assert.All(bucketOf.Zip(bucketOf.Skip(1)), p => Assert.True(p.Second - p.First >= 2, $"midpoints in buckets {p.First} and {p.Second}"));
    }

    [Fact]
    public void Quantizer_OnANaNBlock_GivesCodesInsteadOfAnOutOfRangeLookup()
    {
        var b = new GraphBuilder("quantizer");
        string input = b.Input("x", TensorElementType.Float, 2, 4);
        var step = new OptimizerStep(b, TensorElementType.Float, "lr", "step");
        string[] maps = AdamW8BitOptimizer.Maps(step);
        (string codes, _) = new AdamW8BitOptimizer(BlockSize: 4).Quantize(b, step, input, maps[..4], true, 2);
        b.Output(codes, "codes");
        using OnnxSession session = OrtSessions.Create(b.ToModel(), SessionSettings.Default);
        using TensorBatch batch = new TensorBatch().Add("x", new[] { float.NaN, 1, -2, 0, 0.5f, float.PositiveInfinity, -1, 1 }, 2, 4);
        using IDisposableReadOnlyCollection<OrtValue> outputs = session.Run(batch, ["codes"]);
        Assert.Equal(8, outputs[0].GetTensorDataAsSpan<byte>().Length);
    }

    private sealed class SynchronousProgress(Action<TrainingProgress> action) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => action(value);
    }
}
