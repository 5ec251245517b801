using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.ML.OnnxRuntime;
using Pipelines.Onnx;
using Pipelines.Onnx.Runtime;
using Pipelines.Trainers;

namespace Pipelines.Benchmarks;

/// <summary>
/// Per-op profile of a train step from ONNX Runtime's profiler (Chrome-trace JSON: one <c>Node</c> event per kernel run,
/// one <c>model_run</c> event per step): time per op type and phase (forward, backward, loss + optimizer), the top nodes,
/// GFLOP/s of every MatMul/Gemm/FusedMatMul node, and the rate ORT's GEMM (MLAS) reaches on the step's GEMM shapes alone
/// in the same process, as a markdown report.
/// </summary>
internal static class ProfileReport
{
    private static readonly string[] s_gemmOps = ["MatMul", "Gemm", "FusedMatMul", "FusedGemm"];

    // int8 products of the frozen-base step (int8 weights, dynamically quantized activations); their operations are counted apart
    private static readonly string[] s_int8Ops = ["DynamicQuantizeMatMul", "MatMulIntegerToFloat"];

    /// <summary>One node's kernel: its phase, op, input shapes, mean µs per step (warm-up steps left out) and FLOPs per run.</summary>
    private sealed record NodeTime(string Name, string Op, string Phase, string Shapes, double Us, double Flops);

