using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Pipelines.Numerics.LinearAlgebra;
using Pipelines.Onnx;
using Pipelines.Transforms.LowRank;

namespace Pipelines.Benchmarks.PissaInit;

/// <summary>
/// <c>pipelines lora init --method pissa-fast</c>'s initialisation (<see cref="LowRankInitializer.Initialize"/> with the
/// CLI's defaults: all 36 MatMuls of all-MiniLM-L6-v2, p = 8, niter = 4, seed 3; the base hash is the model file's, computed
/// once before, as <c>lora init</c> does for its model folder) against <c>ref_pissa.py</c> (torch.svd_lowrank q = r, the
/// PiSSA split and W_res for each weight) at the same thread count, in one run. Ours also runs at torch's settings
/// (p = 0, niter = 4).
/// </summary>
internal static class LoraInitComparison
{
    public static void Run(string python, string refPissa, int[] threadCounts, int reps)
    {
        string modelPath = PretrainedModels.MiniLm().ModelPath;
        OnnxModel model = OnnxModelIO.Load(modelPath);
        string fileHash = ModelFolder.Sha256File(modelPath);

        // warm-up (JIT tiers) before anything is timed
        for (int i = 0; i < 2; i++)
        {
            _ = LowRankInitializer.Initialize(model, new LowRankOptions { Method = LowRankMethod.PissaFast, Rank = 16, MaxThreads = 1, BaseModelSha256 = fileHash });
        }

        Console.WriteLine($"lora init pissa-fast on all-MiniLM-L6-v2, best of {reps}; torch = ref_pissa.py (env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE, OPENBLAS_NUM_THREADS = threads)");
        Console.WriteLine("threads  rank  ours                  ours init   ours CPU   torch loop   ratio init   mean rel err ours / torch");
        foreach (int threads in threadCounts)
        {
            foreach (int rank in new[] { 16, 64 })
            {
                JsonElement torch = PythonPeer.Run(python, [refPissa, modelPath, $"{rank}", "4", $"{threads}"], null, threads);
                double ts = torch.GetProperty("seconds").GetDouble();
                double te = torch.GetProperty("mean_rel_err").GetDouble();
                var variants = new List<(string Label, int P, int Niter, RangeFinder Finder)>
                {
                    ("default p=8 niter=4", LowRankOptions.Defaults.Oversampling, 4, LowRankOptions.Defaults.RangeFinder),
                    ("p=0 niter=4 (torch's)", 0, 4, RangeFinder.SubspaceIteration),
                };
                // block Krylov at the fewest steps whose error is below torch's on MiniLM (README, `--variants`): q = 3 at
                // r = 16 (K = 64), q = 2 at r = 64 (K = 192, partial Ritz step)
                variants.Add(rank <= 16 ? ("krylov p=0 q=3", 0, 3, RangeFinder.BlockKrylov) : ("krylov p=0 q=2", 0, 2, RangeFinder.BlockKrylov));

                foreach ((string label, int p, int niter, RangeFinder finder) in variants)
                {
                    double best = double.MaxValue;
                    double bestCpu = double.MaxValue;
                    double meanErr = 0;
                    for (int rep = 0; rep < reps; rep++)
                    {
                        var options = new LowRankOptions { Method = LowRankMethod.PissaFast, Rank = rank, Oversampling = p, PowerIterations = niter, RangeFinder = finder, Seed = 3, MaxThreads = threads, BaseModelSha256 = fileHash };
                        TimeSpan cpu0 = Process.GetCurrentProcess().TotalProcessorTime;
                        AdaptedModel adapted = LowRankInitializer.Initialize(model, options);
                        bestCpu = Math.Min(bestCpu, (Process.GetCurrentProcess().TotalProcessorTime - cpu0).TotalSeconds);
                        best = Math.Min(best, adapted.Report.Seconds);
                        meanErr = adapted.Report.Layers.Average(l => l.RelError);
                    }

                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"{threads,7}  {rank,4}  {label,-21} {best,8:F3} s  {bestCpu,7:F3} s  {ts,9:F3} s  {best / ts,9:F2}×   {meanErr:F6} / {te:F6}"));
                }
            }
        }
    }
}
