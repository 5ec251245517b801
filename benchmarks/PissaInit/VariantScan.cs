using System.Diagnostics;
using System.Globalization;
using Pipelines.Numerics.LinearAlgebra;
using Pipelines.Onnx;
using Pipelines.Transforms.LowRank;

namespace Pipelines.Benchmarks.PissaInit;

/// <summary>
/// <c>--variants R</c>: the range-finder settings of <see cref="LowRankInitializer.Initialize"/> (PiSSA-fast, all 36
/// MiniLM MatMuls, one thread, seed 3) side by side without torch: the variants run interleaved, <c>reps</c> rounds, and
/// each prints the least process CPU time of its calls and the mean relative error (robust to other load, so settings
/// can be compared on a busy machine; the ratio to torch needs the default mode on a quiet one).
/// </summary>
internal static class VariantScan
{
    public static void Run(int rank, int reps)
    {
        string modelPath = PretrainedModels.MiniLm().ModelPath;
        OnnxModel model = OnnxModelIO.Load(modelPath);
        string fileHash = ModelFolder.Sha256File(modelPath);
        (string Label, int P, int Q, RangeFinder Finder)[] variants =
        [
            ("default", LowRankOptions.Defaults.Oversampling, LowRankOptions.Defaults.PowerIterations, LowRankOptions.Defaults.RangeFinder),
            ("subspace p=0 q=4 (torch's)", 0, 4, RangeFinder.SubspaceIteration),
            ("subspace p=8 q=4", 8, 4, RangeFinder.SubspaceIteration),
            ("krylov p=0 q=2", 0, 2, RangeFinder.BlockKrylov),
            ("krylov p=0 q=3", 0, 3, RangeFinder.BlockKrylov),
            ("krylov p=8 q=2", 8, 2, RangeFinder.BlockKrylov),
        ];
        var cpu = new double[variants.Length];
        var err = new double[variants.Length];
        Array.Fill(cpu, double.MaxValue);
        for (int rep = -1; rep < reps; rep++)
        {
            for (int v = 0; v < variants.Length; v++)
            {
                var options = new LowRankOptions
                {
                    Method = LowRankMethod.PissaFast,
                    Rank = rank,
                    Oversampling = variants[v].P,
                    PowerIterations = variants[v].Q,
                    RangeFinder = variants[v].Finder,
                    Seed = 3,
                    MaxThreads = 1,
                    BaseModelSha256 = fileHash,
                };
                TimeSpan cpu0 = Process.GetCurrentProcess().TotalProcessorTime;
                AdaptedModel adapted = LowRankInitializer.Initialize(model, options);
                double seconds = (Process.GetCurrentProcess().TotalProcessorTime - cpu0).TotalSeconds;
                if (rep >= 0)
                {
                    cpu[v] = Math.Min(cpu[v], seconds); // rep −1 warms the JIT
                }

                err[v] = adapted.Report.Layers.Average(l => l.RelError);
            }
        }

        Console.WriteLine($"lora init pissa-fast, r = {rank}, one thread, least process CPU of {reps} interleaved calls; torch's error at this rank: run the default mode");
        for (int v = 0; v < variants.Length; v++)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {variants[v].Label,-28} {cpu[v] * 1000,7:F1} ms CPU   mean rel err {err[v]:F9}"));
        }
    }
}