    /// <summary>Reads the profile files under <paramref name="prefix"/> and writes the report to <paramref name="output"/> (stdout when null).</summary>
    /// <param name="prefix">The profile prefix given to the session.</param>
    /// <param name="graph">The training graph that ran (its forward node names tell forward from the rest).</param>
    /// <param name="skip">Leading runs left out (first step: arena growth, pre-packing).</param>
    /// <param name="title">The configuration, for the heading.</param>
    /// <param name="threads">Intra-op threads (for the GEMM reference).</param>
    /// <param name="output">Markdown file, or null for stdout.</param>
    public static void Write(string prefix, TrainingGraph graph, int skip, string title, int threads, string? output)
    {
        string dir = Path.GetDirectoryName(Path.GetFullPath(prefix)) ?? ".";
        string file = Directory.GetFiles(dir, Path.GetFileName(prefix) + "*.json").OrderBy(File.GetLastWriteTimeUtc).Last();
        HashSet<string> forward = ForwardNodes(graph);
        var durations = new Dictionary<string, List<double>>(StringComparer.Ordinal);
        var info = new Dictionary<string, (string Op, long[][] Inputs, long[] Output)>(StringComparer.Ordinal);
        var runs = new List<double>();
        using (FileStream stream = File.OpenRead(file))
        using (JsonDocument doc = JsonDocument.Parse(stream))
        {
            foreach (JsonElement e in doc.RootElement.EnumerateArray())
            {
                string name = e.GetProperty("name").GetString()!;
                string cat = e.GetProperty("cat").GetString()!;
                if (cat == "Session" && name == "model_run")
                {
                    runs.Add(e.GetProperty("dur").GetDouble());
                }
                else if (cat == "Node" && name.EndsWith("_kernel_time", StringComparison.Ordinal) && e.TryGetProperty("args", out JsonElement a))
                {
                    string node = name[..^"_kernel_time".Length];
                    if (!durations.TryGetValue(node, out List<double>? list))
                    {
                        durations[node] = list = [];
                        info[node] = (a.GetProperty("op_name").GetString()!, Shapes(a, "input_type_shape"), Shapes(a, "output_type_shape").FirstOrDefault() ?? []);
                    }

                    list.Add(e.GetProperty("dur").GetDouble());
                }
            }
        }

        var nodes = new List<NodeTime>();
        foreach ((string name, List<double> list) in durations)
        {
            (string op, long[][] inputs, long[] outShape) = info[name];
            List<double> warm = list.Count > skip ? list[skip..] : list;
            nodes.Add(new NodeTime(name, op, Phase(name, forward), string.Join(" ", inputs.Select(s => "[" + string.Join(",", s) + "]")), warm.Average(), Flops(op, inputs, outShape)));
        }

        double kernels = nodes.Sum(n => n.Us);
        List<double> warmRuns = runs.Count > skip ? runs[skip..] : runs;
        double step = warmRuns.Count > 0 ? warmRuns.Average() : kernels;
        var inv = CultureInfo.InvariantCulture;
        var md = new StringBuilder();
        void Line(string s) => md.Append(s).Append('\n');
        Line($"# Per-op profile: {title}");
        Line("");
        Line(string.Create(inv, $"ORT profiler, {warmRuns.Count} steps after {skip} warm-up steps (mean per step); {nodes.Count} kernels per step. Step (model_run) {step / 1000:F1} ms, kernels {kernels / 1000:F1} ms, executor overhead (step − kernels) {(step - kernels) / 1000:F1} ms."));
        Line("");
        double gemmUs = nodes.Where(n => n.Flops > 0).Sum(n => n.Us);
        double gemmFlops = nodes.Sum(n => n.Flops);
        Line(string.Create(inv, $"GEMM nodes (MatMul, Gemm, FusedMatMul): {gemmFlops / 1e9:F2} GFLOP per step in {gemmUs / 1000:F1} ms = **{gemmFlops / gemmUs / 1e3:F1} GFLOP/s**, {100 * gemmUs / kernels:F1} % of kernel time; whole step {gemmFlops / step / 1e3:F1} GFLOP/s."));
        Line("");
        Line("## By phase");
        Line("");
        Line("| phase | ms/step | % of kernels | kernels | GFLOP | GEMM GFLOP/s |");
        Line("|---|---|---|---|---|---|");
        foreach (IGrouping<string, NodeTime> g in nodes.GroupBy(n => n.Phase).OrderByDescending(g => g.Sum(n => n.Us)))
        {
            double us = g.Sum(n => n.Us);
            double f = g.Sum(n => n.Flops);
            double gus = g.Where(n => n.Flops > 0).Sum(n => n.Us);
            Line(string.Create(inv, $"| {g.Key} | {us / 1000:F1} | {100 * us / kernels:F1} | {g.Count()} | {f / 1e9:F2} | {(gus > 0 ? (f / gus / 1e3).ToString("F1", inv) : "")} |"));
        }

        Line("");
        Line("## By op type and phase");
        Line("");
        Line("| op | phase | ms/step | % of kernels | kernels | µs/kernel | GFLOP | GFLOP/s |");
        Line("|---|---|---|---|---|---|---|---|");
        foreach (IGrouping<(string Op, string Phase), NodeTime> g in nodes.GroupBy(n => (n.Op, n.Phase)).OrderByDescending(g => g.Sum(n => n.Us)))
        {
            double us = g.Sum(n => n.Us);
            double f = g.Sum(n => n.Flops);
            Line(string.Create(inv, $"| {g.Key.Op} | {g.Key.Phase} | {us / 1000:F2} | {100 * us / kernels:F1} | {g.Count()} | {us / g.Count():F0} | {(f > 0 ? (f / 1e9).ToString("F2", inv) : "")} | {(f > 0 ? (f / us / 1e3).ToString("F1", inv) : "")} |"));
        }

        Line("");
        Line("## Top 30 nodes");
        Line("");
        Line("| # | node | op | phase | input shapes | ms/step | % | GFLOP/s |");
        Line("|---|---|---|---|---|---|---|---|");
        int rank = 0;
        foreach (NodeTime n in nodes.OrderByDescending(n => n.Us).Take(30))
        {
            Line(string.Create(inv, $"| {++rank} | `{n.Name}` | {n.Op} | {n.Phase} | {n.Shapes} | {n.Us / 1000:F2} | {100 * n.Us / kernels:F1} | {(n.Flops > 0 ? (n.Flops / n.Us / 1e3).ToString("F1", inv) : "")} |"));
        }

        Line("");
        Line($"## GEMM shapes: in the step vs MLAS alone ({threads} thread{(threads == 1 ? "" : "s")})");
        Line("");
        Line("Each (op, M×K×N) of the step grouped; \"alone\" is one MatMul [M, K]·[K, N] with a constant B in a session of its own, same process, same thread count, best of 20 runs.");
        Line("");
        Line("| op | phase | M×K×N | nodes | ms/step | GFLOP/s in step | GFLOP/s alone | step ÷ alone |");
        Line("|---|---|---|---|---|---|---|---|");
        var cache = new Dictionary<(long, long, long), double>();
        foreach (IGrouping<(string Op, string Phase, (long M, long K, long N) Mkn), NodeTime> g in nodes.Where(n => n.Flops > 0)
            .GroupBy(n => (n.Op, n.Phase, Mkn(info[n.Name].Op, info[n.Name].Inputs, info[n.Name].Output))).OrderByDescending(g => g.Sum(n => n.Us)).Take(16))
        {
            double us = g.Sum(n => n.Us);
            double rate = g.Sum(n => n.Flops) / us / 1e3;
            (long m, long k, long nn) = g.Key.Mkn;
            if (!cache.TryGetValue(g.Key.Mkn, out double alone))
            {
                cache[g.Key.Mkn] = alone = g.All(n => !Batched(info[n.Name].Inputs)) ? AloneRate(m, k, nn, threads) : double.NaN;
            }

            string aloneCells = double.IsNaN(alone) ? " |" : string.Create(inv, $" {alone:F1} | {rate / alone:F2}");
            Line(string.Create(inv, $"| {g.Key.Op} | {g.Key.Phase} | {m}×{k}×{nn}{(double.IsNaN(alone) ? " (batched)" : "")} | {g.Count()} | {us / 1000:F2} | {rate:F1} |{aloneCells} |"));
        }

        List<NodeTime> int8 = [.. durations.Keys.Where(n => s_int8Ops.Contains(info[n].Op)).Select(n => nodes.First(x => x.Name == n))];
        if (int8.Count > 0)
        {
            Line("");
            Line($"## int8 products: in the step vs alone ({threads} thread{(threads == 1 ? "" : "s")})");
            Line("");
            double int8Us = int8.Sum(n => n.Us);
            double int8Ops = int8.Sum(n => Int8Ops(info[n.Name].Inputs, info[n.Name].Output));
            Line(string.Create(inv, $"{int8.Count} int8 product kernels (DynamicQuantizeMatMul, MatMulIntegerToFloat): {int8Ops / 1e9:F2} G int8 operations per step in {int8Us / 1000:F1} ms = **{int8Ops / int8Us / 1e3:F1} GOP/s**, {100 * int8Us / kernels:F1} % of kernel time. \"alone\" is one DynamicQuantizeMatMul [M, K]·[K, N] (int8 weights, per-column scales) in a session of its own, best of 20 runs; \"float alone\" the float MatMul of the same shape."));
            Line("");
            Line("| op | phase | M×K×N | nodes | ms/step | GOP/s in step | GOP/s alone | step ÷ alone | float GFLOP/s alone |");
            Line("|---|---|---|---|---|---|---|---|---|");
            var int8Cache = new Dictionary<(long, long, long), (double Int8, double Float)>();
            foreach (IGrouping<(string Op, string Phase, (long M, long K, long N) Mkn), NodeTime> g in int8
                .GroupBy(n => (n.Op, n.Phase, Int8Mkn(info[n.Name].Inputs, info[n.Name].Output))).OrderByDescending(g => g.Sum(n => n.Us)))
            {
                double us = g.Sum(n => n.Us);
                (long m, long k, long nn) = g.Key.Mkn;
                double rate = 2.0 * m * k * nn * g.Count() / us / 1e3;
                if (!int8Cache.TryGetValue(g.Key.Mkn, out (double Int8, double Float) alone))
                {
                    int8Cache[g.Key.Mkn] = alone = (AloneRate(m, k, nn, threads, int8: true), AloneRate(m, k, nn, threads));
                }

                Line(string.Create(inv, $"| {g.Key.Op} | {g.Key.Phase} | {m}×{k}×{nn} | {g.Count()} | {us / 1000:F2} | {rate:F1} | {alone.Int8:F1} | {rate / alone.Int8:F2} | {alone.Float:F1} |"));
            }
        }

        if (output is null)
        {
            Console.Write(md.ToString());
        }
        else
        {
            File.WriteAllText(output, md.ToString());
            Console.Error.WriteLine($"profile report written to {output} (from {file})");
        }
    }

