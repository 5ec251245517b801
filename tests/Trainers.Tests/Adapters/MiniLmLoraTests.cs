using System.Runtime.InteropServices;
using Pipelines.Onnx;
using Pipelines.Onnx.Adapters;
using Pipelines.Onnx.Autodiff;
using Pipelines.Onnx.Runtime;
using Pipelines.Testing;
using Pipelines.Transforms.LowRank;
using Xunit;

namespace Pipelines.Trainers.Tests;

/// <summary>LoRA-style adapters on all 36 MatMul weights of all-MiniLM-L6-v2 (the real PyTorch-exported graph).</summary>
public class MiniLmLoraTests
{
    private static readonly long[] s_ids = [101, 1996, 4248, 2829, 4419, 2058, 1996, 102, 101, 1045, 2293, 2023, 3185, 102, 0, 0];
    private static readonly long[] s_mask = [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0];

    /// <summary>LoRA on all 36 MatMuls through the one initializer (A Kaiming-uniform, B = 0; B random when asked, so gradients reach A).</summary>
    private static (OnnxModel Model, IReadOnlyList<(string A, string B)> Adapters) WithAdapters(bool randomB)
    {
        AdaptedModel adapted = LowRankInitializer.Initialize(MiniLm.Shared, new LowRankOptions { Method = LowRankMethod.Lora, Rank = 2, Alpha = 4, Seed = 1 });
        IReadOnlyList<AdapterGraphEntry> entries = AdapterGraphEntry.Read(adapted.Model);
        Assert.Equal(36, entries.Count);
        if (randomB)
        {
            var rng = new Random(1);
            foreach (AdapterGraphEntry e in entries)
            {
                OnnxTensor b = adapted.Model.Graph.FindInitializer(e.LoraB)!;
                float[] values = [.. Enumerable.Range(0, (int)b.ElementCount).Select(_ => (float)((rng.NextDouble() * 2) - 1) * 0.5f)];
                b.ReplaceData(MemoryMarshal.AsBytes(values.AsSpan()).ToArray());
            }
        }

        return (adapted.Model, [.. entries.Select(e => (e.LoraA, e.LoraB))]);
    }

    [Fact]
    public void AdapterGradients_OnAll36MatMuls_MatchFiniteDifferences()
    {
        // float64 copy of the adapted model; the batch becomes constant; loss = Σ last_hidden_state ⊙ R
        (OnnxModel adapted, IReadOnlyList<(string A, string B)> adapters) = WithAdapters(randomB: true);
        OnnxModel model = DoublePrecision.Convert(adapted);
        const int Batch = 1, Seq = 8;
        var b = new GraphBuilder(model.Graph);
        model.Graph.Inputs.Clear();
        model.Graph.Initializers.Add(OnnxTensor.FromInt64s("input_ids", s_ids[..Seq], Batch, Seq));
        model.Graph.Initializers.Add(OnnxTensor.FromInt64s("attention_mask", s_mask[..Seq], Batch, Seq));
        model.Graph.Initializers.Add(OnnxTensor.FromInt64s("token_type_ids", new long[Seq], Batch, Seq));
        var rng = new Random(3);
        string r = b.Initializer(OnnxTensor.FromDoubles("R", [.. Enumerable.Range(0, Batch * Seq * 384).Select(_ => rng.NextDouble() - 0.5)], Batch, Seq, 384));
        string loss = b.Op("ReduceSum", [b.Op("Mul", "last_hidden_state", r)], OnnxAttribute.Int("keepdims", 0));
        model.Graph.Outputs.Clear();
        b.Output(loss);

        string[] trainables = [.. adapters.SelectMany(a => new[] { a.A, a.B })];
        GradientGraph gg = GradientBuilder.Build(model, loss, trainables);
        double[][] values = [.. gg.Trainables.Select(t => t.ToArray<double>())];
        double[][] grads;
        using (OnnxSession full = OrtSessions.Create(gg.Model, new SessionSettings { Optimization = GraphOptimization.Basic }))
        {
            grads = OrtRunner.RunGradientGraph(full, gg, values, withGrads: true).Grads;
        }

        // finite differences on the loss alone (ORT drops the gradient nodes that feed no output)
        OnnxModel lossOnly = gg.Model.Clone();
        lossOnly.Graph.Outputs.RemoveAll(o => o.Name != loss);
        using OnnxSession session = OrtSessions.Create(lossOnly, new SessionSettings { Optimization = GraphOptimization.Basic });

        // one sampled entry per adapter tensor (A and B of 36 adapters)
        const double H = 1e-5;
        double worst = 0;
        string worstName = "";
        for (int p = 0; p < values.Length; p++)
        {
            double diff = 0, norm = 0;
            foreach (int i in new[] { rng.Next(values[p].Length) })
            {
                double keep = values[p][i];
                values[p][i] = keep + H;
                double up = OrtRunner.RunGradientGraph(session, gg, values, false).Loss;
                values[p][i] = keep - H;
                double down = OrtRunner.RunGradientGraph(session, gg, values, false).Loss;
                values[p][i] = keep;
                double numeric = (up - down) / (2 * H);
                diff += Math.Pow(numeric - grads[p][i], 2);
                norm += Math.Max(numeric * numeric, grads[p][i] * grads[p][i]);
            }

            double err = Math.Sqrt(diff) / Math.Max(Math.Sqrt(norm), 1e-9);
            if (Environment.GetEnvironmentVariable("GRADCHECK_VERBOSE") is not null)
            {
                Console.Error.WriteLine($"{gg.Trainables[p].Name}: err {err:E2} norm {Math.Sqrt(norm):E2}");
            }

            if (err > worst)
            {
                (worst, worstName) = (err, gg.Trainables[p].Name);
            }
        }

        Assert.True(worst <= 1e-6, $"worst relative error {worst:E2} at '{worstName}'");
    }

    [Fact]
    public void HundredSteps_OfAdapterTraining_DriveTheLossDown()
    {
        (OnnxModel adapted, IReadOnlyList<(string A, string B)> adapters) = WithAdapters(randomB: false);
        TrainingGraph graph = TrainingGraphBuilder.Build(adapted, new TrainingGraphOptions
        {
            Loss = new MeanSquaredErrorLoss("last_hidden_state"),
            Trainables = [.. adapters.SelectMany(a => new[] { a.A, a.B })],
            Optimizer = new AdamWOptimizer(),
        });
        const int Batch = 2, Seq = 8;
        using var trainer = new Trainer(graph, new TrainerOptions
        {
            Schedule = new ConstantSchedule(2e-3),
            BatchShapes = new Dictionary<string, long[]>
            {
                ["input_ids"] = [Batch, Seq],
                ["attention_mask"] = [Batch, Seq],
                ["token_type_ids"] = [Batch, Seq],
                ["target"] = [Batch, Seq, 384],
            },
        });
        s_ids.CopyTo(trainer.Batch.Get<long>("input_ids"));
        s_mask.CopyTo(trainer.Batch.Get<long>("attention_mask"));

        // target: the base model's output for the two sentences with their token order reversed (a real, reachable-ish shift)
        var rng = new Random(5);
        Span<float> target = trainer.Batch.Get<float>("target");
        for (int i = 0; i < target.Length; i++)
        {
            target[i] = (float)(rng.NextDouble() - 0.5);
        }

        double first = trainer.TrainStep();
        for (int s = 1; s < 100; s++)
        {
            trainer.TrainStep();
        }

        Assert.True(trainer.LastLoss < first * 0.9, $"loss {first:F4} → {trainer.LastLoss:F4} after 100 steps");
    }
}
