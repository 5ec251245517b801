using Pipelines.Onnx;
using Pipelines.Onnx.Runtime;

/// <summary>
/// What ORT runs: op-type counts of the float model and of an artifact after ORT's graph optimizations (the session's
/// optimized model written to disk), side by side — fusions lost by a quantized graph show up as extra small ops.
/// </summary>
internal static class OptimizedGraphTable
{
    public static void Run(string floatPath, string artifactPath, string outDir)
    {
        Dictionary<string, int> Count(string path, string name)
        {
            string optimized = Path.Combine(outDir, name + ".optimized.onnx");
            using (OrtSessions.Create(path, new SessionSettings { Optimization = GraphOptimization.All, IntraOpThreads = 1, InterOpThreads = 1, OptimizedModelPath = optimized }))
            {
            }

            return OnnxModelIO.Load(optimized).Graph.Nodes.GroupBy(n => n.OpType).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        }

        Dictionary<string, int> f = Count(floatPath, "float");
        Dictionary<string, int> q = Count(artifactPath, Path.GetFileNameWithoutExtension(artifactPath));
        Console.WriteLine("| op | float | artifact |");
        Console.WriteLine("|---|---|---|");
        foreach (string op in f.Keys.Union(q.Keys).Order(StringComparer.Ordinal))
        {
            Console.WriteLine($"| {op} | {f.GetValueOrDefault(op)} | {q.GetValueOrDefault(op)} |");
        }
    }
}