    // the step graph's nodes the loss depends on (the forward pass with its loss; the gradient nodes are "grad_*")
    private static HashSet<string> ForwardNodes(TrainingGraph graph)
    {
        Dictionary<string, OnnxNode> producers = graph.TrainStep.Graph.ProducerMap();
        var names = new HashSet<string>(StringComparer.Ordinal);
        var pending = new Stack<string>([graph.LossOutput]);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        while (pending.TryPop(out string? value))
        {
            if (seen.Add(value) && producers.TryGetValue(value, out OnnxNode? node))
            {
                names.Add(node.Name);
                node.Inputs.ForEach(pending.Push);
            }
        }

        return names;
    }

    // forward: a node of the forward model (or an ORT fusion named after one, "MatMul_632/MatMulScaleFusion/");
    // backward: the gradient builder's "grad_*" nodes; the rest (loss, clipping, optimizer) is "loss+optimizer"
    private static string Phase(string name, HashSet<string> forward)
    {
        string head = name.Split('/')[0];
        return forward.Contains(name) || forward.Contains(head) ? "forward"
            : head.StartsWith("grad_", StringComparison.Ordinal) ? "backward"
            : "loss+optimizer";
    }

    private static long[][] Shapes(JsonElement args, string key) =>
        args.TryGetProperty(key, out JsonElement list)
            ? [.. list.EnumerateArray().Select(o => o.EnumerateObject().Select(p => p.Value.EnumerateArray().Select(d => d.GetInt64()).ToArray()).FirstOrDefault() ?? [])]
            : [];

    // M×K×N of a GEMM node: N the output's last dim, M the output's other dims together; K from B (K·N = B's last two
    // dims) or, when ORT pre-packed B and left it out of the profile, from A (Gemm: A's size ÷ M, whatever transA)
    private static (long M, long K, long N) Mkn(string op, long[][] inputs, long[] output)
    {
        if (inputs.Length >= 2 && inputs[1].Length > 2 && output.Length > 2)
        {
            // batched products (attention): M is one matrix's rows
            (long m0, long k0, long n0) = Mkn(op, [inputs[0], inputs[1][^2..]], output[^2..]);
            return (m0 * (output.Aggregate(1L, (x, y) => x * y) / (output[^1] * output[^2])), k0, n0);
        }

        if (!s_gemmOps.Contains(op) || output.Length == 0 || inputs.Length == 0)
        {
            return (0, 0, 0);
        }

        long n = output[^1];
        long m = output.Aggregate(1L, (x, y) => x * y) / Math.Max(n, 1);
        long k = inputs.Length >= 2 && inputs[1].Length >= 2 ? inputs[1][^1] * inputs[1][^2] / Math.Max(n, 1)
            : inputs.Length >= 2 && inputs[1].Length == 1 ? inputs[1][0]
            : op is "Gemm" or "FusedGemm" ? inputs[0].Aggregate(1L, (x, y) => x * y) / Math.Max(output.Length >= 2 ? output[^2] : 1, 1)
            : inputs[0][^1];
        return (m, k, n);
    }

    private static bool Batched(long[][] inputs) => inputs.Length >= 2 && inputs[1].Length > 2;

    private static double Flops(string op, long[][] inputs, long[] output)
    {
        (long m, long k, long n) = Mkn(op, inputs, output);
        return 2.0 * m * k * n;
    }

    // M×K×N of an int8 product: A [.., K] (float for DynamicQuantizeMatMul, uint8 for MatMulIntegerToFloat), output [.., N]
    // (B is pre-packed and often missing from the profile's shapes)
    private static (long M, long K, long N) Int8Mkn(long[][] inputs, long[] output)
    {
        long n = output.Length > 0 ? output[^1] : 0;
        long m = n > 0 ? output.Aggregate(1L, (x, y) => x * y) / n : 0;
        return (m, inputs.Length > 0 && inputs[0].Length > 0 ? inputs[0][^1] : 0, n);
    }

    private static double Int8Ops(long[][] inputs, long[] output)
    {
        (long m, long k, long n) = Int8Mkn(inputs, output);
        return 2.0 * m * k * n;
    }

    // G(FL)OP/s of one product [M, K]·[K, N] with B a constant, as the frozen weights are, in a session of its own: a float
    // MatMul, or (int8) a DynamicQuantizeMatMul over int8 weights with per-column scales, as the frozen-base step runs it
    private static double AloneRate(long m, long k, long n, int threads, bool int8 = false)
    {
        var rng = new Random(7);
        float[] w = [.. Enumerable.Range(0, (int)(k * n)).Select(_ => (float)(rng.NextDouble() - 0.5))];
        var gb = new GraphBuilder("gemm");
        string x = gb.Input("x", TensorElementType.Float, m, k);
        string y = int8
            ? gb.Node("DynamicQuantizeMatMul", [x,
                gb.Initializer(OnnxTensor.Create<sbyte>("wq", TensorElementType.Int8, [.. w.Select(v => (sbyte)Math.Round(v * 254))], k, n)),
                gb.Initializer(OnnxTensor.FromFloats("s", [.. Enumerable.Repeat(1f / 254, (int)n)], n)),
                gb.Initializer(OnnxTensor.Create<sbyte>("z", TensorElementType.Int8, new sbyte[n], n))], domain: OnnxModel.MicrosoftDomain)[0]
            : gb.Op("MatMul", x, gb.Initializer(OnnxTensor.FromFloats("w", w, k, n)));
        gb.Output(y, "y", TensorType.Of(TensorElementType.Float, m, n));
        using OnnxSession session = OrtSessions.Create(gb.ToModel(), new SessionSettings { IntraOpThreads = threads, InterOpThreads = 1 });
        float[] input = [.. Enumerable.Range(0, (int)(m * k)).Select(_ => (float)(rng.NextDouble() - 0.5))];
        using var value = OrtValue.CreateTensorValueFromMemory(input, [m, k]);
        var inputs = new Dictionary<string, OrtValue> { ["x"] = value };
        double best = double.MaxValue;
        for (int r = 0; r < 23; r++)
        {
            var clock = Stopwatch.StartNew();
            using IDisposableReadOnlyCollection<OrtValue> result = session.RunValues(inputs);
            best = r >= 3 ? Math.Min(best, clock.Elapsed.TotalMicroseconds) : best;
        }

        return 2.0 * m * k * n / best / 1e3;
    }
}
